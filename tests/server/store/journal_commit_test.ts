import assert from "node:assert/strict";
import { join } from "node:path";
import type { AuctionEvent } from "../../../auction/events.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import {
  decodeCommit,
  encodeCommit,
  encodeRecord,
  segmentName,
} from "../../../server/store/journal.ts";
import { JournalCorruptError } from "../../../server/store/journal_scan.ts";
import { recover } from "../../../server/store/recovery.ts";
import { SegmentFile } from "../../../server/store/segment_file.ts";
import { SNAPSHOT_FILE } from "../../../server/store/snapshot.ts";
import { applyEvent } from "../../../auction/apply.ts";

function registered(name: string, port: number): AuctionEvent {
  return {
    type: "user_registered",
    atMs: 1_000 + port,
    name,
    role: "buyer",
    declaredIp: "127.0.0.1",
    udpPort: port,
    tcpPort: port + 1,
    session: { hostname: "127.0.0.1", port },
  };
}

/** Record `seq` (user `u<seq>`) as its line. */
function record(seq: number): string {
  return encodeRecord(seq, registered(`u${seq}`, seq));
}

/** Flips a byte in the middle of `line`. */
function damage(line: string): string {
  const middle = Math.floor(line.length / 2);
  return `${line.slice(0, middle)}${line[middle] === "x" ? "y" : "x"}${line.slice(middle + 1)}`;
}

