import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import { DataDirError, prepareDataDir } from "../../../server/store/data_dir.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { startServer } from "../../../server/server.ts";

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

async function modes(dir: string): Promise<Record<string, number>> {
  const found: Record<string, number> = { ".": (await Deno.stat(dir)).mode! & 0o777 };
  for await (const entry of Deno.readDir(dir)) {
    found[entry.name] = (await Deno.stat(join(dir, entry.name))).mode! & 0o777;
  }
  return found;
}

Deno.test("the data folder is 0700 and every file in it 0600 (journal, snapshots, ledger)", async () => {
  const parent = await Deno.makeTempDir({ prefix: "data-dir-test-" });
  const dataDir = join(parent, "data");
  try {
    const server = await startServer({ hostname: "127.0.0.1", udpPort: 0, tcpPort: 0, dataDir });
    await server.core.run((transaction) => transaction.emit(EVENT));
    await server.close(); // takes a snapshot: state.json, and state.previous.json next time
    const store = new FileStore(dataDir);
    applyEvent(await store.load(), EVENT);
    await store.append([{ ...EVENT, name: "Bob" }]);
    await store.close();
    const found = await modes(dataDir);
    assert.equal(found["."], 0o700);
    for (const name of ["state.json", "state.previous.json", "payments.jsonl"]) {
      assert.equal(found[name], 0o600, `${name}: ${JSON.stringify(found)}`);
    }
    const journals = Object.keys(found).filter((name) => name.startsWith("journal-"));
    assert.ok(journals.length > 0);
    for (const name of Object.keys(found)) {
      if (name !== ".") assert.equal(found[name], 0o600, name);
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("an existing folder left open by an older version is tightened at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "data-dir-test-" });
  try {
    await Deno.chmod(dir, 0o755);
    await Deno.writeTextFile(join(dir, "state.json"), "{}", { mode: 0o644 });
    await Deno.chmod(join(dir, "state.json"), 0o644);
    await prepareDataDir(dir);
    assert.deepEqual(await modes(dir), { ".": 0o700, "state.json": 0o600 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a data folder that cannot be created is refused with a clear error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "data-dir-test-" });
  try {
    await Deno.writeTextFile(join(dir, "a-file"), "");
    const inside = join(dir, "a-file", "data");
    await assert.rejects(
      () => prepareDataDir(inside),
      (error: unknown) =>
        error instanceof DataDirError &&
        error.message.startsWith(`Cannot use the data folder ${inside}: cannot create it`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const readOnlyDir = await Deno.makeTempDir({ prefix: "data-dir-test-ro-" });

Deno.test({
  name: "a data folder the server cannot write is refused at start with a clear error",
  // Without write permission to it (root ignores file modes, so the test takes the permission).
  permissions: { read: true, write: false },
  fn: async () => {
    await assert.rejects(
      () => new FileStore(readOnlyDir).load(),
      (error: unknown) =>
        error instanceof DataDirError &&
        error.message.startsWith(`Cannot use the data folder ${readOnlyDir}: it is not writable`),
    );
  },
});

Deno.test("(clean-up of the read-only folder)", async () => {
  await Deno.remove(readOnlyDir, { recursive: true });
});
