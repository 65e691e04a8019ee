import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { listSegments } from "../../../server/store/journal.ts";
import { JournalWriter } from "../../../server/store/journal_writer.ts";
import { PREWRITE_BYTES } from "../../../server/store/segment_file.ts";
import { FakeClock } from "../../../server/clock.ts";
import { recover } from "../../../server/store/recovery.ts";
import {
  PREVIOUS_SNAPSHOT_FILE,
  readSnapshot,
  SNAPSHOT_FILE,
} from "../../../server/store/snapshot.ts";
import { emptyState } from "../../../auction/state.ts";
import { CRASH_CHILD_EVENTS } from "./_file_store_crash_child.ts";
import { userEvent } from "./_store_contract.ts";
import { countingSyncs } from "../../_support/sync_counter.ts";
import { waitUntil } from "../../_support/wait.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "file-store-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("JournalWriter with group commit covers appends made during a sync with one sync", async () => {
  await withDir(async (dir) => {
    let batches = 0;
    const writer = new JournalWriter(dir, { onBatchDurable: () => batches++ });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.append([userEvent(i)])));
    assert.equal(batches, 2, "the first append's sync, then one for the 99 queued behind it");
    await writer.close();
    assert.equal((await recover(dir)).lastSeq, 100);
  });
});

Deno.test("JournalWriter holds a small batch back for the writers of the last batch", async (t) => {
  /** A first sync of one append, then one of nine: the next batch is expected to hold nine. */
  async function afterBatchOfNine(dir: string, appends: number[]): Promise<JournalWriter> {
    const writer = new JournalWriter(dir, {
      onBatchWritten: (batch) => appends.push(batch.appends),
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append([userEvent(i)])));
    return writer;
  }

  await t.step("the nine appending again at once share one sync", async () => {
    await withDir(async (dir) => {
      const appends: number[] = [];
      const writer = await afterBatchOfNine(dir, appends);
      // Without the wait the first of them would be synced alone, and the eight after it.
      await Promise.all(Array.from({ length: 9 }, (_, i) => writer.append([userEvent(10 + i)])));
      await writer.close();
      assert.deepEqual(appends, [1, 9, 9]);
      assert.equal((await recover(dir)).lastSeq, 19);
    });
  });

  await t.step("a lone append is not held back for good", async () => {
    await withDir(async (dir) => {
      const appends: number[] = [];
      const writer = await afterBatchOfNine(dir, appends);
      await writer.append([userEvent(10)]);
      await writer.close();
      assert.deepEqual(appends, [1, 9, 1]);
      assert.equal((await recover(dir)).lastSeq, 11);
    });
  });
});

Deno.test("JournalWriter syncs every batch the async way unless told it may sync on the thread", async () => {
  // A sync on the thread (syncDataSync) stops datagrams from being read while it runs: without
  // `syncOnThread` the event loop stays free during every sync.
  await withDir(async (dir) => {
    const writer = new JournalWriter(dir);
    await writer.append([userEvent(0)]);
    await countingSyncs(async (counts) => {
      for (let i = 1; i <= 20; i++) await writer.append([userEvent(i)]);
      await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append([userEvent(21 + i)])));
      assert.equal(counts.onThread, 0);
      assert.ok(counts.async >= 21, `${counts.async} async syncs`);
    });
    await writer.close();
    assert.equal((await recover(dir)).lastSeq, 31, "every acknowledged append is on disk");
  });
});

Deno.test("JournalWriter syncs a lone append on the thread when syncOnThread allows it, bigger batches the async way", async () => {
  await withDir(async (dir) => {
    let asked = 0;
    let allowed = true;
    const batches: { appends: number; onThread: boolean }[] = [];
    const writer = new JournalWriter(dir, {
      syncOnThread: () => {
        asked++;
        return allowed;
      },
      // However slow this machine's disk, the last sync's time does not decide here.
      maxSyncOnThreadMs: Infinity,
      onBatchWritten: ({ appends, onThread }) => batches.push({ appends, onThread }),
    });
    await writer.append([userEvent(0)]);
    await countingSyncs(async (counts) => {
      for (let i = 1; i <= 5; i++) await writer.append([userEvent(i)]);
      assert.equal(counts.onThread, 5, "each lone append was synced on the thread");
      assert.equal(counts.async, 0);
      // Ten appends at once make one batch: synced the async way, without asking.
      const askedBefore = asked;
      await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append([userEvent(6 + i)])));
      assert.equal(counts.async, 1);
      assert.equal(asked, askedBefore, "only a batch of one append is asked about");
      // A lone append the predicate refuses: the async way.
      allowed = false;
      await writer.append([userEvent(16)]);
      assert.equal(counts.onThread, 5);
      assert.equal(counts.async, 2);
    });
    await writer.close();
    assert.deepEqual(batches.map((batch) => batch.onThread), [
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    assert.deepEqual(batches.map((batch) => batch.appends), [1, 1, 1, 1, 1, 1, 10, 1]);
    assert.equal((await recover(dir)).lastSeq, 17, "every acknowledged append is on disk");
  });
});

