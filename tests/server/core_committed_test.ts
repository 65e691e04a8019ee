import assert from "node:assert/strict";
import { FakeClock } from "../../server/clock.ts";
import { DEFAULT_CONFIG } from "../../server/config.ts";
import { AuctionCore, type CommittedBatch } from "../../server/core.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { FileStore } from "../../server/store/file_store.ts";
import { MemoryStore } from "../../server/store/store.ts";
import { RecordingOutbox } from "../_support/harness.ts";

/** A memory store whose appends become durable only when the test says so. */
class GatedStore extends MemoryStore {
  readonly gates: PromiseWithResolvers<void>[] = [];
  override append(events: readonly AuctionEvent[]): Promise<void> {
    super.append(events);
    const gate = Promise.withResolvers<void>();
    this.gates.push(gate);
    return gate.promise;
  }
}

function listed(id: number): AuctionEvent {
  return {
    type: "item_listed",
    atMs: 1_000,
    id,
    name: `Item${id}`,
    description: "A thing",
    seller: "jas",
    startPriceCents: 100,
    durationMs: 60_000,
    endsAtMs: 61_000,
  };
}

async function coreOver(store: MemoryStore | FileStore) {
  const outbox = new RecordingOutbox();
  const core = new AuctionCore({
    state: await store.load(),
    store,
    clock: new FakeClock(),
    config: { ...DEFAULT_CONFIG },
    outbox,
  });
  const batches: CommittedBatch[] = [];
  core.onCommitted((batch) => batches.push(batch));
  return { core, batches };
}

Deno.test("onCommitted() fires only after the store made the events durable", async () => {
  const store = new GatedStore();
  const { core, batches } = await coreOver(store);
  const done = core.run((transaction) => {
    transaction.emit(listed(1));
    transaction.emit(listed(2));
  });
  await Promise.resolve();
  assert.equal(batches.length, 0, "not before the append resolved");
  store.gates[0]!.resolve();
  await done;
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.firstSeq, 1);
  assert.deepEqual(batches[0]!.events.map((event) => event.type === "item_listed" && event.id), [
    1,
    2,
  ]);
  assert.equal(core.committedSeq, 2);
});

Deno.test("onCommitted() reports batches in sequence order, holding a later one back", async () => {
  const store = new GatedStore([listed(1)]);
  const { core, batches } = await coreOver(store);
  assert.equal(core.committedSeq, 1, "starts at what was loaded");
  const first = core.run((transaction) => transaction.emit(listed(2)));
  const second = core.run((transaction) => {
    transaction.emit(listed(3));
    transaction.emit(listed(4));
  });
  store.gates[1]!.resolve();
  await second;
  assert.equal(batches.length, 0, "the second waits for the first");
  store.gates[0]!.resolve();
  await first;
  assert.deepEqual(batches.map((batch) => batch.firstSeq), [2, 3]);
  assert.equal(core.committedSeq, 4);
});

Deno.test("onCommitted() is not called for a transaction without events", async () => {
  const { core, batches } = await coreOver(new MemoryStore());
  await core.run(() => {});
  assert.equal(batches.length, 0);
});

Deno.test("onCommitted() never fires for events whose append failed", async () => {
  const store = new GatedStore();
  const { core, batches } = await coreOver(store);
  const fatal: unknown[] = [];
  const failing = new AuctionCore({
    state: core.state,
    store,
    clock: new FakeClock(),
    config: { ...DEFAULT_CONFIG },
    outbox: new RecordingOutbox(),
    onFatal: (error) => fatal.push(error),
  });
  failing.onCommitted((batch) => batches.push(batch));
  const done = failing.run((transaction) => transaction.emit(listed(1)));
  store.gates[0]!.reject(new Error("disk gone"));
  await assert.rejects(done, /disk gone/);
  assert.equal(batches.length, 0);
  assert.equal(fatal.length, 1);
});

Deno.test("onCommitted() with the file store: the events are in the journal, numbered by seq", async () => {
  const dir = await Deno.makeTempDir({ prefix: "core-committed-" });
  try {
    const store = new FileStore(dir);
    const { core, batches } = await coreOver(store);
    const journalSeqs: number[][] = [];
    core.onCommitted(() => {
      const lines = [...Deno.readDirSync(dir)]
        .filter((entry) => entry.name.startsWith("journal-"))
        .flatMap((entry) =>
          Deno.readTextFileSync(`${dir}/${entry.name}`).split("\0")[0]!.trim().split("\n")
        );
      // Event records only: the commit records that close each batch carry no seq.
      journalSeqs.push(
        lines.map((line) => JSON.parse(line).seq).filter((seq) => seq !== undefined),
      );
    });
    await Promise.all([
      core.run((transaction) => transaction.emit(listed(1))),
      core.run((transaction) => {
        transaction.emit(listed(2));
        transaction.emit(listed(3));
      }),
    ]);
    assert.deepEqual(batches.map((batch) => batch.firstSeq), [1, 2]);
    assert.deepEqual(journalSeqs.at(-1), [1, 2, 3], "written when the listener ran");
    assert.ok(journalSeqs[0]!.includes(1), "the first batch was on disk when reported");
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
