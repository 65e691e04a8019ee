import assert from "node:assert/strict";
import {
  decodeLine,
  encodeMessage,
  type Message,
  message,
  MESSAGES,
  type MessageType,
} from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

interface Case {
  /** A realistic line as a peer would write it. */
  line: string;
  /** What it decodes to. */
  decoded: Message;
  /** How the codec writes it back (the exact spelling of the table). */
  encoded: string;
}

/** One realistic case for every message of the table, both directions. */
const CASES: Record<MessageType, Case> = {
  "REGISTER": {
    line: "REGISTER 1 alice buyer 192.168.1.10 6000 6001 s3cret",
    decoded: message("REGISTER", 1, {
      name: "alice",
      role: "buyer",
      ip: "192.168.1.10",
      udpPort: 6000,
      tcpPort: 6001,
      password: "s3cret",
    }),
    encoded: "REGISTER 1 alice buyer 192.168.1.10 6000 6001 s3cret",
  },
  "REGISTERED": {
    line: "REGISTERED 1",
    decoded: message("REGISTERED", 1, {}),
    encoded: "REGISTERED 1",
  },
  "REGISTER-DENIED": {
    line: "REGISTER-DENIED 1 User name is already taken",
    decoded: message("REGISTER-DENIED", 1, { reason: "User name is already taken" }),
    encoded: "REGISTER-DENIED 1 User name is already taken",
  },
  "LOGIN": {
    line: "LOGIN 2 alice 6101 s3cret",
    decoded: message("LOGIN", 2, { name: "alice", tcpPort: 6101, password: "s3cret" }),
    encoded: "LOGIN 2 alice 6101 s3cret",
  },
  "LOGIN_SUCCESS": {
    line: "LOGIN_SUCCESS 2 role=seller",
    decoded: message("LOGIN_SUCCESS", 2, { role: "seller" }),
    encoded: "LOGIN_SUCCESS 2 role=seller",
  },
  "LOGIN-FAILED": {
    line: "LOGIN-FAILED 2 Wrong password",
    decoded: message("LOGIN-FAILED", 2, { reason: "Wrong password" }),
    encoded: "LOGIN-FAILED 2 Wrong password",
  },
  "DE-REGISTER": {
    line: "DE-REGISTER 3 alice",
    decoded: message("DE-REGISTER", 3, { name: "alice" }),
    encoded: "DE-REGISTER 3 alice",
  },
  "LIST_ITEM": {
    line: 'LIST_ITEM 4 Kite "A red \\"stunt\\" kite \\\\ with tail" 25.5 90s',
    decoded: message("LIST_ITEM", 4, {
      item: "Kite",
      description: 'A red "stunt" kite \\ with tail',
      startPrice: 2550,
      duration: { amount: 90, unit: "s" },
    }),
    encoded: 'LIST_ITEM 4 Kite "A red \\"stunt\\" kite \\\\ with tail" 25.50 90s',
  },
  "ITEM_LISTED": {
    line: "ITEM_LISTED 4",
    decoded: message("ITEM_LISTED", 4, {}),
    encoded: "ITEM_LISTED 4",
  },
  "LIST-DENIED": {
    line: 'LIST-DENIED 4 "Only sellers may list items"',
    decoded: message("LIST-DENIED", 4, { reason: "Only sellers may list items" }),
    encoded: "LIST-DENIED 4 Only sellers may list items",
  },
  "SUBSCRIBE": {
    line: "SUBSCRIBE 5 Kite bob",
    decoded: message("SUBSCRIBE", 5, { item: "Kite", buyer: "bob" }),
    encoded: "SUBSCRIBE 5 Kite bob",
  },
  "SUBSCRIBED": {
    line: "SUBSCRIBED 5",
    decoded: message("SUBSCRIBED", 5, {}),
    encoded: "SUBSCRIBED 5",
  },
  "SUBSCRIPTION-DENIED": {
    line: "SUBSCRIPTION-DENIED 5 No open auction for Kite",
    decoded: message("SUBSCRIPTION-DENIED", 5, { reason: "No open auction for Kite" }),
    encoded: "SUBSCRIPTION-DENIED 5 No open auction for Kite",
  },
  "DE-SUBSCRIBE": {
    line: "DE-SUBSCRIBE 6 Kite",
    decoded: message("DE-SUBSCRIBE", 6, { item: "Kite" }),
    encoded: "DE-SUBSCRIBE 6 Kite",
  },
  "BID": {
    line: "BID 7 Kite 30",
    decoded: message("BID", 7, { item: "Kite", amount: 3000 }),
    encoded: "BID 7 Kite 30.00",
  },
  "BID_ACCEPTED": {
    line: "BID_ACCEPTED 7",
    decoded: message("BID_ACCEPTED", 7, {}),
    encoded: "BID_ACCEPTED 7",
  },
  "BID_REJECTED": {
    line: "BID_REJECTED 7 Bid must be above 30.00",
    decoded: message("BID_REJECTED", 7, { reason: "Bid must be above 30.00" }),
    encoded: "BID_REJECTED 7 Bid must be above 30.00",
  },
  "ACCEPT": {
    line: "ACCEPT 8 Kite 20.05",
    decoded: message("ACCEPT", 8, { item: "Kite", newPrice: 2005 }),
    encoded: "ACCEPT 8 Kite 20.05",
  },
  "REFUSE": {
    line: "REFUSE 9 Kite reject",
    decoded: message("REFUSE", 9, { item: "Kite", decision: "REJECT" }),
    encoded: "REFUSE 9 Kite REJECT",
  },
  "DENIED": {
    line: "DENIED 0 Unknown message PING",
    decoded: message("DENIED", 0, { reason: "Unknown message PING" }),
    encoded: "DENIED 0 Unknown message PING",
  },
  "AUCTION_ANNOUNCE": {
    line: 'AUCTION_ANNOUNCE 1001 Kite "A red kite" 25.00 290',
    decoded: message("AUCTION_ANNOUNCE", 1001, {
      item: "Kite",
      description: "A red kite",
      currentPrice: 2500,
      timeLeft: 290,
    }),
    encoded: 'AUCTION_ANNOUNCE 1001 Kite "A red kite" 25.00 290',
  },
  "BID_UPDATE": {
    line: "BID_UPDATE 1002 Kite 30.00 bob 250",
    decoded: message("BID_UPDATE", 1002, {
      item: "Kite",
      highestBid: 3000,
      bidder: "bob",
      timeLeft: 250,
    }),
    encoded: "BID_UPDATE 1002 Kite 30.00 bob 250",
  },
  "NEGOTIATE_REQ": {
    line: "NEGOTIATE_REQ 1003 Kite 25.00 150",
    decoded: message("NEGOTIATE_REQ", 1003, { item: "Kite", currentPrice: 2500, timeLeft: 150 }),
    encoded: "NEGOTIATE_REQ 1003 Kite 25.00 150",
  },
  "PRICE_ADJUSTMENT": {
    line: "PRICE_ADJUSTMENT 1004 Kite 20.00 140",
    decoded: message("PRICE_ADJUSTMENT", 1004, { item: "Kite", newPrice: 2000, timeLeft: 140 }),
    encoded: "PRICE_ADJUSTMENT 1004 Kite 20.00 140",
  },
  "WINNER": {
    line: "WINNER 1005 Kite 30.00 alice",
    decoded: message("WINNER", 1005, { item: "Kite", finalPrice: 3000, seller: "alice" }),
    encoded: "WINNER 1005 Kite 30.00 alice",
  },
  "SOLD": {
    line: "SOLD 1006 Kite 30.00 bob",
    decoded: message("SOLD", 1006, { item: "Kite", finalPrice: 3000, buyer: "bob" }),
    encoded: "SOLD 1006 Kite 30.00 bob",
  },
  "NON_OFFER": {
    line: "NON_OFFER 1007 Kite",
    decoded: message("NON_OFFER", 1007, { item: "Kite" }),
    encoded: "NON_OFFER 1007 Kite",
  },
  "INFORM_Req": {
    line: "INFORM_Req 1008 Kite 30.00",
    decoded: message("INFORM_Req", 1008, { item: "Kite", finalPrice: 3000 }),
    encoded: "INFORM_Req 1008 Kite 30.00",
  },
  "INFORM_Res": {
    line: 'INFORM_Res 1008 "Bob Smith" 4111111111111111 12/30 12 Main St, Springfield',
    decoded: message("INFORM_Res", 1008, {
      name: "Bob Smith",
      card: "4111111111111111",
      expiry: { month: 12, year: 2030 },
      address: "12 Main St, Springfield",
    }),
    encoded: 'INFORM_Res 1008 "Bob Smith" 4111111111111111 12/30 12 Main St, Springfield',
  },
  "CANCEL": {
    line: "CANCEL 1009 The buyer's card was declined",
    decoded: message("CANCEL", 1009, { reason: "The buyer's card was declined" }),
    encoded: "CANCEL 1009 The buyer's card was declined",
  },
  "Shipping_Info": {
    line: 'Shipping_Info 1010 "Bob Smith" "12 Main St, Springfield"',
    decoded: message("Shipping_Info", 1010, {
      name: "Bob Smith",
      address: "12 Main St, Springfield",
    }),
    encoded: 'Shipping_Info 1010 "Bob Smith" 12 Main St, Springfield',
  },
  "PING": {
    line: "ping 7",
    decoded: message("PING", 7, {}),
    encoded: "PING 7",
  },
  "PONG": {
    line: "PONG 7",
    decoded: message("PONG", 7, {}),
    encoded: "PONG 7",
  },
  "PAID": {
    line: "PAID 1011 Kite 40.5 1111",
    decoded: message("PAID", 1011, { item: "Kite", finalPrice: 4050, cardLast4: "1111" }),
    encoded: "PAID 1011 Kite 40.50 1111",
  },
};

