import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { COMMANDS } from "../../commands/mod.ts";
import { CommandError, defineCommand, requireUser } from "../../commands/define.ts";
import { message } from "../../protocol/mod.ts";
import { Dispatcher } from "../../server/net/dispatcher.ts";
import { registerLine } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

/** A stand-in BID that deregisters its sender, pushes to them, and then refuses. */
const emitThenThrow = defineCommand({
  name: "BID",
  summary: "test: emits an event and a push, then refuses",
  handle(request, context) {
    const { user, userKey } = requireUser(context);
    context.push(
      userKey,
      (rq) => message("BID_UPDATE", rq, { item: "Kite", highestBid: 5, bidder: "x", timeLeft: 1 }),
    );
    context.emit({ type: "user_deregistered", atMs: context.nowMs, name: user.name });
    if (request.item === "Kite") throw new CommandError("changed my mind");
    throw new Error("a bug after the emit");
  },
});

Deno.test(
  "a handler that emits and then throws journals nothing and pushes nothing",
  pure,
  async (t) => {
    for (
      const [line, reply] of [
        ["BID 2 Kite 5", "BID_REJECTED 2 changed my mind"],
        ["BID 3 Boat 5", "BID_REJECTED 3 Internal error"],
      ] as const
    ) {
      await t.step(line, async () => {
        const harness = await createHarness();
        const dispatcher = new Dispatcher(harness.core, {
          commands: [...COMMANDS.filter((command) => command.name !== "BID"), emitThenThrow],
        });
        await harness.request(registerLine(1, "alice"), 40001);
        const seqBefore = harness.store.lastSeq;
        let answer: string | undefined;
        await dispatcher.dispatch(new TextEncoder().encode(line), peer(40001), (text) => {
          answer = text;
        });
        assert.equal(answer, reply);
        assert.ok(harness.core.state.users["alice"], "alice is still registered");
        // Only the RQ# lease of the push may be journaled: the counter never goes back.
        const journaled = harness.events.slice(seqBefore);
        assert.deepEqual(journaled.map((event) => event.type), ["server_rq_leased"]);
        assert.deepEqual(harness.outbox.sent, []);
      });
    }
  },
);
