import assert from "node:assert/strict";
import { NegotiationNotices } from "../../client/negotiation_notices.ts";
import type { MessageOf } from "../../protocol/mod.ts";

function negotiate(rq: number, timeLeft: number, currentPrice = 2000): MessageOf<"NEGOTIATE_REQ"> {
  return { type: "NEGOTIATE_REQ", rq, item: "Kite", currentPrice, timeLeft };
}

Deno.test({
  name: "NegotiationNotices shows the first NEGOTIATE_REQ in full and its backoff repeats briefly",
  permissions: "none",
  fn: () => {
    const notices = new NegotiationNotices(5_000);
    // The server's schedule: at half time, then 2, 4, 8 and 16 s later.
    const lines = [[0, 60], [2, 58], [6, 54], [14, 46], [30, 30]].map(([atS, left], index) =>
      notices.describe(negotiate(index + 1, left!), atS! * 1000)
    );
    assert.match(lines[0]!, /^\[Kite\] no bid yet at 20\.00, 1m 00s left\. Lower the price/);
    assert.equal(lines[1], undefined);
    assert.equal(
      lines[2],
      '[Kite] Still no bid at 20.00, 54s left: "accept Kite PRICE" or "refuse Kite".',
    );
    assert.match(lines[3]!, /^\[Kite\] Still no bid at 20\.00, 46s left/);
    assert.match(lines[4]!, /^\[Kite\] Still no bid at 20\.00, 30s left/);
  },
});

Deno.test({
  name: "NegotiationNotices shows a new price, or a negotiation after the old one ended, in full",
  permissions: "none",
  fn: () => {
    const notices = new NegotiationNotices(5_000);
    assert.match(notices.describe(negotiate(1, 60), 0)!, /no bid yet at 20\.00/);
    assert.match(notices.describe(negotiate(2, 59, 1500), 1_000)!, /no bid yet at 15\.00/);
    notices.observe({
      type: "PRICE_ADJUSTMENT",
      rq: 3,
      item: "kite",
      newPrice: 1500,
      timeLeft: 58,
    });
    assert.match(notices.describe(negotiate(4, 57, 1500), 2_000)!, /no bid yet at 15\.00/);
  },
});
