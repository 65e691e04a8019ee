import assert from "node:assert/strict";
import {
  keepReply,
  REPLIES_PER_ADDRESS,
  REPLY_LIFETIME_MS,
  replyFor,
} from "../../auction/replies.ts";
import type { CachedReply } from "../../auction/state.ts";
import { pure } from "../_support/pure.ts";

const entry = (rq: number, atMs = 0): CachedReply => ({
  rq,
  requestDigest: `d${rq}`,
  reply: `PONG ${rq}`,
  atMs,
});

Deno.test("keepReply() keeps the newest replies of a source, up to the limit", pure, () => {
  const entries: CachedReply[] = [];
  for (let rq = 1; rq <= REPLIES_PER_ADDRESS + 3; rq++) keepReply(entries, entry(rq));
  assert.equal(entries.length, REPLIES_PER_ADDRESS);
  assert.equal(entries[0]?.rq, 4);
});

Deno.test("replyFor() answers only the same RQ# and bytes within the lifetime", pure, () => {
  const entries = [entry(1, 1000)];
  assert.equal(replyFor(entries, 1, "d1", 1000 + REPLY_LIFETIME_MS - 1, null), entries[0]);
  assert.equal(replyFor(entries, 1, "d1", 1000 + REPLY_LIFETIME_MS, null), undefined);
  assert.equal(replyFor(entries, 1, "other", 1000, null), undefined);
  assert.equal(replyFor(entries, 2, "d1", 1000, null), undefined);
  assert.equal(replyFor(undefined, 1, "d1", 1000, null), undefined);
});

Deno.test(
  "replyFor() answers a reply for a user only while the address is still its session",
  pure,
  () => {
    const forXena = { ...entry(1, 1000), user: "xena" };
    const forNobody = { ...entry(2, 1000), user: null };
    const forAnyone = entry(3, 1000); // REGISTER, LOGIN, PING, or kept before the field existed
    assert.equal(replyFor([forXena], 1, "d1", 1000, "xena"), forXena);
    assert.equal(replyFor([forXena], 1, "d1", 1000, "yuri"), undefined);
    assert.equal(replyFor([forXena], 1, "d1", 1000, null), undefined);
    assert.equal(replyFor([forNobody], 2, "d2", 1000, null), forNobody);
    assert.equal(replyFor([forNobody], 2, "d2", 1000, "xena"), undefined);
    assert.equal(replyFor([forAnyone], 3, "d3", 1000, "yuri"), forAnyone);
    assert.equal(replyFor([forAnyone], 3, "d3", 1000, null), forAnyone);
  },
);
