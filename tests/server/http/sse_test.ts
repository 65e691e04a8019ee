import assert from "node:assert/strict";
import { EventHub } from "../../../server/http/sse.ts";

/** Reads what a response's body has queued so far, without waiting for more. */
async function drain(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (true) {
    const result = await Promise.race([
      reader.read(),
      Promise.resolve({ done: true, value: undefined, idle: true }),
    ]);
    if (result.done) break;
    text += decoder.decode(result.value);
  }
  reader.releaseLock();
  return text;
}

function ids(text: string): number[] {
  return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
}

function types(text: string): string[] {
  return [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]!);
}

Deno.test("EventHub resumes after a Last-Event-ID it still holds, with the later events only", async () => {
  const hub = new EventHub({ startSeq: 10, capacity: 5 });
  try {
    for (const seq of [12, 15, 16]) hub.publish({ id: seq, type: "bid", data: () => ({ seq }) });
    const response = hub.connect("12");
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const text = await drain(response);
    assert.deepEqual(ids(text), [15, 16]);
    assert.match(text, /^retry: \d+$/m);
    assert.deepEqual(ids(await drain(hub.connect("10"))), [12, 15, 16], "the start seq resumes");
    assert.deepEqual(ids(await drain(hub.connect("16"))), [], "up to date: nothing to replay");
  } finally {
    hub.close();
  }
});

Deno.test("EventHub sends reset for an id older than its ring, from the future, or not a number", async (t) => {
  const hub = new EventHub({ startSeq: 0, capacity: 3 });
  try {
    for (let seq = 1; seq <= 6; seq++) hub.publish({ id: seq, type: "bid", data: () => ({ seq }) });
    const cases: [string, string][] = [["too old", "2"], ["future", "99"], ["garbage", "x"]];
    for (const [label, id] of cases) {
      await t.step(label, async () => {
        const text = await drain(hub.connect(id));
        assert.deepEqual(types(text), ["reset"]);
        assert.deepEqual(ids(text), [6], "the reset carries the id to resume from");
      });
    }
    await t.step("the oldest id still covered resumes", async () => {
      assert.deepEqual(ids(await drain(hub.connect("3"))), [4, 5, 6]);
    });
  } finally {
    hub.close();
  }
});

Deno.test("EventHub drops a client that falls behind instead of buffering without bound", async () => {
  let drops = 0;
  const hub = new EventHub({ startSeq: 0, maxBufferedBytes: 1000, onDrop: () => drops++ });
  try {
    const stalled = hub.connect(null);
    const reading = hub.connect(null);
    const reader = reading.body!.getReader();
    const received: number[] = [];
    for (let seq = 1; seq <= 100; seq++) {
      hub.publish({ id: seq, type: "bid", data: () => ({ padding: "x".repeat(100) }) });
      // The healthy client keeps up.
      while (true) {
        const { value } = await reader.read();
        const text = new TextDecoder().decode(value);
        received.push(...ids(text));
        if (ids(text).includes(seq)) break;
      }
    }
    assert.equal(drops, 1);
    assert.equal(hub.clients, 1, "only the stalled client went");
    assert.deepEqual(received, Array.from({ length: 100 }, (_, index) => index + 1));
    await assert.rejects(drain(stalled), /too slow/);
    reader.releaseLock();
  } finally {
    hub.close();
  }
});

Deno.test("EventHub keeps at least 10,000 events for resume by default", async () => {
  const hub = new EventHub({ startSeq: 0 });
  try {
    for (let seq = 1; seq <= 10_001; seq++) hub.publish({ id: seq, type: "bid", data: () => ({}) });
    const resumed = ids(await drain(hub.connect("1")));
    assert.equal(resumed.length, 10_000);
    assert.equal(resumed[0], 2);
    assert.deepEqual(types(await drain(hub.connect("0"))), ["reset"]);
  } finally {
    hub.close();
  }
});

Deno.test("EventHub answers 503 past its client limit, and takes a client again once one left", async () => {
  const hub = new EventHub({ startSeq: 0, maxClients: 2 });
  try {
    const first = hub.connect(null);
    hub.connect(null);
    const refused = hub.connect(null);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "10");
    await refused.body?.cancel();
    await first.body!.cancel();
    assert.equal(hub.clients, 1);
    assert.equal(hub.connect(null).status, 200);
  } finally {
    hub.close();
  }
});

Deno.test("EventHub caps the streams of one IP (429) besides all of them (503), and frees a place when a stream ends", async () => {
  const hub = new EventHub({ startSeq: 0, maxClients: 3, maxClientsPerIp: 2 });
  try {
    const first = hub.connect(null, "10.0.0.1");
    assert.equal(first.status, 200);
    assert.equal(hub.connect(null, "10.0.0.1").status, 200);
    const over = hub.connect(null, "10.0.0.1");
    assert.equal(over.status, 429);
    assert.equal(over.headers.get("retry-after"), "10");
    assert.deepEqual(await over.json(), {
      error:
        "Too many event streams from your address: at most 2; close another board tab or retry later",
    });
    assert.equal(hub.connect(null, "10.0.0.2").status, 200, "another address");
    assert.equal(hub.connect(null, "10.0.0.3").status, 503, "every place taken");
    await first.body!.cancel();
    assert.equal(hub.clients, 2);
    assert.equal(hub.connect(null, "10.0.0.1").status, 200, "its place given back");
    const uncapped = new EventHub({ startSeq: 0, maxClientsPerIp: 0 });
    try {
      for (let i = 0; i < 20; i++) assert.equal(uncapped.connect(null, "10.0.0.1").status, 200);
    } finally {
      uncapped.close();
    }
  } finally {
    hub.close();
  }
});
