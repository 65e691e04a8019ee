import assert from "node:assert/strict";
import { emptyState } from "../../../auction/state.ts";
import type { CommittedListener } from "../../../server/core.ts";
import { Board, itemDetailJson } from "../../../server/http/board.ts";
import { createHandler } from "../../../server/http/routes.ts";
import { createHarness, peer } from "../../_support/harness.ts";

async function streamText(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  let text = "";
  while (true) {
    const result = await Promise.race([
      reader.read(),
      Promise.resolve({ done: true, value: undefined }),
    ]);
    if (result.done) break;
    text += new TextDecoder().decode(result.value);
  }
  reader.releaseLock();
  return text;
}

Deno.test("Board publishes durable changes with the journal's seq, each event keeping the values of its time", async () => {
  const harness = await createHarness();
  await harness.request("REGISTER 1 jas seller 127.0.0.1 1 1", peer(1));
  await harness.request("REGISTER 1 Scott buyer 127.0.0.1 1 1", peer(2));
  const board = new Board(harness.core);
  const startSeq = board.seq;
  try {
    assert.equal(startSeq, harness.store.lastSeq);
    await harness.request('LIST_ITEM 2 Kite "A red kite" 20 60', peer(1));
    await harness.request("BID 3 Kite 25", peer(2));
    await harness.request("BID 4 Kite 30", peer(2));
    // Nobody was connected: the events are formatted only now, and still say what they said then.
    const text = await streamText(board.hub.connect(String(startSeq)));
    const events = [...text.matchAll(/id: (\d+)\nevent: (\w+)\ndata: (.*)\n/g)].map((match) => ({
      id: Number(match[1]),
      type: match[2],
      data: JSON.parse(match[3]!),
    }));
    assert.deepEqual(events.map((event) => [event.type, event.data.price]), [
      ["listed", "20.00"],
      ["bid", "25.00"],
      ["bid", "30.00"],
    ]);
    assert.deepEqual(events[1]!.data.bid.bidder, "Scott");
    assert.equal(events[2]!.data.bids, 2);
    assert.ok(events.every((event) => event.id > startSeq && event.id <= harness.store.lastSeq));
    assert.deepEqual(
      events.map((event) => event.id),
      events.map((event) => event.id).sort((a, b) => a - b),
    );
  } finally {
    board.close();
  }
});

Deno.test("HEAD /events answers the headers without opening a stream", async () => {
  const harness = await createHarness();
  const board = new Board(harness.core);
  try {
    const handler = createHandler({
      board,
      page: { boardHtml: "", itemHtml: "", css: "", scripts: new Map() },
      readiness: () => Promise.resolve({ ready: true }),
    });
    const response = await handler(new Request("http://board/events", { method: "HEAD" }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.equal(board.hub.clients, 0);
  } finally {
    board.close();
  }
});

Deno.test("Board shows a lowered price in the history, the trend and the stream, apart from bids", async () => {
  let listener: CommittedListener | undefined;
  const board = new Board({
    state: emptyState(),
    committedSeq: 0,
    onCommitted: (added) => listener = added,
  });
  const at = Date.UTC(2026, 0, 1);
  try {
    listener!({
      firstSeq: 1,
      events: [
        {
          type: "item_listed",
          atMs: at,
          id: 1,
          name: "Drachen",
          description: "A kite",
          seller: "jas",
          startPriceCents: 2000,
          durationMs: 60_000,
          endsAtMs: at + 60_000,
        },
        { type: "negotiation_started", atMs: at + 30_000, itemId: 1 },
        { type: "negotiation_answered", atMs: at + 31_000, itemId: 1, newPriceCents: 1550 },
        {
          type: "bid_placed",
          atMs: at + 40_000,
          itemId: 1,
          bidder: "scott",
          amountCents: 1600,
          endsAtMs: at + 60_000,
        },
      ],
    });
    const detail = itemDetailJson(board.model.find("Drachen")!, board.model.historyLimit);
    assert.deepEqual(detail.trend, ["20.00", "15.50", "16.00"]);
    assert.deepEqual(detail.history, [
      { kind: "price_adjusted", at: new Date(at + 31_000).toISOString(), amount: "15.50" },
      { kind: "bid", at: new Date(at + 40_000).toISOString(), amount: "16.00", bidder: "scott" },
    ]);
    const text = await streamText(board.hub.connect("0"));
    const data = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((match) => ({
      type: match[1],
      ...JSON.parse(match[2]!),
    }));
    assert.deepEqual(data.map((event) => event.type), ["listed", "price_adjusted", "bid"]);
    assert.deepEqual(data[1]!.adjustment, detail.history[0]);
    assert.deepEqual(data[2]!.bid, detail.history[1]);
  } finally {
    board.close();
  }
});