Deno.test("JournalWriter syncs the async way after a sync slower than maxSyncOnThreadMs", async () => {
  // On a slow disk one sync on the thread would stop the board, sales and pushes for as long.
  await withDir(async (dir) => {
    const writer = new JournalWriter(dir, { syncOnThread: () => true, maxSyncOnThreadMs: -1 });
    await countingSyncs(async (counts) => {
      for (let i = 0; i < 5; i++) await writer.append([userEvent(i)]);
      assert.equal(counts.onThread, 0);
    });
    await writer.close();
    assert.equal((await recover(dir)).lastSeq, 5);
  });
});

Deno.test("JournalWriter writes zeros ahead of its records, and more once the records reach them", async () => {
  await withDir(async (dir) => {
    const writer = new JournalWriter(dir);
    await writer.append([userEvent(0)]);
    const path = join(dir, (await listSegments(dir))[0]!.name);
    let bytes = await Deno.readFile(path);
    assert.ok(bytes.indexOf(0) > 0, "the first batch was written");
    assert.ok(bytes.length > PREWRITE_BYTES, "zeros follow the first batch");
    assert.ok(bytes.subarray(bytes.indexOf(0)).every((byte) => byte === 0));
    // One batch longer than the zeros written ahead: more are written after it.
    const many = Array.from({ length: 20_000 }, (_, i) => userEvent(1 + i));
    await writer.append(many);
    bytes = await Deno.readFile(path);
    assert.ok(bytes.indexOf(0) > PREWRITE_BYTES, "the records went past the first zeros");
    assert.equal(bytes.length - bytes.indexOf(0), PREWRITE_BYTES, "zeros follow them again");
    await writer.append([userEvent(20_001)]);
    await writer.close();
    assert.equal((await recover(dir)).lastSeq, 20_002);
  });
});

Deno.test("JournalWriter without group commit syncs each append on its own", async () => {
  await withDir(async (dir) => {
    let batches = 0;
    const writer = new JournalWriter(dir, {
      groupCommit: false,
      onBatchDurable: () => batches++,
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append([userEvent(i)])));
    assert.equal(batches, 20);
    await writer.close();
  });
});

for (const syncPollUs of [0, 100]) {
  Deno.test(`JournalWriter without group commit answers appends one at a time synced on the thread (syncPollUs ${syncPollUs})`, async () => {
    await withDir(async (dir) => {
      // A batch synced on the thread into an open segment is written without a promise: the
      // writer's loop then ends before append() returns, and must still run for the next one.
      const writer = new JournalWriter(dir, {
        groupCommit: false,
        syncOnThread: () => true,
        maxSyncOnThreadMs: Infinity,
        syncPollUs,
      });
      for (let i = 0; i < 10; i++) {
        let done = false;
        const append = writer.append([userEvent(i)]).then(() => done = true);
        await waitUntil(() => done, `append ${i + 1} of 10 to be durable`, 5000);
        await append;
      }
      await writer.close();
      assert.equal((await recover(dir)).lastSeq, 10);
    });
  });
}

Deno.test("FileStore stops for good after a failed write: later appends reject, no retry", async () => {
  await withDir(async (parent) => {
    const dir = join(parent, "data");
    const store = new FileStore(dir);
    const state = await store.load();
    await Deno.remove(dir, { recursive: true });
    applyEvent(state, userEvent(1));
    await assert.rejects(() => store.append([userEvent(1)]), Deno.errors.NotFound);
    await Deno.mkdir(dir);
    await assert.rejects(() => store.append([userEvent(2)]), Deno.errors.NotFound);
    await assert.rejects(() => store.flush(), Deno.errors.NotFound);
    await store.close();
    assert.deepEqual(await listSegments(dir), [], "nothing was written after the failure");
  });
});

Deno.test("FileStore snapshots every N events, keeps one previous snapshot, deletes covered segments", async () => {
  await withDir(async (dir) => {
    const store = new FileStore(dir, { snapshotEveryEvents: 5 });
    const state = await store.load();
    // Each append waits for the snapshot it may start: whether a snapshot still being written
    // when the last append lands covers it depends on the disk's speed.
    for (let i = 0; i < 23; i++) {
      applyEvent(state, userEvent(i));
      await store.append([userEvent(i)]);
      await store.idle();
    }
    const snapshot = await readSnapshot(dir, SNAPSHOT_FILE);
    const previous = await readSnapshot(dir, PREVIOUS_SNAPSHOT_FILE);
    assert.ok(snapshot && previous, "at least two snapshots were taken");
    assert.equal(previous.coversSeq, 15);
    assert.equal(snapshot.coversSeq, 20);
    const segments = (await listSegments(dir)).map((segment) => segment.startSeq);
    assert.equal(segments[0], previous.coversSeq + 1, "segments the previous one covers are gone");
    assert.equal(segments.at(-1), snapshot.coversSeq + 1, "the newest segment starts after it");
    assert.deepEqual((await recover(dir, { readOnly: true })).state, state);
    await store.close();
  });
});

