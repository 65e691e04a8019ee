import assert from "node:assert/strict";
import {
  decodeDatagram,
  DecodeError,
  decodeLine,
  encodeDatagram,
  MAX_REQUEST_BYTES,
  message,
  ProtocolError,
} from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

const UTF8 = new TextEncoder();

function decodeErrorOf(run: () => unknown): DecodeError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof DecodeError, `expected a DecodeError, got ${error}`);
    assert.ok(error instanceof ProtocolError);
    return error;
  }
  assert.fail("expected a DecodeError");
}

Deno.test(
  "decodeLine() refuses an unknown name with a DecodeError that keeps the RQ#",
  pure,
  () => {
    const error = decodeErrorOf(() => decodeLine("PLONK 7"));
    assert.equal(error.rq, 7);
    assert.equal(error.type, undefined);
    assert.match(error.message, /Unknown message "PLONK"/);
  },
);

Deno.test("decodeLine() gives RQ# 0 when the request has none", pure, async (t) => {
  const cases: [string, string | undefined][] = [
    ["PLONK", undefined],
    ["PLONK abc", undefined],
    ["REGISTER", "REGISTER"],
    ["BID x Kite 5", "BID"],
    ["BID -3 Kite 5", "BID"],
  ];
  for (const [line, type] of cases) {
    await t.step(line, () => {
      const error = decodeErrorOf(() => decodeLine(line));
      assert.equal(error.rq, 0);
      assert.equal(error.type, type);
    });
  }
});

Deno.test("decodeLine() refuses an empty line", pure, () => {
  assert.match(decodeErrorOf(() => decodeLine("   ")).message, /Empty message/);
  assert.match(decodeErrorOf(() => decodeLine("")).message, /Empty message/);
});

Deno.test("decodeLine() names the message and RQ# of a bad field", pure, () => {
  const error = decodeErrorOf(() => decodeLine("BID 12 Kite 1.234"));
  assert.equal(error.type, "BID");
  assert.equal(error.rq, 12);
  assert.equal(error.field, "Bid_Amount");
  assert.match(error.message, /Bid_Amount/);
});

Deno.test("decodeLine() refuses missing and extra fields", pure, () => {
  assert.match(decodeErrorOf(() => decodeLine("BID 1 Kite")).message, /missing Bid_Amount/);
  assert.match(decodeErrorOf(() => decodeLine("BID 1 Kite 5 6")).message, /too many fields/);
  assert.match(
    decodeErrorOf(() => decodeLine("REGISTER 1 alice buyer 10.0.0.1 6000")).message,
    /missing TCP_Port/,
  );
});

Deno.test("decodeLine() refuses malformed quotes", pure, () => {
  assert.match(
    decodeErrorOf(() => decodeLine('LIST_ITEM 1 Kite "open 1 5')).message,
    /missing closing quote/,
  );
  assert.match(
    decodeErrorOf(() => decodeLine('LIST_ITEM 1 Kite "a"b 1 5')).message,
    /closing quote must end the field/,
  );
});

Deno.test("decodeLine() refuses the reserved names __proto__ and constructor", pure, () => {
  for (const name of ["__proto__", "constructor", "Constructor", "__PROTO__"]) {
    assert.match(
      decodeErrorOf(() => decodeLine(`REGISTER 1 ${name} buyer 10.0.0.1 6000 6001`)).message,
      /reserved/,
    );
    assert.match(decodeErrorOf(() => decodeLine(`SUBSCRIBE 1 ${name}`)).message, /reserved/);
  }
});

Deno.test("LOGIN matches its optional fields by kind", pure, async (t) => {
  const cases: [string, Record<string, unknown>][] = [
    ["LOGIN 2 jas", {}],
    ["LOGIN 2 jas 7329", { tcpPort: 7329 }],
    ["LOGIN 2 jas secret", { password: "secret" }],
    ["LOGIN 2 jas 7329 secret", { tcpPort: 7329, password: "secret" }],
    ["LOGIN 2 jas 7329 1234", { tcpPort: 7329, password: "1234" }],
    ['LOGIN 2 jas "pass word"', { password: "pass word" }],
    ["LOGIN 2 jas 99999", { password: "99999" }],
  ];
  for (const [line, fields] of cases) {
    await t.step(line, () => {
      assert.deepEqual(decodeLine(line), { type: "LOGIN", rq: 2, name: "jas", ...fields });
    });
  }
  await t.step("three optional values are too many", () => {
    assert.match(decodeErrorOf(() => decodeLine("LOGIN 2 jas 7329 a b")).message, /too many/);
  });
});

Deno.test("decodeDatagram() takes 1024 bytes and refuses 1025", pure, () => {
  const padded = (length: number) => `BID 1 Kite${" ".repeat(length - 11)}5`;
  const exact = UTF8.encode(padded(MAX_REQUEST_BYTES));
  assert.equal(exact.byteLength, 1024);
  assert.equal(decodeDatagram(exact).type, "BID");
  const over = UTF8.encode(padded(MAX_REQUEST_BYTES + 1));
  const error = decodeErrorOf(() => decodeDatagram(over));
  assert.match(error.message, /too long: at most 1024 bytes/);
  assert.equal(error.type, "BID");
  assert.equal(error.rq, 1);
});