async function withSegment(text: string, run: (dir: string, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "journal-commit-test-" });
  const path = join(dir, segmentName(1));
  await Deno.writeTextFile(path, text);
  try {
    await run(dir, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("encodeCommit() reads back through decodeCommit(), and a changed number fails", () => {
  const line = encodeCommit(42);
  assert.match(line, /^\{"commit":42,"crc":"[0-9a-f]{8}"\}\n$/);
  assert.equal(decodeCommit(new TextEncoder().encode(line.trimEnd())), 42);
  assert.throws(
    () => decodeCommit(new TextEncoder().encode(line.trimEnd().replace("42", "43"))),
    /CRC mismatch/,
  );
});

Deno.test("the FileStore closes every batch with a commit record, and a segment starts with one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "journal-commit-test-" });
  try {
    const store = new FileStore(dir);
    await store.load();
    await Promise.all([store.append([registered("a", 1)]), store.append([registered("b", 2)])]);
    await store.append([registered("c", 3), registered("d", 4)]);
    const bytes = await Deno.readFile(join(dir, segmentName(1)));
    const written = bytes.indexOf(0);
    assert.ok(written > 0, "zeros are written ahead of the records");
    assert.ok(bytes.subarray(written).every((byte) => byte === 0), "and only zeros follow them");
    const lines = new TextDecoder().decode(bytes.subarray(0, written)).trimEnd().split("\n");
    assert.equal(lines[0], encodeCommit(0).trimEnd(), "the segment starts with a commit record");
    assert.equal(lines.at(-1), encodeCommit(4).trimEnd(), "the last batch is closed");
    assert.equal(lines.filter((line) => line.startsWith('{"seq":')).length, 4);
    await store.close();
    assert.equal((await recover(dir)).lastSeq, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("batches small and big, past the buffer a batch is assembled in, are written whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "journal-commit-test-" });
  try {
    // No snapshot meanwhile: it would start a new segment.
    const store = new FileStore(dir, { snapshotEveryEvents: 100_000 });
    await store.load();
    // About 150 bytes a record: one small batch, one of ~30 KB (the kept buffer grows), one of
    // ~1.5 MB (past the largest kept buffer, assembled apart), then a small one again.
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => registered(`u${from + i}`, from + i));
    await store.append(batch(1, 1));
    await store.append(batch(2, 200));
    await store.append(batch(202, 10_000));
    await store.append(batch(10_202, 2));
    await store.close();
    const bytes = await Deno.readFile(join(dir, segmentName(1)));
    const text = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
    const expected = encodeCommit(0) + [[1, 1], [2, 200], [202, 10_000], [10_202, 2]]
      .map(([from, count]) =>
        batch(from!, count!).map((event, i) => encodeRecord(from! + i, event)).join("") +
        encodeCommit(from! + count! - 1)
      ).join("");
    assert.equal(text, expected);
    assert.equal((await recover(dir)).lastSeq, 10_203);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unacknowledged last batch, damaged in the middle, is dropped with the file truncated", async () => {
  const closed = encodeCommit(0) + record(1) + record(2) + encodeCommit(2);
  // A multi-page batch persisted out of order: its first record damaged, the next ones whole,
  // its commit record never written.
  const torn = damage(record(3)) + record(4) + record(5);
  await withSegment(closed + torn, async (dir, path) => {
    const recovered = await recover(dir);
    assert.equal(recovered.lastSeq, 2);
    assert.deepEqual(Object.keys(recovered.state.users), ["u1", "u2"]);
    assert.equal(recovered.torn?.line, 5);
    assert.match(recovered.torn?.reason ?? "", /unacknowledged last batch of 3 line\(s\)/);
    assert.equal(await Deno.readTextFile(path), closed, "truncated after the last commit");
  });
  // Whole lines without their commit record were not acknowledged either.
  await withSegment(closed + record(3), async (dir) => {
    assert.equal((await recover(dir)).lastSeq, 2);
  });
});

Deno.test("damage inside a closed batch refuses to start, naming the line, nothing changed", async () => {
  const text = encodeCommit(0) + record(1) + record(2) + encodeCommit(2) + damage(record(3)) +
    record(4) + encodeCommit(4) + record(5);
  await withSegment(text, async (dir, path) => {
    await assert.rejects(() => recover(dir), (error: unknown) => {
      assert.ok(error instanceof JournalCorruptError);
      assert.equal(error.line, 5);
      assert.match(error.message, /line 5: .*in a closed batch.*refusing to start/);
      return true;
    });
    assert.equal(await Deno.readTextFile(path), text);
  });
});

Deno.test("a commit record that names the wrong record refuses to start", async () => {
  const text = encodeCommit(0) + record(1) + record(2) + encodeCommit(1);
  await withSegment(text, async (dir) => {
    await assert.rejects(
      () => recover(dir),
      /line 4: commit record closes record 1, but the last record is 2/,
    );
  });
});

Deno.test("a journal written before commit records is still read, and continued with them", async () => {
  const legacy = record(1) + record(2);
  await withSegment(legacy, async (dir, path) => {
    const store = new FileStore(dir);
    assert.deepEqual(Object.keys((await store.load()).users), ["u1", "u2"]);
    await store.append([registered("u3", 3)]);
    await store.close();
    const text = await Deno.readTextFile(path);
    assert.ok(text.startsWith(legacy + encodeCommit(2)), "the old records are closed first");
    assert.equal((await recover(dir)).lastSeq, 3);
    // A torn batch after them is now dropped whole, not refused (read from the journal alone).
    await Deno.writeTextFile(path, legacy + encodeCommit(2) + damage(record(3)) + record(4));
    for (const name of ["state.json", "state.previous.json"]) {
      await Deno.remove(join(dir, name)).catch(() => {});
    }
    assert.equal((await recover(dir)).lastSeq, 2);
  });
});

/** `count` NUL characters: zeros the writer laid down ahead of its records. */
function zeros(count: number): string {
  return "\0".repeat(count);
}

Deno.test("a segment ends at its first NUL byte: the zeros written ahead are not records", async () => {
  const closed = encodeCommit(0) + record(1) + record(2) + encodeCommit(2);
  await withSegment(closed + zeros(8192), async (dir, path) => {
    const recovered = await recover(dir);
    assert.equal(recovered.lastSeq, 2);
    assert.equal(recovered.torn, undefined, "zeros after a commit record are no torn tail");
    assert.equal((await Deno.stat(path)).size, closed.length + 8192, "nothing truncated");
  });
});

Deno.test("a torn batch cut short by zeros is dropped and truncated after the last commit", async () => {
  const closed = encodeCommit(0) + record(1) + record(2) + encodeCommit(2);
  await withSegment(closed + record(3).slice(0, 20) + zeros(4096), async (dir, path) => {
    const recovered = await recover(dir);
    assert.equal(recovered.lastSeq, 2);
    assert.equal(recovered.torn?.line, 5);
    assert.equal(await Deno.readTextFile(path), closed, "truncated after the last commit");
  });
});

Deno.test("what a crash left after the zeros is never read, nor after the next appends", async () => {
  const closed = encodeCommit(0) + record(1) + record(2) + encodeCommit(2);
  // A two-page batch persisted out of order: its first page still zeros, its second whole with
  // the commit record. It was never acknowledged.
  const lost = zeros(4096) + record(4) + encodeCommit(4) + zeros(4096);
  await withSegment(closed + lost, async (dir) => {
    assert.equal((await recover(dir, { readOnly: true })).lastSeq, 2);
    const store = new FileStore(dir);
    const state = await store.load();
    // The appends continue at the first zero: after record 2, over the zeros and what follows.
    applyEvent(state, registered("new", 3));
    await store.append([registered("new", 3)]);
    await store.close();
    await Deno.remove(join(dir, SNAPSHOT_FILE));
    const recovered = await recover(dir);
    assert.equal(recovered.lastSeq, 3);
    assert.deepEqual(Object.keys(recovered.state.users).sort(), ["new", "u1", "u2"]);
  });
});

Deno.test("a segment continued after a restart has its folder synced too, as a new one has", async () => {
  const dir = await Deno.makeTempDir({ prefix: "segment-dir-sync-" });
  const prototype = Deno.FsFile.prototype;
  const { sync } = prototype;
  let syncs = 0;
  try {
    const first = await SegmentFile.open(dir, 1, 0);
    first.close();
    // A run that crashed after creating the file, before its folder was synced, left it: the next
    // run continues it, and the name must be made durable before it acknowledges anything.
    prototype.sync = function () {
      syncs++;
      return sync.call(this);
    };
    const continued = await SegmentFile.open(dir, 1, 0);
    continued.close();
    assert.equal(syncs, 1, "the folder, once");
  } finally {
    prototype.sync = sync;
    await Deno.remove(dir, { recursive: true });
  }
});
