import assert from "node:assert/strict";
import {
  MESSAGES,
  NO_REPLY_TYPES,
  PUSH_TYPES,
  REFUSAL_OF,
  REFUSAL_TYPES,
  REPLY_TYPES,
} from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "the message roles derived from the table are the ones the client and server used",
  pure,
  () => {
    assert.deepEqual(
      REPLY_TYPES,
      new Set([
        "REGISTERED",
        "REGISTER-DENIED",
        "LOGIN_SUCCESS",
        "LOGIN-FAILED",
        "ITEM_LISTED",
        "LIST-DENIED",
        "SUBSCRIBED",
        "SUBSCRIPTION-DENIED",
        "BID_ACCEPTED",
        "BID_REJECTED",
        "DENIED",
        "PONG",
      ]),
    );
    assert.deepEqual(
      REFUSAL_TYPES,
      new Set([
        "REGISTER-DENIED",
        "LOGIN-FAILED",
        "LIST-DENIED",
        "SUBSCRIPTION-DENIED",
        "BID_REJECTED",
        "DENIED",
      ]),
    );
    assert.deepEqual(NO_REPLY_TYPES, new Set(["DE-REGISTER", "DE-SUBSCRIBE", "REFUSE"]));
    assert.deepEqual(
      PUSH_TYPES,
      new Set(["AUCTION_ANNOUNCE", "BID_UPDATE", "NEGOTIATE_REQ", "PRICE_ADJUSTMENT"]),
    );
    assert.deepEqual(REFUSAL_OF, {
      "REGISTER": "REGISTER-DENIED",
      "LOGIN": "LOGIN-FAILED",
      "LIST_ITEM": "LIST-DENIED",
      "SUBSCRIBE": "SUBSCRIPTION-DENIED",
      "BID": "BID_REJECTED",
    });
  },
);

Deno.test("every role column names a row of the table that fits it", pure, () => {
  for (const [type, spec] of Object.entries(MESSAGES)) {
    const row: { from: string; over: string; role?: string; answer?: string; refusal?: string } =
      spec;
    if (row.role !== undefined) {
      assert.ok(row.from === "server" && row.over === "udp", `${type} has a role`);
    }
    if (row.answer !== undefined) {
      assert.equal(row.from, "client", `${type} is a request`);
      assert.ok(row.answer in MESSAGES, `${type}'s answer ${row.answer}`);
    }
    if (row.refusal !== undefined) {
      const refusal = MESSAGES[row.refusal as keyof typeof MESSAGES] as { role?: string };
      assert.equal(refusal.role, "refusal", `${type}'s refusal ${row.refusal}`);
    }
  }
});
