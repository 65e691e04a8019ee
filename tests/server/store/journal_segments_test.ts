import assert from "node:assert/strict";
import { join } from "node:path";
import { JournalSegments } from "../../../server/store/journal_segments.ts";
import { encodeCommit, listSegments, segmentName } from "../../../server/store/journal.ts";
import { countingSyncs } from "../../_support/sync_counter.ts";

const UTF8 = new TextEncoder();

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "journal-segments-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The segment's bytes up to the zeros written ahead. */
async function written(dir: string, startSeq: number): Promise<string> {
  const bytes = await Deno.readFile(join(dir, segmentName(startSeq)));
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

Deno.test("JournalSegments refuses a write before a segment is open", async () => {
  await withDir(async (dir) => {
    const segments = new JournalSegments(dir);
    assert.equal(segments.openStartSeq, undefined);
    assert.throws(() => segments.writeAndSync(UTF8.encode("x"), false), /no segment is open/);
    segments.close();
    assert.deepEqual(await listSegments(dir), []);
  });
});

Deno.test("JournalSegments.open() leads each segment with the commit record of the one before", async () => {
  await withDir(async (dir) => {
    const segments = new JournalSegments(dir);
    await segments.open(1, 0);
    assert.equal(segments.openStartSeq, 1);
    await segments.writeAndSync(UTF8.encode("first\n"), false);
    await segments.open(3, 2);
    assert.equal(segments.openStartSeq, 3);
    await segments.writeAndSync(UTF8.encode("second\n"), false);
    segments.close();
    assert.deepEqual((await listSegments(dir)).map((segment) => segment.startSeq), [1, 3]);
    assert.equal(await written(dir, 1), encodeCommit(0) + "first\n");
    assert.equal(await written(dir, 3), encodeCommit(2) + "second\n");
  });
});

Deno.test("JournalSegments.open() continues an existing segment after its records", async () => {
  await withDir(async (dir) => {
    const first = new JournalSegments(dir);
    await first.open(1, 0);
    await first.writeAndSync(UTF8.encode("before\n"), false);
    first.close();
    const again = new JournalSegments(dir);
    await again.open(1, 1);
    await again.writeAndSync(UTF8.encode("after\n"), false);
    again.close();
    assert.equal(await written(dir, 1), encodeCommit(0) + "before\n" + encodeCommit(1) + "after\n");
  });
});

Deno.test("JournalSegments.writeAndSync() syncs on the thread or the async way, as asked", async (t) => {
  await withDir(async (dir) => {
    const segments = new JournalSegments(dir);
    await segments.open(1, 0);
    await t.step("on the thread: done when it returns", async () => {
      await countingSyncs(async (counts) => {
        assert.equal(segments.writeAndSync(UTF8.encode("a\n"), true), undefined);
        assert.deepEqual(counts, { async: 0, onThread: 1 });
        await Promise.resolve();
      });
    });
    await t.step("the async way: a promise of the sync", async () => {
      await countingSyncs(async (counts) => {
        const syncing = segments.writeAndSync(UTF8.encode("b\n"), false);
        assert.ok(syncing instanceof Promise);
        await syncing;
        assert.deepEqual(counts, { async: 1, onThread: 0 });
      });
    });
    segments.close();
    assert.equal(await written(dir, 1), encodeCommit(0) + "a\nb\n");
  });
});

Deno.test("JournalSegments.takeSyncs() hands over the syncs since the last call", async () => {
  await withDir(async (dir) => {
    const segments = new JournalSegments(dir);
    assert.equal(segments.lastSyncMs, 0);
    await segments.open(1, 0);
    segments.writeAndSync(UTF8.encode("a\n"), true);
    const afterOne = segments.lastSyncMs;
    await segments.writeAndSync(UTF8.encode("b\n"), false);
    const totals = segments.takeSyncs();
    assert.ok(totals.syncMs >= afterOne + segments.lastSyncMs - 1e-9, "both syncs counted");
    assert.equal(totals.byHelper, false, "no helper without syncPollUs");
    assert.equal(segments.syncHelper, null);
    assert.deepEqual(segments.takeSyncs(), { syncMs: 0, byHelper: false });
    segments.close();
  });
});
