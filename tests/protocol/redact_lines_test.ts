import assert from "node:assert/strict";
import { redactSecrets as redactLine } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test("redactLine() masks card numbers to their last four digits", pure, () => {
  assert.equal(
    redactLine("CANCEL 9 Card 4111111111111111 declined"),
    "CANCEL 9 Card ************1111 declined",
  );
  assert.equal(
    redactLine("DENIED 1 card 4111 1111 1111 1111 bad"),
    "DENIED 1 card **** **** **** 1111 bad", // one rule with the client: separators kept
  );
  assert.equal(
    redactLine("DENIED 1 card 4111-1111-1111-1111"),
    "DENIED 1 card ****-****-****-1111",
  );
  assert.equal(redactLine("BID 1 Kite 25.00"), "BID 1 Kite 25.00");
});

Deno.test("redactLine() hides everything after the name of an INFORM_Res", pure, () => {
  for (
    const line of [
      "INFORM_Res 7 Bob 4111111111111111 12/30 12 Main St",
      "inform-res 7 Bob 4111 1111 1111 1111 1230 12 Main St",
    ]
  ) {
    const redacted = redactLine(line);
    assert.doesNotMatch(redacted, /4111|1111|12\/30|1230|Main/);
    assert.match(redacted, /^INFORM_Res 7 /);
  }
});

Deno.test("redactLine() hides the password of a REGISTER", pure, () => {
  const redacted = redactLine("REGISTER 1 alice buyer 10.0.0.1 6000 6001 hunter2");
  assert.equal(redacted, "REGISTER 1 alice buyer 10.0.0.1 6000 6001 ***");
  assert.doesNotMatch(
    redactLine('register 1 alice buyer 10.0.0.1 6000 6001 "two words"'),
    /two|words/,
  );
  assert.equal(
    redactLine("REGISTER 1 alice buyer 10.0.0.1 6000 6001"),
    "REGISTER 1 alice buyer 10.0.0.1 6000 6001",
  );
});

Deno.test("redactLine() hides the password of a LOGIN and keeps its TCP port", pure, async (t) => {
  const cases: [string, string, string][] = [
    ["LOGIN 2 alice 7000 hunter2", "hunter2", "LOGIN 2 alice 7000 ***"],
    ["LOGIN 2 alice hunter2", "hunter2", "LOGIN 2 alice ***"],
    ['LOGIN 2 alice "two words"', "words", "LOGIN 2 alice ***"],
    ["LOGIN 2 alice 7000 123456", "123456", "LOGIN 2 alice 7000 ***"],
    ["LOGIN 2 alice 99999", "99999", "LOGIN 2 alice ***"],
    ["LOGIN 2 alice 7000", "\u0000", "LOGIN 2 alice 7000"],
  ];
  for (const [line, password, expected] of cases) {
    await t.step(line, () => {
      const redacted = redactLine(line);
      assert.ok(!redacted.includes(password), redacted);
      assert.equal(redacted, expected);
    });
  }
});
