import assert from "node:assert/strict";
import { join } from "node:path";
import { SyncHelper } from "../../../server/store/sync_helper.ts";
import { JournalWriter } from "../../../server/store/journal_writer.ts";
import { recover } from "../../../server/store/recovery.ts";
import { userEvent } from "./_store_contract.ts";
import { countingSyncs } from "../../_support/sync_counter.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sync-helper-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Waits (a turn of the event loop at a time, 5 s at most) until `ready()` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !ready(); turn++) {
    if (turn > 5000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

Deno.test("SyncHelper syncs the file it is given on its thread, opening each path once", async () => {
  await withDir(async (dir) => {
    const first = join(dir, "a.log");
    const second = join(dir, "b.log");
    await Deno.writeTextFile(first, "one\n");
    await Deno.writeTextFile(second, "two\n");
    const helper = SyncHelper.start({ pollUs: 200 });
    try {
      assert.throws(() => helper.sync(first), /not running/, "refused before the thread runs");
      await until(() => helper.ready, "the helper runs");
      assert.equal(helper.sync(first), true, "opened for its first sync");
      assert.equal(helper.sync(first), false);
      assert.equal(helper.sync(first), false);
      assert.equal(helper.sync(second), true, "a new path is opened");
      assert.equal(helper.sync(first), true, "and the first again when it comes back");
      assert.equal(helper.syncs, 5);
    } finally {
      helper.close();
    }
    assert.equal(helper.ready, false);
    assert.throws(() => helper.sync(first), /not running/, "refused once closed");
  });
});

Deno.test("SyncHelper throws a failed sync's error, and opens the file anew the next time", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "later.log");
    const helper = SyncHelper.start({ pollUs: 0 });
    try {
      await until(() => helper.ready, "the helper runs");
      assert.throws(() => helper.sync(path), /No such file|not found|os error 2/i);
      assert.equal(helper.syncs, 0);
      await Deno.writeTextFile(path, "now it exists\n");
      assert.equal(helper.sync(path), true, "opened again after the failure");
      assert.equal(helper.syncs, 1);
    } finally {
      helper.close();
    }
  });
});

Deno.test("JournalWriter with syncPollUs has lone batches synced by its helper, every record durable", async () => {
  await withDir(async (dir) => {
    const reported: { onThread: boolean; byHelper: boolean }[] = [];
    const writer = new JournalWriter(dir, {
      syncOnThread: () => true,
      maxSyncOnThreadMs: Infinity,
      syncPollUs: 100,
      onBatchWritten: ({ onThread, byHelper }) => reported.push({ onThread, byHelper }),
    });
    let seq = 0;
    // The first lone batch starts the helper; the thread syncs itself until it runs.
    await writer.append([userEvent(seq++)]);
    assert.notEqual(writer.syncHelper, null, "started by the first batch synced on the thread");
    await until(() => writer.syncHelper!.ready, "the helper runs");
    await countingSyncs(async (counts) => {
      await writer.append([userEvent(seq++)]);
      assert.equal(writer.syncHelper!.syncs, 1);
      assert.equal(
        counts.onThread,
        1,
        "the helper's first sync of a segment, then the writer's own",
      );
      for (let i = 0; i < 20; i++) await writer.append([userEvent(seq++)]);
      assert.equal(writer.syncHelper!.syncs, 21, "each lone batch synced by the helper");
      assert.equal(counts.onThread, 1, "and by it alone once its descriptor is open");
    });
    assert.ok(reported.every((batch) => batch.onThread), "all reported as synced on the thread");
    assert.deepEqual(
      reported.slice(-21).map((batch) => batch.byHelper),
      Array(21).fill(true),
      "the last 21 reported as the helper's",
    );
    assert.equal(reported[0]!.byHelper, false, "the first, before the helper ran, as the thread's");
    const helper = writer.syncHelper!;
    await writer.close();
    assert.equal(helper.ready, false, "close stops the helper");
    assert.equal((await recover(dir)).lastSeq, seq, "every acknowledged append is on disk");
  });
});

Deno.test("JournalWriter without syncPollUs starts no helper", async () => {
  await withDir(async (dir) => {
    const writer = new JournalWriter(dir, {
      syncOnThread: () => true,
      maxSyncOnThreadMs: Infinity,
    });
    for (let i = 0; i < 3; i++) await writer.append([userEvent(i)]);
    assert.equal(writer.syncHelper, null);
    await writer.close();
  });
});

/**
 * How many of this process's descriptors are open on `path` (Linux: /proc/PID/fd, read by a shell:
 * Deno reads /proc only with every permission, and the suite runs with fewer).
 */
function descriptorsOn(path: string): number {
  const { stdout } = new Deno.Command("sh", {
    args: ["-c", `for fd in /proc/${Deno.pid}/fd/*; do readlink "$fd"; done`],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(stdout).split("\n")
    .filter((target) => target === path || target === `${path} (deleted)`).length;
}

Deno.test("SyncHelper.release() closes the file it holds; the next sync opens one again", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "a.log");
    await Deno.writeTextFile(path, "one\n");
    const helper = SyncHelper.start({ pollUs: 200 });
    try {
      await until(() => helper.ready, "the helper runs");
      assert.equal(helper.sync(path), true);
      assert.equal(descriptorsOn(path), 1, "held by the helper");
      helper.release();
      assert.equal(descriptorsOn(path), 0, "closed");
      assert.equal(helper.syncs, 1, "a release syncs nothing");
      helper.release(); // nothing held: nothing to do
      assert.equal(helper.sync(path), true, "opened again");
      assert.equal(helper.syncs, 2);
    } finally {
      helper.close();
    }
  });
});

Deno.test("JournalWriter lets its helper close the old segment when it moves to a new one", async () => {
  await withDir(async (dir) => {
    let lone = true;
    const writer = new JournalWriter(dir, {
      syncOnThread: () => lone,
      maxSyncOnThreadMs: Infinity,
      syncPollUs: 100,
    });
    let seq = 0;
    await writer.append([userEvent(seq++)]);
    await until(() => writer.syncHelper!.ready, "the helper runs");
    await writer.append([userEvent(seq++)]);
    assert.equal(writer.syncHelper!.syncs, 1);
    const [first] = [...Deno.readDirSync(dir)].map((entry) => join(dir, entry.name))
      .filter((name) => name.includes("journal-"));
    assert.equal(descriptorsOn(first!), 2, "the writer's and the helper's");
    // Many clients now: the next batches are synced the async way, never by the helper.
    lone = false;
    writer.rotate();
    await writer.append([userEvent(seq++)]);
    assert.equal(writer.syncHelper!.syncs, 1, "not the helper's");
    assert.equal(descriptorsOn(first!), 0, "neither holds the old segment");
    await writer.close();
    assert.equal((await recover(dir)).lastSeq, seq);
  });
});
