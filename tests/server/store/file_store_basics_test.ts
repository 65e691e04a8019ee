import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { FileStore, writeAtomically } from "../../../server/store/file_store.ts";
import { startServer } from "../../../server/server.ts";
import { emptyState } from "../../../auction/state.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

const AT = Date.UTC(2026, 0, 1);

function registered(name: string, port: number): AuctionEvent {
  return {
    type: "user_registered",
    atMs: AT,
    name,
    role: "buyer",
    declaredIp: "127.0.0.1",
    udpPort: port,
    tcpPort: port + 1,
    session: { hostname: "127.0.0.1", port },
    passwordHash: "aGFzaA==",
    passwordSalt: "c2FsdA==",
  };
}

async function withTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "auction-store-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("FileStore.load() of a new folder gives an empty state", async () => {
  await withTempDir(async (dir) => {
    const store = new FileStore(join(dir, "not", "yet"));
    assert.deepEqual(await store.load(), emptyState());
    await store.close();
  });
});

Deno.test("FileStore: what was appended loads the same in a new instance", async () => {
  await withTempDir(async (dir) => {
    const store = new FileStore(dir);
    const state = await store.load();
    const events = [registered("alice", 40001), registered("bob", 40002)];
    for (const event of events) applyEvent(state, event);
    await store.append(events);
    const more: AuctionEvent = {
      type: "user_logged_in",
      atMs: AT,
      name: "alice",
      session: { hostname: "127.0.0.1", port: 40009 },
    };
    applyEvent(state, more);
    await store.append([more]);
    await store.close();

    const reopened = new FileStore(dir);
    assert.deepEqual(await reopened.load(), state);
    await reopened.close();
  });
});

Deno.test("FileStore groups many concurrent appends into few fsyncs", async () => {
  await withTempDir(async (dir) => {
    const store = new FileStore(dir);
    const state = await store.load();
    let fsyncs = 0;
    const prototype = Deno.FsFile.prototype;
    const { sync, syncData } = prototype;
    prototype.sync = function () {
      fsyncs++;
      return sync.call(this);
    };
    prototype.syncData = function () {
      fsyncs++;
      return syncData.call(this);
    };
    try {
      const appends: Promise<void>[] = [];
      for (let index = 0; index < 100; index++) {
        const event = registered(`user${index}`, 41000 + index);
        applyEvent(state, event);
        appends.push(store.append([event]));
      }
      await Promise.all(appends);
      await store.close();
    } finally {
      prototype.sync = sync;
      prototype.syncData = syncData;
    }
    assert.ok(fsyncs > 0, "appends were made durable");
    assert.ok(fsyncs <= 10, `100 concurrent appends took ${fsyncs} fsyncs`);
    const reopened = new FileStore(dir);
    assert.equal(Object.keys((await reopened.load()).users).length, 100);
    await reopened.close();
  });
});

Deno.test("writeAtomically() replaces a file with valid JSON and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    await writeAtomically(dir, "state.json", JSON.stringify({ version: 1, n: 1 }));
    await writeAtomically(dir, "state.json", JSON.stringify({ version: 1, n: 2 }));
    assert.deepEqual(JSON.parse(await Deno.readTextFile(join(dir, "state.json"))), {
      version: 1,
      n: 2,
    });
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["state.json"]);
  });
});

Deno.test("startServer() with a data folder keeps users across a restart", async () => {
  await withTempDir(async (dir) => {
    const options = { hostname: "127.0.0.1", udpPort: 0, tcpPort: 0, dataDir: dir };
    const first = await startServer(options);
    const client = new UdpPeer(first.udpAddress);
    try {
      assert.equal(
        (await client.request("REGISTER 1 alice buyer 127.0.0.1 6000 6001 pw")).type,
        "REGISTERED",
      );
    } finally {
      await client.close();
      await first.close();
    }
    const second = await startServer(options);
    const again = new UdpPeer(second.udpAddress);
    try {
      const login = await again.request("LOGIN 2 alice pw");
      assert.deepEqual(login, {
        type: "LOGIN_SUCCESS",
        rq: 2,
        role: "buyer",
        key: (login as { key?: string }).key,
      });
    } finally {
      await again.close();
      await second.close();
    }
  });
});

Deno.test("FileStore reports each group commit's records, appends and fsync time", async () => {
  await withTempDir(async (dir) => {
    const batches: { records: number; appends: number; syncMs: number }[] = [];
    const store = new FileStore(dir, { onBatchWritten: (batch) => batches.push(batch) });
    const state = await store.load();
    const appends = [0, 1, 2, 3].map((index) => {
      const events = [
        registered(`u${index}a`, 41000 + index),
        registered(`u${index}b`, 42000 + index),
      ];
      for (const event of events) applyEvent(state, event);
      return store.append(events);
    });
    await Promise.all(appends);
    assert.equal(batches.reduce((sum, batch) => sum + batch.records, 0), 8);
    assert.equal(batches.reduce((sum, batch) => sum + batch.appends, 0), 4);
    assert.ok(batches.length < 4, "appends made together share a commit");
    assert.ok(batches.every((batch) => batch.syncMs >= 0 && batch.records === 2 * batch.appends));
    await store.close();
  });
});
