import assert from "node:assert/strict";
import { pruneReplies, REPLY_LIFETIME_MS } from "../../../auction/replies.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { recover } from "../../../server/store/recovery.ts";
import { readSnapshot, SNAPSHOT_FILE } from "../../../server/store/snapshot.ts";
import { FakeClock } from "../../../server/clock.ts";
import { createHarness } from "../../_support/harness.ts";

const NAMES = ["Ann", "bob", "Cy", "Dee", "eve"];
const PORTS = [40000, 40001, 40002, 40003];

/** A small seeded PRNG (mulberry32), so a failing run can be repeated from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function withHarness(
  options: { snapshotEveryEvents?: number; snapshotEverySeconds?: number },
  body: (
    h: Awaited<ReturnType<typeof createHarness>>,
    dir: string,
    store: FileStore,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "recovery-property-" });
  const clock = new FakeClock();
  const store = new FileStore(dir, { ...options, clock });
  try {
    await body(await createHarness({ clock, store }), dir, store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("recovering from disk after random requests gives the live state", async (t) => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    await t.step(`seed ${seed}`, async () => {
      await withHarness({ snapshotEveryEvents: 9, snapshotEverySeconds: 120 }, async (h, dir) => {
        const next = random(seed);
        const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
        const rqs = new Map<number, number>();
        const sent: { line: string; port: number }[] = [];
        for (let step = 0; step < 120; step++) {
          const port = pick(PORTS);
          const rq = (rqs.get(port) ?? 0) + 1;
          rqs.set(port, rq);
          const name = pick(NAMES);
          const roll = next();
          let request = { line: `DE-REGISTER ${rq} ${name}`, port };
          if (roll < 0.4) {
            const role = pick(["buyer", "seller"]);
            request.line = `REGISTER ${rq} ${name} ${role} 127.0.0.1 ${port} ${port + 1}`;
          } else if (roll < 0.65) request.line = `LOGIN ${rq} ${name} ${port + 2}`;
          else if (roll < 0.85 && sent.length > 0) request = pick(sent);
          sent.push(request);
          await h.request(request.line, request.port);
          h.clock.advance(next() < 0.1 ? REPLY_LIFETIME_MS : Math.floor(next() * 20_000));
        }
        await (h.store as FileStore).idle();
        const recovered = (await recover(dir, { readOnly: true })).state;
        const live = structuredClone(h.core.state);
        pruneReplies(live, h.clock.now());
        pruneReplies(recovered, h.clock.now());
        assert.deepEqual(recovered, live, `seed ${seed}`);
        assert.ok(Object.keys(live.users).length > 0, "the sequence registered someone");
        assert.ok(await readSnapshot(dir, SNAPSHOT_FILE), "the sequence crossed a snapshot");
      });
    });
  }
});

Deno.test("identical repeats of a request change the state once and get the first reply", async () => {
  await withHarness({}, async (h, dir) => {
    const line = "REGISTER 7 Ann buyer 127.0.0.1 5000 5001";
    const replies = [await h.request(line), await h.request(line)];
    h.clock.advance(10_000);
    replies.push(await h.request(line));
    assert.deepEqual(replies, ["REGISTERED 7", "REGISTERED 7", "REGISTERED 7"]);
    await (h.store as FileStore).idle();
    const events = (await recover(dir, { readOnly: true })).lastSeq;
    assert.equal(events, 2, "one user_registered and one request_answered");
    assert.deepEqual(h.outbox.sent, []);
  });
});

Deno.test("a snapshot leaves out cached replies older than their lifetime", async () => {
  await withHarness({}, async (h, dir, store) => {
    await h.request("REGISTER 1 Ann buyer 127.0.0.1 5000 5001", 40000);
    h.clock.advance(REPLY_LIFETIME_MS);
    await h.request("REGISTER 1 Bob buyer 127.0.0.1 5000 5001", 40001);
    await store.snapshot();
    const snapshot = await readSnapshot(dir, SNAPSHOT_FILE);
    assert.deepEqual(Object.keys(snapshot?.state.replies ?? {}), ["127.0.0.1:40001"]);
    assert.deepEqual(Object.keys(h.core.state.replies).sort(), [
      "127.0.0.1:40000",
      "127.0.0.1:40001",
    ]);
  });
});
