import assert from "node:assert/strict";
import { applyEvent } from "../../../auction/apply.ts";
import { REPLY_LIFETIME_MS } from "../../../auction/replies.ts";
import { ReplyExpiry } from "../../../server/net/reply_expiry.ts";
import { emptyState } from "../../../auction/state.ts";
import type { MemoryStore } from "../../../server/store/store.ts";
import { createHarness } from "../../_support/harness.ts";
import { pure } from "../../_support/pure.ts";

async function harnessWithExpiry() {
  const harness = await createHarness();
  const expiry = new ReplyExpiry(harness.core, { intervalMs: 10_000 });
  expiry.start();
  return { harness, expiry, journal: (harness.store as MemoryStore).events };
}

Deno.test("ReplyExpiry forgets cached replies once their lifetime has passed", pure, async () => {
  const { harness, expiry, journal } = await harnessWithExpiry();
  await harness.request("REGISTER 1 alice buyer 127.0.0.1 6000 6001", 40001);
  harness.clock.advance(REPLY_LIFETIME_MS - 10_000);
  await expiry.stop();
  assert.equal(harness.core.state.replies["127.0.0.1:40001"]?.length, 1, "still fresh");
  assert.ok(!journal.some((event) => event.type === "replies_expired"), "nothing to forget yet");

  expiry.start();
  harness.clock.advance(20_000);
  await expiry.stop();
  assert.deepEqual(harness.core.state.replies, {});
  assert.equal(journal.filter((event) => event.type === "replies_expired").length, 1);
  assert.ok(harness.core.state.users.alice, "only the reply is forgotten, not the change");
});

Deno.test("replaying the journal with replies_expired gives the live state", pure, async () => {
  const { harness, expiry, journal } = await harnessWithExpiry();
  await harness.request("REGISTER 1 alice buyer 127.0.0.1 6000 6001", 40001);
  harness.clock.advance(REPLY_LIFETIME_MS / 2);
  await harness.request("REGISTER 2 bob seller 127.0.0.1 6002 6003", 40002);
  harness.clock.advance(REPLY_LIFETIME_MS / 2 + 10_000);
  await expiry.stop();
  assert.deepEqual(Object.keys(harness.core.state.replies), ["127.0.0.1:40002"]);
  const replayed = emptyState();
  for (const event of journal) applyEvent(replayed, event);
  assert.deepEqual(replayed, harness.core.state);
});
