/**
 * The store contract against {@linkcode PostgresStore} on a real PostgreSQL (started for this
 * file by `tests/_support/postgres.ts`), and what only that store does: batches as rows, the
 * schema created once by nodes starting at once, one writer at a time, the password never shown.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { applyEvent } from "../../../auction/apply.ts";
import { PostgresStore, SESSION_KEEPALIVES } from "../../../server/pg/postgres_store.ts";
import { inspectDatabase } from "../../../server/pg/inspect_database.ts";
import { LogFollower } from "../../../server/pg/follower.ts";
import { ensureSchema } from "../../../server/pg/schema.ts";
import { serializeSnapshot } from "../../../server/store/snapshot.ts";
import { emptyState } from "../../../auction/state.ts";
import { hidePassword, redactDatabaseUrl } from "../../../server/pg/database_url.ts";
import {
  queryRows,
  startTestPostgres,
  withDatabase as withTestDatabase,
} from "../../_support/postgres.ts";
import { waitUntil } from "../../_support/wait.ts";
import { storeContract, userEvent } from "../store/_store_contract.ts";

const server = await startTestPostgres();
const withDatabase = (body: (url: string) => Promise<void>) => withTestDatabase(server, body);
const query = queryRows;

for (
  const [label, options] of [
    ["PostgresStore", {}],
    ["PostgresStore snapshotting every 3 events", { snapshotEveryEvents: 3 }],
  ] as const
) {
  storeContract(label, async () => {
    const url = await server.createDatabase();
    return {
      open: () => new PostgresStore(url, { ...options, lockWaitMs: 0 }),
      dispose: () => server.dropDatabase(url),
    };
  });
}

Deno.test(
  "PostgresStore writes one row per append, in order, with group commit",
  withDatabase(async (url) => {
    const store = new PostgresStore(url, { node: "alpha" });
    const state = await store.load();
    const appends = Array.from({ length: 40 }, (_, index) => {
      applyEvent(state, userEvent(index));
      return store.append([userEvent(index)]);
    });
    await Promise.all(appends);
    const rows = await query(
      url,
      "SELECT seq, node, events::text AS json FROM auction_log ORDER BY seq",
    );
    assert.deepEqual(
      rows.map((row) => Number(row.seq)),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.ok(rows.every((row) => row.node === "alpha"));
    // The first append commits alone; the 39 queued meanwhile share the next transaction.
    const [transactions] = await query(
      url,
      "SELECT count(DISTINCT xmin::text) AS n FROM auction_log",
    );
    assert.equal(Number(transactions!.n), 2);
    assert.deepEqual(JSON.parse(rows[7]!.json), [userEvent(7)]);
    await store.close();
  }),
);

Deno.test(
  "PostgresStore keeps the newest two snapshots and the batches after the older one",
  withDatabase(async (url) => {
    const store = new PostgresStore(url, { snapshotEveryEvents: 2 });
    const state = await store.load();
    for (let index = 0; index < 7; index++) {
      applyEvent(state, userEvent(index));
      await store.append([userEvent(index)]);
    }
    // Snapshots after batches 2, 4, 6: the one at 2 is gone, batches 1 and 2 with it.
    const snapshots = await query(url, "SELECT covers_seq FROM auction_snapshots ORDER BY 1");
    assert.deepEqual(snapshots.map((row) => Number(row.covers_seq)), [4, 6]);
    const batches = await query(url, "SELECT seq FROM auction_log ORDER BY 1");
    assert.deepEqual(batches.map((row) => Number(row.seq)), [5, 6, 7]);
    await store.close();
    const reopened = new PostgresStore(url);
    assert.deepEqual(await reopened.load(), state);
    await reopened.close();
  }),
);

Deno.test(
  "PostgresStore: nodes starting at once on an empty database create the schema once",
  withDatabase(async (url) => {
    const connections = Array.from(
      { length: 6 },
      () => postgres(url, { max: 1, onnotice: () => {} }),
    );
    try {
      await Promise.all(connections.map((sql) => ensureSchema(sql)));
    } finally {
      await Promise.all(connections.map((sql) => sql.end()));
    }
    const tables = await query(
      url,
      "SELECT tablename FROM pg_tables WHERE tablename LIKE 'auction%' ORDER BY 1",
    );
    assert.deepEqual(tables.map((row) => row.tablename), [
      "auction_archive",
      "auction_log",
      "auction_snapshots",
    ]);
  }),
);

Deno.test(
  "PostgresStore: a second node is refused while one writes, and starts once it is gone",
  withDatabase(async (url) => {
    const first = new PostgresStore(url, { node: "alpha" });
    const state = await first.load();
    applyEvent(state, userEvent(1));
    await first.append([userEvent(1)]);
    const second = new PostgresStore(url, { node: "beta", lockWaitMs: 0 });
    await assert.rejects(second.load(), /Cannot start node beta: another node is writing/);
    await first.close();
    const third = new PostgresStore(url, { node: "beta", lockWaitMs: 0 });
    assert.deepEqual(await third.load(), state);
    await third.close();
  }),
);

Deno.test(
  "PostgresStore: a standby node waits while one writes and takes over, with its state, when it ends",
  withDatabase(async (url) => {
    const first = new PostgresStore(url, { node: "alpha" });
    const state = await first.load();
    applyEvent(state, userEvent(1));
    await first.append([userEvent(1)]);
    await assert.rejects(
      new PostgresStore(url, { node: "gamma", lockWaitMs: 300 }).load(),
      /Cannot start node gamma: another node is writing/,
    );
    const standby = new PostgresStore(url, { node: "beta" });
    let tookOver = false;
    const loading = standby.load().then((loaded) => {
      tookOver = true;
      return loaded;
    });
    // Still waiting after the first node's next write has gone through.
    applyEvent(state, userEvent(2));
    await first.append([userEvent(2)]);
    assert.equal(tookOver, false);
    await first.close();
    const taken = await loading;
    assert.deepEqual(taken, state);
    applyEvent(taken, userEvent(3));
    await standby.append([userEvent(3)]);
    await standby.close();
    const reopened = new PostgresStore(url, { lockWaitMs: 0 });
    assert.deepEqual(await reopened.load(), taken);
    await reopened.close();
  }),
);

Deno.test(
  "PostgresStore: a standby follows the log as it is committed (NOTIFY), then takes over from there",
  withDatabase(async (url) => {
    const first = new PostgresStore(url, { node: "alpha", snapshotEveryEvents: 1 });
    const state = await first.load();
    applyEvent(state, userEvent(0));
    await first.append([userEvent(0)]);
    let followed = 0;
    // The poll would take a minute: only a notification can bring the batches within the 15 s
    // deadlines below (a safety net for a slow machine, still a quarter of the poll).
    const standby = new PostgresStore(url, {
      node: "beta",
      followPollMs: 60_000,
      onFollowed: (lastSeq) => followed = lastSeq,
    });
    const loading = standby.load();
    await waitUntil(() => followed === 1, "the standby's first catch-up", 15_000);
    for (let index = 1; index <= 3; index++) {
      applyEvent(state, userEvent(index));
      await first.append([userEvent(index)]);
    }
    await waitUntil(() => followed === 4, "the standby following batch 4", 15_000);
    // Each batch is folded into a snapshot, the older batches deleted, as the standby follows.
    for (let index = 4; index <= 6; index++) {
      applyEvent(state, userEvent(index));
      await first.append([userEvent(index)]);
    }
    await first.close();
    assert.deepEqual(await loading, state);
    await standby.close();
  }),
);

Deno.test(
  "LogFollower starts again from the newest snapshot when the batches it lacks were folded away",
  withDatabase(async (url) => {
    const state = emptyState();
    const batch = (seq: number) => {
      applyEvent(state, userEvent(seq));
      return `(${seq}, 'alpha', '${JSON.stringify([userEvent(seq)])}')`;
    };
    const setup = postgres(url, { max: 1, onnotice: () => {} });
    await ensureSchema(setup);
    await setup.unsafe(
      `INSERT INTO auction_log (seq, node, events) VALUES ${batch(1)}, ${batch(2)}`,
    );
    let followed = 0;
    const follower = await LogFollower.start(url, {
      pollMs: 60_000,
      onFollowed: (lastSeq) => followed = lastSeq,
    });
    assert.equal(follower.lastSeq, 2);
    let reloaded = 0;
    const applied: number[] = [];
    follower.onReloaded(() => reloaded++);
    follower.onApplied((batch) => void applied.push(batch.firstSeq));
    // Batches 3 and 4 go straight into a snapshot; only batch 5 is left after it.
    applyEvent(state, userEvent(3));
    applyEvent(state, userEvent(4));
    const snapshotAt4 = serializeSnapshot(state, 4, Date.now());
    await setup.begin(async (sql) => {
      await sql`INSERT INTO auction_snapshots (covers_seq, node, snapshot, events_through)
        VALUES (4, 'alpha', ${snapshotAt4}::text::json, 4)`;
      await sql`DELETE FROM auction_log WHERE seq <= 4`;
      await sql.unsafe(`INSERT INTO auction_log (seq, node, events) VALUES ${batch(5)}`);
      await sql`SELECT pg_notify('auction_log', '5')`;
    });
    await setup.end();
    await waitUntil(() => followed === 5, "the follower at batch 5", 15_000);
    // Batches 3 and 4 cannot be reported: the follower says it started over, at event 5.
    assert.deepEqual([reloaded, applied, follower.eventSeq], [1, [], 5]);
    assert.deepEqual(follower.state, state);
    const finished = await follower.finish();
    assert.deepEqual(finished.state, state);
    assert.deepEqual([finished.coversSeq, finished.lastSeq], [4, 5]);
  }),
);

Deno.test(
  "LogFollower reports each batch it applies, in log order, numbered as the writer numbers its events",
  withDatabase(async (url) => {
    const writer = new PostgresStore(url, { node: "alpha" });
    const state = await writer.load();
    const append = async (...indexes: number[]) => {
      const events = indexes.map(userEvent);
      for (const event of events) applyEvent(state, event);
      const firstSeq = writer.lastSeq + 1;
      await writer.append(events);
      return { firstSeq, events };
    };
    const written = [await append(0, 1)];
    const follower = await LogFollower.start(url, { pollMs: 60_000 });
    try {
      assert.equal(follower.eventSeq, 2);
      const applied: { firstSeq: number; events: readonly unknown[] }[] = [];
      follower.onApplied((batch) => void applied.push(batch));
      written.push(await append(2), await append(3, 4, 5), await append(6));
      // Only a notification brings them within the deadline (the poll is a minute).
      await waitUntil(() => follower.eventSeq === 7, "the follower at event 7", 15_000);
      assert.deepEqual(applied, written.slice(1));
      assert.equal(follower.eventSeq, writer.lastSeq);
      assert.equal(follower.lagBatches, 0);
      assert.deepEqual(follower.state, state);
    } finally {
      await follower.stop();
      await writer.close();
    }
  }),
);

Deno.test(
  "PostgresStore: a write that fails stops the store for good (fail-stop)",
  withDatabase(async (url) => {
    const store = new PostgresStore(url);
    const state = await store.load();
    await query(url, "INSERT INTO auction_log (seq, node, events) VALUES (1, 'other', '[]')");
    applyEvent(state, userEvent(1));
    await assert.rejects(store.append([userEvent(1)]), /duplicate key/);
    await assert.rejects(store.append([userEvent(2)]), /duplicate key/);
    await assert.rejects(store.flush(), /duplicate key/);
    await store.close();
  }),
);

Deno.test(
  "PostgresStore: a node that loses the connection holding the writer lock writes nothing more",
  withDatabase(async (url) => {
    const failed = Promise.withResolvers<unknown>();
    const store = new PostgresStore(url, { onFailure: failed.resolve });
    const state = await store.load();
    applyEvent(state, userEvent(1));
    await store.append([userEvent(1)]);
    await query(
      url,
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted",
    );
    // Told at once, while idle: the server stops without waiting for a request.
    assert.match(String(await failed.promise), /Lost the database connection/);
    applyEvent(state, userEvent(2));
    await assert.rejects(store.append([userEvent(2)]));
    await store.close();
    const rows = await query(url, "SELECT seq FROM auction_log");
    assert.deepEqual(rows.map((row) => Number(row.seq)), [1]);
  }),
);

Deno.test(
  "PostgresStore: PostgreSQL ends the writer's session within about 25 s of its machine going silent",
  withDatabase(async (url) => {
    const store = new PostgresStore(url);
    await store.load();
    // Over TCP; PostgreSQL reports 0 for these on a Unix socket.
    for (const [name, value] of Object.entries(SESSION_KEEPALIVES)) {
      assert.equal(await store.sessionSetting(name), value, name);
    }
    await store.close();
  }),
);

Deno.test(
  "inspectDatabase() counts what the store holds and verifies the replay to the newest snapshot",
  withDatabase(async (url) => {
    const store = new PostgresStore(url, { snapshotEveryEvents: 2 });
    const state = await store.load();
    for (let index = 0; index < 5; index++) {
      applyEvent(state, userEvent(index));
      await store.append([userEvent(index)]);
    }
    await store.close();
    const report = await inspectDatabase(url, { verify: true });
    assert.deepEqual(
      [report.snapshots, report.coversSeq, report.batches, report.lastSeq],
      [2, 5, 1, 5], // snapshots after batches 4 and 5 (at close); batch 5 between them
    );
    assert.deepEqual([report.counts.users, report.counts.buyers], [5, 3]);
    assert.deepEqual([report.ledgerRecords, report.archivedRows], [0, 0]);
    assert.deepEqual(report.verify, {
      problems: [],
      checkedBatches: 1,
      replayedFrom: "the snapshot at batch 4",
    });
    await query(
      url,
      `UPDATE auction_snapshots SET snapshot = replace(snapshot::text, '"User4"', '"User9"')::json
       WHERE covers_seq = 5`,
    );
    const tampered = await inspectDatabase(url, { verify: true });
    assert.match(
      tampered.verify!.problems[0]!,
      /state\.users\.user4\.name is "User4" after replay/,
    );
  }),
);

Deno.test(
  "deno task inspect:db reads DATABASE_URL, prints the counts and never the password",
  withDatabase(async (url) => {
    const store = new PostgresStore(url);
    const state = await store.load();
    applyEvent(state, userEvent(1));
    await store.append([userEvent(1)]);
    await store.close();
    const withPassword = new URL(url);
    if (!withPassword.password) withPassword.password = "inspect-Sekret";
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-net", "--allow-env", "main.ts", "inspect", "--verify"],
      cwd: new URL("../../../", import.meta.url).pathname,
      env: { DATABASE_URL: withPassword.href },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, text);
    assert.match(text, /Database: +postgres:\/\/postgres:\*\*\*@/);
    assert.match(text, /Users: +1 \(0 buyers, 1 seller\)/);
    assert.match(text, /Verify: +OK: 1 batches in order; replay from an empty state/);
    assert.ok(!text.includes(withPassword.password));
  }),
);

Deno.test("PostgresStore never shows the database password", async () => {
  const url = "postgres://auction:s3cret-Pa55@127.0.0.1:1/auction";
  const store = new PostgresStore(url, { lockWaitMs: 0 });
  assert.equal(store.databaseUrl, "postgres://auction:***@127.0.0.1:1/auction");
  const error = await store.load().then(() => null, (error: Error) => error);
  assert.ok(error, "connecting to port 1 fails");
  assert.doesNotMatch(`${error.message} ${error.stack}`, /s3cret/);
});

Deno.test("hidePassword() hides the password and the URL's password in any text", () => {
  const url = "postgres://auction:p%40ss@db.example:5432/auction";
  assert.equal(redactDatabaseUrl(url), "postgres://auction:***@db.example:5432/auction");
  assert.equal(
    hidePassword(`cannot reach ${url}: password p@ss refused`, url),
    "cannot reach postgres://auction:***@db.example:5432/auction: password *** refused",
  );
  assert.equal(redactDatabaseUrl("postgres://auction@db/auction"), "postgres://auction@db/auction");
});

Deno.test(
  "PostgresStore: a second node of the same name is refused while the first is connected",
  withDatabase(async (url) => {
    const first = new PostgresStore(url, { node: "alpha" });
    await first.load();
    const twin = new PostgresStore(url, { node: "alpha" });
    await assert.rejects(twin.load(), /Cannot start node alpha: a node of that name is connected/);
    await first.close();
    const again = new PostgresStore(url, { node: "alpha", lockWaitMs: 0 });
    await again.load();
    await again.close();
  }),
);

Deno.test(
  "PostgresStore.ping() is true only while the store is loaded and its database answers",
  withDatabase(async (url) => {
    const store = new PostgresStore(url, { lockWaitMs: 0 });
    assert.equal(await store.ping(1_000), false, "not loaded");
    await store.load();
    assert.equal(await store.ping(5_000), true);
    await store.close();
    assert.equal(await store.ping(1_000), false, "closed");
  }),
);