Deno.test("codec tests cover every message of the table", pure, () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(MESSAGES).sort());
});

for (const [type, { line, decoded, encoded }] of Object.entries(CASES)) {
  Deno.test(`decodeLine() reads a realistic ${type}`, pure, () => {
    assert.deepEqual(decodeLine(line), decoded);
  });

  Deno.test(
    `encodeMessage() writes ${type} with the exact spelling, and it reads back`,
    pure,
    () => {
      const written = encodeMessage(decoded);
      assert.equal(written, encoded);
      assert.ok(written.startsWith(`${type} `), `spelled as the table: ${written}`);
      assert.deepEqual(decodeLine(written), decoded);
    },
  );
}

Deno.test("decodeLine() matches names case-insensitively with - and _ alike", pure, async (t) => {
  const variants: [string, MessageType][] = [
    ["de_register 3 alice", "DE-REGISTER"],
    ["De-Register 3 alice", "DE-REGISTER"],
    ["INFORM_RES 8 Bob 4111111111111111 1230 Main St", "INFORM_Res"],
    ["inform-res 8 Bob 4111111111111111 1230 Main St", "INFORM_Res"],
    ["register 1 alice BUYER 10.0.0.1 6000 6001", "REGISTER"],
    ["list-item 4 Kite desc 25 5", "LIST_ITEM"],
    ["Bid 7 Kite 30", "BID"],
    ["shipping-info 1 Bob 12 Main St", "Shipping_Info"],
    ["register_denied 1 no", "REGISTER-DENIED"],
    ["login-success 2 ROLE=Buyer", "LOGIN_SUCCESS"],
  ];
  for (const [line, type] of variants) {
    await t.step(line, () => {
      const decoded = decodeLine(line);
      assert.equal(decoded.type, type);
      assert.ok(encodeMessage(decoded).startsWith(`${type} `));
    });
  }
});

