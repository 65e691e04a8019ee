import assert from "node:assert/strict";
import {
  DecodeError,
  decodeLine,
  encodeMessage,
  message,
  printable,
  withoutSessionKey,
} from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

const KEY = "0123456789abcdef0123456789abcdef";

Deno.test(
  "decodeLine() takes a trailing key= field on every client UDP request",
  pure,
  async (t) => {
    const cases: [string, Record<string, unknown>][] = [
      [`BID 3 Kite 25 key=${KEY}`, { type: "BID", rq: 3, item: "Kite", amount: 2500, key: KEY }],
      [`LIST_ITEM 4 Kite "Red kite" 20 5 jas key=${KEY}`, {
        type: "LIST_ITEM",
        rq: 4,
        item: "Kite",
        description: "Red kite",
        startPrice: 2000,
        duration: { amount: 5, unit: null },
        seller: "jas",
        key: KEY,
      }],
      [`SUBSCRIBE 5 Kite key=${KEY.toUpperCase()}`, {
        type: "SUBSCRIBE",
        rq: 5,
        item: "Kite",
        key: KEY,
      }],
      [`LOGIN 6 jas 7001 pw key=${KEY}`, {
        type: "LOGIN",
        rq: 6,
        name: "jas",
        tcpPort: 7001,
        password: "pw",
        key: KEY,
      }],
      [`REFUSE 7 Kite REJECT key=${KEY}`, {
        type: "REFUSE",
        rq: 7,
        item: "Kite",
        decision: "REJECT",
        key: KEY,
      }],
      [`PING 8 key=${KEY}`, { type: "PING", rq: 8, key: KEY }],
    ];
    for (const [line, decoded] of cases) {
      await t.step(line.split(" ")[0]!, () => {
        assert.deepEqual(decodeLine(line), decoded);
      });
    }
  },
);

Deno.test("encodeMessage() writes the session key last, and replies carry theirs", pure, () => {
  assert.equal(
    encodeMessage(message("BID", 3, { item: "Kite", amount: 2500, key: KEY })),
    `BID 3 Kite 25.00 key=${KEY}`,
  );
  assert.equal(encodeMessage(message("REGISTERED", 1, { key: KEY })), `REGISTERED 1 key=${KEY}`);
  assert.equal(
    encodeMessage(message("LOGIN_SUCCESS", 2, { role: "buyer", key: KEY })),
    `LOGIN_SUCCESS 2 role=buyer key=${KEY}`,
  );
  assert.deepEqual(decodeLine(`LOGIN_SUCCESS 2 role=buyer key=${KEY}`), {
    type: "LOGIN_SUCCESS",
    rq: 2,
    role: "buyer",
    key: KEY,
  });
});

Deno.test("decodeLine() refuses a malformed key with the session key reason", pure, () => {
  for (const line of ["BID 3 Kite 25 key=abc", `BID 3 Kite 25 key=${KEY}0`, "BID 3 Kite 25 key="]) {
    assert.throws(() => decodeLine(line), (error) => {
      assert.ok(error instanceof DecodeError);
      assert.equal(error.type, "BID");
      assert.equal(error.rq, 3);
      assert.match(error.message, /Session key missing or wrong/);
      return true;
    });
  }
});

Deno.test("a password may not start with key=, so it is never taken for the key", pure, () => {
  assert.throws(() => decodeLine("REGISTER 1 ann buyer 127.0.0.1 1 2 key=x"), DecodeError);
  assert.deepEqual(decodeLine(`REGISTER 1 ann buyer 127.0.0.1 1 2 pw key=${KEY}`), {
    type: "REGISTER",
    rq: 1,
    name: "ann",
    role: "buyer",
    ip: "127.0.0.1",
    udpPort: 1,
    tcpPort: 2,
    password: "pw",
    key: KEY,
  });
});

Deno.test("withoutSessionKey() drops only a trailing key= field", pure, () => {
  assert.equal(withoutSessionKey(`BID 3 Kite 25 key=${KEY}`), "BID 3 Kite 25");
  assert.equal(withoutSessionKey(`BID 3 Kite 25  key=${KEY} \r\n`), "BID 3 Kite 25");
  assert.equal(withoutSessionKey("BID 3 Kite 25"), "BID 3 Kite 25");
  assert.equal(withoutSessionKey(`LIST_ITEM 1 K "key=x y" 5 5`), `LIST_ITEM 1 K "key=x y" 5 5`);
});

Deno.test("text fields refuse control and bidirectional characters", pure, async (t) => {
  const bad = ["\u001b[31m", "a\rb", "\u009b2J", "\u202eevil", "x\u2066y", "\u007f"];
  for (const text of bad) {
    await t.step(JSON.stringify(text), () => {
      const description = `"${text}"`;
      assert.throws(
        () => decodeLine(`LIST_ITEM 1 Kite ${description} 5 5`),
        /control characters and bidirectional controls are not allowed/,
      );
      assert.throws(
        () => decodeLine(`INFORM_Res 9 Pat 4111111111111111 12/39 1 ${text} Street`),
        /control characters and bidirectional controls are not allowed/,
      );
      assert.throws(
        () => decodeLine(`INFORM_Res 9 "P${text}t" 4111111111111111 12/39 1 Street`),
        /control characters and bidirectional controls are not allowed/,
      );
    });
  }
  assert.equal(decodeLine('LIST_ITEM 1 Kite "Caf\u00e9 \u00fcber \u4e2d" 5 5').type, "LIST_ITEM");
});

Deno.test("a refusal quotes a peer's text with its control characters escaped", pure, () => {
  assert.throws(() => decodeLine("ACC\u0005PT 50 x"), (error) => {
    assert.ok(error instanceof DecodeError);
    assert.equal(error.message, 'Unknown message "ACC\\u0005PT"');
    return true;
  });
  assert.throws(() => decodeLine("BID 4 Kite 3\u001b[2J"), (error) => {
    assert.ok(error instanceof DecodeError);
    assert.match(error.message, /"3\\u001b\[2J"/);
    return true;
  });
  assert.equal(printable("a\u202eb\u009bc"), "a\\u202eb\\u009bc");
});
