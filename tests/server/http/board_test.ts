import assert from "node:assert/strict";
import { Board } from "../../../server/http/board.ts";
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