Deno.test(
  "decodeDatagram() keeps the name and RQ# of a request it cannot read, for the refusal",
  pure,
  async (t) => {
    const cases: [string, Uint8Array, string | undefined, number][] = [
      ["too long", UTF8.encode(`LIST_ITEM 7 Kite "${"x".repeat(1100)}" 5 5`), "LIST_ITEM", 7],
      [
        "invalid UTF-8 in a field",
        new Uint8Array([...UTF8.encode("bid 12 Kite "), 0xff]),
        "BID",
        12,
      ],
      ["unknown name", UTF8.encode(`PLONK 3 ${"x".repeat(1100)}`), undefined, 3],
      ["no RQ#", UTF8.encode(`BID ${"x".repeat(1100)}`), "BID", 0],
      ["invalid UTF-8 in the name", new Uint8Array([0x42, 0xff, 0x20, 0x31]), undefined, 1],
    ];
    for (const [name, bytes, type, rq] of cases) {
      await t.step(name, () => {
        const error = decodeErrorOf(() => decodeDatagram(bytes));
        assert.equal(error.type, type);
        assert.equal(error.rq, rq);
      });
    }
  },
);

Deno.test("decodeDatagram() counts bytes, not characters", pure, () => {
  const line = `DENIED 1 ${"é".repeat(510)}`; // 9 + 1020 bytes
  assert.ok(line.length < 1024);
  assert.match(decodeErrorOf(() => decodeDatagram(UTF8.encode(line))).message, /too long/);
});

Deno.test("decodeDatagram() refuses invalid UTF-8", pure, async (t) => {
  const cases: [string, number[]][] = [
    ["lone continuation byte", [0x80]],
    ["truncated sequence", [0xc3]],
    ["overlong encoding", [0xc0, 0xaf]],
    ["surrogate", [0xed, 0xa0, 0x80]],
    ["0xff", [0xff]],
  ];
  for (const [name, bad] of cases) {
    await t.step(name, () => {
      const bytes = new Uint8Array([...UTF8.encode("REGISTER 1 al"), ...bad, ...UTF8.encode("x")]);
      assert.match(decodeErrorOf(() => decodeDatagram(bytes)).message, /not valid UTF-8/);
    });
  }
});

Deno.test("decodeDatagram() accepts a trailing newline", pure, () => {
  assert.deepEqual(decodeDatagram(UTF8.encode("BID 1 Kite 2\r\n")), {
    type: "BID",
    rq: 1,
    item: "Kite",
    amount: 200,
  });
});

Deno.test("decodeDatagram() drops one trailing \\n or \\r\\n, nothing else", pure, () => {
  const bid = { type: "BID", rq: 1, item: "Kite", amount: 200 };
  assert.deepEqual(decodeDatagram(UTF8.encode("BID 1 Kite 2\n")), bid);
  assert.deepEqual(decodeDatagram(UTF8.encode("BID 1 Kite 2")), bid);
  for (const ending of ["\r", "\n\n", "\r\n\n", "\n\r"]) {
    assert.match(
      decodeErrorOf(() => decodeDatagram(UTF8.encode(`BID 1 Kite 2${ending}`))).message,
      /Bid_Amount/,
      JSON.stringify(ending),
    );
  }
  assert.match(decodeErrorOf(() => decodeDatagram(UTF8.encode("\n"))).message, /Empty/);
});

Deno.test("a message name is read in any case, with - and _ alike", pure, () => {
  for (const name of ["BID", "bid", "Bid"]) {
    assert.equal(decodeLine(`${name} 1 Kite 2`).type, "BID");
  }
  for (const name of ["BID_ACCEPTED", "bid-accepted", "Bid_Accepted"]) {
    assert.equal(decodeLine(`${name} 1`).type, "BID_ACCEPTED");
  }
  assert.match(decodeErrorOf(() => decodeLine("BIDS 1 Kite 2")).message, /Unknown message/);
});

Deno.test("encodeDatagram() writes UTF-8 that decodeDatagram() reads back", pure, () => {
  const cancel = message("CANCEL", 3, { reason: "Paiement refusé" });
  assert.deepEqual(decodeDatagram(encodeDatagram(cancel)), cancel);
});

Deno.test("RQ# is a non-negative integer of up to 15 digits", pure, () => {
  assert.equal(decodeLine("REGISTERED 0").rq, 0);
  assert.equal(decodeLine("REGISTERED 999999999999999").rq, 999999999999999);
  assert.match(decodeErrorOf(() => decodeLine("REGISTERED 1.5")).message, /RQ#/);
  assert.match(decodeErrorOf(() => decodeLine("REGISTERED 1000000000000000")).message, /RQ#/);
});