Deno.test("decodeLine() accepts several spaces and tabs between fields", pure, () => {
  assert.deepEqual(
    decodeLine("  BID\t7   Kite \t 30.5  "),
    message("BID", 7, { item: "Kite", amount: 3050 }),
  );
});

Deno.test("decodeLine() takes a rest-of-line Reason quoted or not", pure, async (t) => {
  const cases: [string, string][] = [
    ["DENIED 3 Unknown   item  here", "Unknown   item  here"],
    ['DENIED 3 "Unknown item"', "Unknown item"],
    ['DENIED 3 "say \\"hi\\" \\\\ bye"', 'say "hi" \\ bye'],
    ['DENIED 3 "quoted" and then not', '"quoted" and then not'],
    ["CANCEL 9 Payment declined: card 4000...0002", "Payment declined: card 4000...0002"],
  ];
  for (const [line, reason] of cases) {
    await t.step(line, () => {
      const decoded = decodeLine(line);
      assert.equal((decoded as { reason: string }).reason, reason);
      assert.deepEqual(decodeLine(encodeMessage(decoded)), decoded);
    });
  }
});

Deno.test("decodeLine() takes a rest-of-line Address quoted or not", pure, async (t) => {
  const cases: [string, string][] = [
    ["INFORM_Res 1 Bob 4111111111111111 12/30 1 Elm St, Apt 2", "1 Elm St, Apt 2"],
    ['INFORM_Res 1 Bob 4111111111111111 12/30 "1 Elm St, Apt 2"', "1 Elm St, Apt 2"],
    ['Shipping_Info 1 Bob "the \\"Old\\" Mill"', 'the "Old" Mill'],
    ["Shipping_Info 1 Bob Mill", "Mill"],
  ];
  for (const [line, address] of cases) {
    await t.step(line, () => {
      const decoded = decodeLine(line);
      assert.equal((decoded as { address: string }).address, address);
      assert.deepEqual(decodeLine(encodeMessage(decoded)), decoded);
    });
  }
});

Deno.test(
  "encodeMessage() quotes fields with spaces and escapes quotes and backslashes",
  pure,
  () => {
    const announce = message("AUCTION_ANNOUNCE", 5, {
      item: "Lamp",
      description: 'a "brass" lamp \\ 1920s',
      currentPrice: 1,
      timeLeft: 0,
    });
    const line = encodeMessage(announce);
    assert.equal(line, 'AUCTION_ANNOUNCE 5 Lamp "a \\"brass\\" lamp \\\\ 1920s" 0.01 0');
    assert.deepEqual(decodeLine(line), announce);
  },
);

Deno.test('encodeMessage() writes an empty description as ""', pure, () => {
  const listing = message("LIST_ITEM", 1, {
    item: "Box",
    description: "",
    startPrice: 100,
    duration: { amount: 5, unit: null },
  });
  assert.equal(encodeMessage(listing), 'LIST_ITEM 1 Box "" 1.00 5');
  assert.deepEqual(decodeLine(encodeMessage(listing)), listing);
});
