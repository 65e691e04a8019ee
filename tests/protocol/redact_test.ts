import assert from "node:assert/strict";
import { maskCardNumbers } from "../../protocol/card_mask.ts";
import { redactSecrets, secretsOf } from "../../protocol/redact.ts";
import { pure } from "../_support/pure.ts";

const KEY = "0123456789abcdef0123456789abcdef";

/** Tricky lines, each with the secrets that must not survive redaction. */
const SECRET_CORPUS: { line: string; secrets: string[] }[] = [
  {
    line: "INFORM_Res 7 Bob 4111111111111111 12/30 1 Main St",
    secrets: ["41111111", "12/30", "Main"],
  },
  {
    line: "INFORM_Res 7 Bob 4111  1111  1111  1111 12/30 1 Main St",
    secrets: ["4111  1111", "12/30"],
  },
  { line: "inform_res 7 Bob 4111111111111111 1230 x", secrets: ["41111111", "1230"] },
  { line: "INFORM-RES 7 Bob 4111-1111-1111-1111 12/30 x", secrets: ["4111-1111", "12/30"] },
  { line: "INFORMRes 7 Bob 4111.1111.1111.1111 12/30 x", secrets: ["4111.1111", "12/30"] },
  { line: "Inform Res 7 Bob 4111 1111 1111 1111 12/30 x", secrets: ["4111 1111", "12/30"] },
  { line: '  informres 7 "Bob Lee" 5555555555554444 0931 Rue X', secrets: ["55555555", "0931"] },
  { line: "INFORM_Rs 7 Bob 4111111111111111 12/30", secrets: ["41111111", "12/30"] },
  {
    line: "DENIED 0 Unknown message INFORMRES: 4111 1111 1111 1111 12/30",
    secrets: ["4111 1111", "12/30"],
  },
  { line: "BID 3 Kite 4111-1111-1111-1111", secrets: ["4111-1111-1111"] },
  { line: "x 4111 - 1111 - 1111 - 1111 y", secrets: ["4111 - 1111"] },
  { line: "x 4111\t1111\t1111\t1111 y", secrets: ["4111\t1111"] },
  { line: "x 4111  1111  1111  1111 1230 y", secrets: ["4111  1111", "1230"] },
  { line: "x 3782 822463 10005 y", secrets: ["822463"] },
  { line: 'Invalid Item_Name "4111/1111/1111/1111"', secrets: ["4111/1111/1111"] },
  { line: "x 4111_1111_1111_1111 y", secrets: ["4111_1111_1111"] },
  { line: "x 4111,1111,1111,1111 y", secrets: ["4111,1111,1111"] },
  { line: "x 4111+1111+1111+1111 y", secrets: ["4111+1111+1111"] },
  { line: "x 4111:1111:1111:1111 y", secrets: ["4111:1111:1111"] },
  { line: "x 4111\u00a01111\u00a01111\u00a01111 y", secrets: ["4111\u00a01111"] },
  { line: "x 5555 / 5555 / 5555 / 4444 y", secrets: ["5555 / 5555"] },
  {
    line:
      "x \uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11 y",
    secrets: ["\uff14\uff11\uff11\uff11\uff11"],
  },
  { line: "x 4111111111111111111 y", secrets: ["411111111111111"] },
  { line: "card expires 12/30 or 12 / 2030", secrets: ["12/30", "12 / 2030"] },
  { line: "REGISTER 1 Carol buyer 127.0.0.1 5000 CarolSecret9", secrets: ["CarolSecret9"] },
  { line: "register 1 Carol buyer 127.0.0.1 CarolSecret9", secrets: ["CarolSecret9"] },
  { line: "REGISTER 1 Carol buyer CarolSecret9", secrets: ["CarolSecret9"] },
  { line: "REGISTER 1 Carol buyer 127.0.0.1 5000 5001 6000", secrets: ["6000"] },
  {
    line: `Register 1 Carol buyer 127.0.0.1 5000 5001 "my secret pass" key=${KEY}`,
    secrets: ["my", "secret", 'pass"', KEY],
  },
  { line: "RE-GISTER 1 Carol buyer ::1 5000 5001 hunter2", secrets: ["hunter2"] },
  { line: "LOGIN 2 Carol CarolSecret9", secrets: ["CarolSecret9"] },
  { line: `login 2 Carol 5000 CarolSecret9 key=${KEY}`, secrets: ["CarolSecret9", KEY] },
  { line: "LOG-IN 2 Carol 70000 hunter2", secrets: ["70000", "hunter2"] },
  { line: "LOGIN 2 Carol 5000 5001", secrets: ["5001"] },
  { line: `BID 3 Kite 25.00 key=${KEY}`, secrets: [KEY] },
  { line: `BID 3 Kite 25.00 ${KEY.toUpperCase()}`, secrets: [KEY.toUpperCase()] },
  { line: `REGISTERED 1 key=${KEY}`, secrets: [KEY] },
  { line: `LOGIN_SUCCESS 1 role=buyer key=${KEY}`, secrets: [KEY] },
  { line: `DE-REGISTER 4 Carol key=${KEY}`, secrets: [KEY] },
  { line: 'note password=hunter2 pwd:"two words"', secrets: ["hunter2", "two words"] },
];

