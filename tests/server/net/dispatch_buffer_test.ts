import assert from "node:assert/strict";
import { createHarness } from "../../_support/harness.ts";
import { registerLine } from "../../commands/_lines.ts";
import { pure } from "../../_support/pure.ts";

Deno.test(
  "dispatch() reads a request's bytes before it returns: the caller's buffer may be reused at once",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "sam", { role: "seller" }), 40001);
    await harness.request("LIST_ITEM 2 lamp Brass_lamp 5.00 5", 40001);
    await harness.request(registerLine(1, "bea"), 40002);
    // One buffer for two requests, as the UDP loop receives them: the second overwrites the
    // first before the first's reply is sent (its journal append is still on its way).
    const buffer = new Uint8Array(64);
    const replies: string[] = [];
    const dispatchFrom = (line: string) => {
      const { written } = new TextEncoder().encodeInto(line, buffer);
      return harness.dispatcher.dispatch(
        buffer.subarray(0, written),
        { hostname: "127.0.0.1", port: 40002 },
        (reply) => void replies.push(reply),
      );
    };
    const first = dispatchFrom("BID 2 lamp 6.00");
    const second = dispatchFrom("BID 3 lamp 7.50");
    await Promise.all([first, second]);
    assert.deepEqual(replies, ["BID_ACCEPTED 2", "BID_ACCEPTED 3"]);
    assert.equal(harness.core.state.items[1]?.highestBid?.amountCents, 750);
  },
);
