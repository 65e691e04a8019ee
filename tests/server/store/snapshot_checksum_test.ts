import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { SNAPSHOT_FILE, SnapshotCorruptError } from "../../../server/store/snapshot.ts";

const EVENT: AuctionEvent = {
  type: "user_registered",
  atMs: 1_000,
  name: "Ann",
  role: "buyer",
  declaredIp: "127.0.0.1",
  udpPort: 6000,
  tcpPort: 6001,
  session: { hostname: "127.0.0.1", port: 6000 },
};

/** A data folder whose state.json holds Ann (the store was closed cleanly). */
async function folderWithSnapshot(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "snapshot-checksum-test-" });
  const store = new FileStore(dir);
  applyEvent(await store.load(), EVENT);
  await store.append([EVENT]);
  await store.close();
  return dir;
}

async function load(dir: string) {
  // A clean close takes a snapshot; recovery reads it before any journal record.
  const store = new FileStore(dir);
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

Deno.test("a snapshot carries a checksum, and an intact one loads", async () => {
  const dir = await folderWithSnapshot();
  try {
    const text = await Deno.readTextFile(join(dir, SNAPSHOT_FILE));
    assert.match(JSON.parse(text).checksum, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await load(dir)).users.ann?.udpPort, 6000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot edited by hand is refused at load with a clear message, nothing changed", async () => {
  const dir = await folderWithSnapshot();
  const path = join(dir, SNAPSHOT_FILE);
  try {
    const edited = (await Deno.readTextFile(path)).replace('"udpPort": 6000', '"udpPort": 6666');
    assert.match(edited, /6666/);
    await Deno.writeTextFile(path, edited);
    await assert.rejects(() => load(dir), (error: unknown) => {
      assert.ok(error instanceof SnapshotCorruptError);
      assert.ok(error.message.includes(path));
      assert.match(error.message, /checksum does not match.*refusing to start/);
      return true;
    });
    assert.equal(await Deno.readTextFile(path), edited);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot written before checksums existed still loads", async () => {
  const dir = await folderWithSnapshot();
  const path = join(dir, SNAPSHOT_FILE);
  try {
    const snapshot = JSON.parse(await Deno.readTextFile(path));
    delete snapshot.checksum;
    await Deno.writeTextFile(path, JSON.stringify(snapshot, null, 1));
    assert.equal((await load(dir)).users.ann?.udpPort, 6000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