/** Lines with nothing secret: they are logged as they are. */
const HARMLESS = [
  "REGISTER 20028 jas seller 192.168.100.123 51072 40469",
  "REGISTER 1 alice buyer 10.0.0.1 6000 6001",
  "LOGIN 2 alice 7000",
  "BID_UPDATE 8 Kite 25.00 scott 101",
  "LOGIN-FAILED 5 Unknown user or wrong password",
  "INFORM_Req 107 Kite 25.00",
  "PAID 1011 Kite 40.50 1111",
  'AUCTION_ANNOUNCE 12 Kite "A red kite" 999999999.99 86400',
  'Shipping_Info 9 "Bea Smith" 1 Main Street, Springfield',
  "2026-05-01T12:00:00.000Z WARNING rq=99999",
  "DENIED 10 INFORM_Res is not a request the server takes here",
  "Invalid INFORM_Res from buyer: Invalid CC#: use 12 to 19 digits",
  "INFORM_Res 7",
  "at 2026-11-27 03:49:52.502, 12:00:00 and 1,000,000.00",
  "\uff11\uff12\uff13 items",
];

Deno.test("redactSecrets() hides every secret of the corpus of tricky lines", pure, async (t) => {
  for (const { line, secrets } of SECRET_CORPUS) {
    await t.step(JSON.stringify(line), () => {
      const redacted = redactSecrets(line);
      for (const secret of secrets) {
        assert.ok(!redacted.includes(secret), `${JSON.stringify(secret)} is in ${redacted}`);
      }
    });
  }
});

Deno.test("redactSecrets() keeps what a log needs", pure, async (t) => {
  for (const line of HARMLESS) {
    await t.step(line, () => assert.equal(redactSecrets(line), line));
  }
  assert.equal(
    redactSecrets("REGISTER 1 Carol buyer 127.0.0.1 5000 CarolSecret9"),
    "REGISTER 1 Carol buyer 127.0.0.1 5000 ***",
  );
  assert.equal(
    redactSecrets("INFORMRes 7 Bob 4111111111111111 12/30 x"),
    "INFORM_Res 7 <payment details hidden>",
  );
  assert.equal(redactSecrets(`BID 3 Kite 25.00 key=${KEY}`), "BID 3 Kite 25.00 key=***");
  assert.equal(redactSecrets("x 4111 1111 1111 1111 1230 y"), "x **** **** **** 1111 **** y");
  assert.equal(
    maskCardNumbers(
      "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 for \uff11\uff12\uff13",
    ),
    "**** **** **** \uff11\uff11\uff11\uff11 for \uff11\uff12\uff13",
    "found as ASCII, every digit not masked left as written",
  );
});

Deno.test("a decode error's reason is scrubbed of the secrets of its line", pure, () => {
  const line = "REGISTER 1 Carol buyer 127.0.0.1 5000 CarolSecret9";
  assert.deepEqual(secretsOf(line), ["CarolSecret9"]);
  const reason = 'Invalid TCP_Port: "CarolSecret9"';
  assert.equal(redactSecrets(reason, { alsoHide: secretsOf(line) }), 'Invalid TCP_Port: "***"');
  const long = "a".repeat(50);
  const clipped = `Invalid TCP_Port: "${long.slice(0, 40)}..."`;
  assert.ok(
    !redactSecrets(clipped, { alsoHide: secretsOf(`LOGIN 1 Bob ${long}`) }).includes("aaaa"),
  );
  assert.deepEqual(secretsOf(`BID 1 Kite 2.00 key=${KEY}`), [KEY]);
});

Deno.test("maskCardNumbers() masks dotted cards but not IPv4 addresses", pure, () => {
  assert.equal(maskCardNumbers("4111.1111.1111.1111"), "****.****.****.1111");
  assert.equal(maskCardNumbers("at 10.0.0.1 5000 5001"), "at 10.0.0.1 5000 5001");
  assert.equal(maskCardNumbers("411.111.111.117"), "***.***.**1.117");
});
