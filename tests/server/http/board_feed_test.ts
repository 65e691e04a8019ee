/**
 * The board's feed on a node of several (`server/http/committed_feed.ts`): batches from the log
 * follower, then from the core once the node writes, make one stream for the board.
 * @module
 */

import assert from "node:assert/strict";
import { emptyState } from "../../../auction/state.ts";
import { Board } from "../../../server/http/board.ts";
import { CommittedFeed } from "../../../server/http/committed_feed.ts";
import type { CommittedBatch } from "../../../server/core.ts";
import { createHarness, peer } from "../../_support/harness.ts";

/** The events of a board's stream from `since`, as `[id, type, price]`. */
async function streamed(board: Board, since: number): Promise<[number, string, unknown][]> {
  const reader = board.hub.connect(String(since)).body!.getReader();
  let text = "";
  // Everything queued for a new client is readable at once; stop at the first wait.
  while (true) {
    const result = await Promise.race([
      reader.read(),
      Promise.resolve({ done: true, value: undefined }),
    ]);
    if (result.done) break;
    text += new TextDecoder().decode(result.value);
  }
  await reader.cancel();
  return [...text.matchAll(/id: (\d+)\nevent: (\w+)\ndata: (.*)\n/g)].map((match) => [
    Number(match[1]),
    match[2]!,
    JSON.parse(match[3]!).price,
  ]);
}

Deno.test("CommittedFeed: a board fed by the log, then by the core, shows one stream without gap or repeat", async () => {
  const harness = await createHarness();
  // What a follower of this core's log would apply: every batch, from the empty state.
  const log: CommittedBatch[] = [];
  harness.core.onCommitted((batch) => void log.push(batch));
  await harness.request("REGISTER 1 jas seller 127.0.0.1 1 1", peer(1));
  await harness.request("REGISTER 1 scott buyer 127.0.0.1 1 1", peer(2));
  await harness.request('LIST_ITEM 2 Kite "A red kite" 20 60', peer(1));
  await harness.request("BID 3 Kite 25", peer(2));

  const feed = new CommittedFeed(emptyState(), 0);
  let counted = 0;
  feed.onCommitted((batch) => counted += batch.events.length);
  const board = new Board(feed);
  try {
    for (const batch of log) feed.publish(batch);
    assert.equal(feed.committedSeq, harness.core.committedSeq);
    // The switch: the core's batches from now on; one already relayed is not shown twice.
    harness.core.onCommitted(feed.publish);
    feed.publish(log.at(-1)!);
    await harness.request("BID 4 Kite 30", peer(2));
    await harness.request("BID 5 Kite 35", peer(2));

    const events = await streamed(board, 0);
    assert.deepEqual(events.map(([, type, price]) => [type, price]), [
      ["listed", "20.00"],
      ["bid", "25.00"],
      ["bid", "30.00"],
      ["bid", "35.00"],
    ]);
    const ids = events.map(([id]) => id);
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b));
    assert.equal(feed.committedSeq, harness.core.committedSeq);
    assert.equal(counted, harness.core.committedSeq);
    assert.equal(board.model.find("Kite")!.bids, 3);
  } finally {
    board.close();
  }
});

Deno.test("CommittedFeed: a reset drops the listeners and lets the reset listeners subscribe anew", () => {
  const feed = new CommittedFeed(emptyState(), 0);
  const heard: string[] = [];
  feed.onCommitted((batch) => void heard.push(`old ${batch.firstSeq}`));
  feed.onReset(() => feed.onCommitted((batch) => void heard.push(`new ${batch.firstSeq}`)));
  const event = { type: "server_rq_leased", upTo: 10 } as const;
  feed.publish({ firstSeq: 1, events: [event] });
  const state = emptyState();
  feed.reset(state, 40);
  assert.equal(feed.state, state);
  assert.equal(feed.committedSeq, 40);
  feed.publish({ firstSeq: 41, events: [event, event] });
  assert.deepEqual(heard, ["old 1", "new 41"]);
  assert.equal(feed.committedSeq, 42);
});