Deno.test("FileStore takes a snapshot once T seconds passed since the last one", async () => {
  await withDir(async (dir) => {
    const clock = new FakeClock(1_000_000);
    const store = new FileStore(dir, { snapshotEverySeconds: 60, clock });
    const state = await store.load();
    applyEvent(state, userEvent(1));
    await store.append([userEvent(1)]);
    await store.idle();
    assert.equal(await readSnapshot(dir, SNAPSHOT_FILE), null);
    clock.advance(60_000);
    applyEvent(state, userEvent(2));
    await store.append([userEvent(2)]);
    await store.idle();
    assert.equal((await readSnapshot(dir, SNAPSHOT_FILE))?.coversSeq, 2);
    await store.close();
  });
});

Deno.test("FileStore recovers from the previous snapshot when the newest is missing", async () => {
  await withDir(async (dir) => {
    const store = new FileStore(dir, { snapshotEveryEvents: 4 });
    const state = await store.load();
    for (let i = 0; i < 10; i++) {
      applyEvent(state, userEvent(i));
      await store.append([userEvent(i)]);
    }
    await store.idle();
    await Deno.remove(join(dir, SNAPSHOT_FILE));
    const recovered = await recover(dir, { readOnly: true });
    assert.equal(recovered.snapshotFile, PREVIOUS_SNAPSHOT_FILE);
    assert.deepEqual(recovered.state, state);
    await store.close();
  });
});

Deno.test("A second FileStore on a data folder in use is refused, and takes it once the first is closed", async () => {
  await withDir(async (dir) => {
    const store = new FileStore(dir, { snapshotEveryEvents: 7 });
    const state = await store.load();
    const acknowledged = Array.from({ length: 30 }, (_, i) => {
      applyEvent(state, userEvent(i));
      return store.append([userEvent(i)]);
    });
    await Promise.all(acknowledged);
    await store.idle();
    const second = new FileStore(dir);
    await assert.rejects(
      () => second.load(),
      new RegExp(`Cannot use the data folder .*: another server uses it \\(process ${Deno.pid}\\)`),
    );
    // The first goes on as if nothing happened.
    applyEvent(state, userEvent(30));
    await store.append([userEvent(30)]);
    await store.close();
    assert.deepEqual(await second.load(), state, "every acknowledged append, once it is free");
    await second.close();
  });
});

// A crash of the process: what was written survives in the page cache, so a missing fsync can
// only show after a power cut, which no test here simulates.
Deno.test("FileStore killed with SIGKILL as soon as its appends are acknowledged recovers every one", async () => {
  await withDir(async (dir) => {
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        "--allow-env",
        new URL("./_file_store_crash_child.ts", import.meta.url).pathname,
        dir,
      ],
      cwd: new URL("../../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(child.stderr);
    assert.equal(child.signal, "SIGKILL", `the child got to its kill: ${stderr}`);
    const state = emptyState();
    for (let i = 0; i < CRASH_CHILD_EVENTS; i++) applyEvent(state, userEvent(i));
    const restarted = new FileStore(dir);
    assert.deepEqual(await restarted.load(), state);
    await restarted.close();
  });
});

Deno.test("FileStore serializes a big state's snapshots on a worker, as of the moment taken", async () => {
  await withDir(async (dir) => {
    const store = new FileStore(dir, { snapshotEveryEvents: 1e9, snapshotOffThreadAt: 3 });
    const state = await store.load();
    const model = emptyState();
    const add = (event: ReturnType<typeof userEvent>) => {
      applyEvent(state, event);
      applyEvent(model, event);
      return store.append([event]);
    };
    for (let i = 0; i < 5; i++) await add(userEvent(i));
    await store.snapshot(); // 5 users: the worker starts here with a copy of the state
    // From now on the live state cannot be serialized on this thread at all.
    Object.defineProperty(state.users, "trap", {
      enumerable: true,
      configurable: true,
      get() {
        throw new Error("serialized on the event loop");
      },
    });
    await add(userEvent(5));
    const taken = store.snapshot();
    const later = add(userEvent(6)); // after the snapshot point: not in it
    await Promise.all([taken, later]);
    const snapshot = await readSnapshot(dir, SNAPSHOT_FILE);
    assert.equal(snapshot?.coversSeq, 6);
    assert.deepEqual(Object.keys(snapshot!.state.users).length, 6);
    assert.equal(snapshot!.state.users["user6"], undefined);
    delete (state.users as Record<string, unknown>)["trap"];
    await store.close();
    const recovered = await recover(dir);
    assert.deepEqual(recovered.state, model);
    assert.equal(recovered.lastSeq, 7);
  });
});
