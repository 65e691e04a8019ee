/**
 * The writer's heartbeat and a standby's watch on it (`server/pg/writer_heartbeat.ts`,
 * `stale_writer.ts`): a writer whose heartbeat stops (as a frozen process's would, its session
 * kept alive) has its session ended by a standby within the bound, the standby takes over, and
 * the old writer writes nothing more; a writer that beats is left alone.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { applyEvent } from "../../../auction/apply.ts";
import { LogFollower } from "../../../server/pg/follower.ts";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import { lookAtWriter } from "../../../server/pg/stale_writer.ts";
import {
  queryRows,
  standbyWaiting,
  startTestPostgres,
  withDatabase as withTestDatabase,
} from "../../_support/postgres.ts";
import { waitUntil } from "../../_support/wait.ts";
import { userEvent } from "../store/_store_contract.ts";

const server = await startTestPostgres();
const withDatabase = (body: (url: string) => Promise<void>) => withTestDatabase(server, body);

/** A store's `onFailure`, and a wait (with a deadline) for it to be called. */
function failureSeen(): { onFailure: (error: unknown) => void; failed: () => Promise<string> } {
  let failure: unknown;
  return {
    onFailure: (error) => failure = error ?? "failed",
    failed: async () => {
      await waitUntil(() => failure !== undefined, "the store to fail", 10_000);
      return String(failure);
    },
  };
}

/** The writer's heartbeat row at `url`. */
async function heartbeat(url: string): Promise<{ node: string; pid: number; beatAt: string }> {
  const [row] = await queryRows(url, "SELECT node, pid, beat_at::text AS at FROM writer_heartbeat");
  assert.ok(row, "no heartbeat row");
  return { node: String(row.node), pid: Number(row.pid), beatAt: String(row.at) };
}

Deno.test(
  "PostgresStore: a standby ends the session of a writer whose heartbeat stopped and takes " +
    "over within the bound; the old writer fails and writes nothing more",
  withDatabase(async (url) => {
    const seen = failureSeen();
    // Beats only with the lock: as a writer frozen once it holds it.
    const frozen = new PostgresStore(url, {
      node: "alpha",
      heartbeatEveryMs: Infinity,
      onFailure: seen.onFailure,
    });
    const state = await frozen.load();
    applyEvent(state, userEvent(1));
    await frozen.append([userEvent(1)]);
    const first = await heartbeat(url);
    assert.equal(first.node, "alpha");
    // Without the watch it would wait for good: 10 s is the test's deadline.
    const standby = new PostgresStore(url, {
      node: "beta",
      writerStaleAfterSeconds: 2,
      lockWaitMs: 10_000,
    });
    try {
      const startedMs = performance.now();
      const taken = await standby.load();
      const seconds = (performance.now() - startedMs) / 1000;
      assert.ok(seconds < 2 + 3, `took over after ${seconds} s`);
      assert.deepEqual(taken, state);
      assert.match(await seen.failed(), /Lost the database connection/);
      await assert.rejects(frozen.append([userEvent(2)]));
      const now = await heartbeat(url);
      assert.equal(now.node, "beta");
      assert.notEqual(now.pid, first.pid);
      await standby.append([userEvent(2)]);
      assert.deepEqual(
        (await queryRows(url, "SELECT node FROM auction_log ORDER BY seq")).map((row) => row.node),
        ["alpha", "beta"],
      );
    } finally {
      await standby.close();
      await frozen.close();
    }
  }),
);

Deno.test(
  "PostgresStore: a writer that beats is not ended by a standby, over beats spanning more " +
    "than the bound",
  withDatabase(async (url) => {
    const writer = new PostgresStore(url, { node: "alpha", heartbeatEveryMs: 200 });
    await writer.load();
    const standby = new PostgresStore(url, { node: "beta", writerStaleAfterSeconds: 1 });
    const loading = standby.load();
    let settled = false;
    loading.then(() => settled = true, () => settled = true);
    try {
      await standbyWaiting(url);
      const [start] = await queryRows(url, "SELECT now()::text AS at");
      // Wait (on the database's clock) until the beats span twice the bound.
      const deadline = Date.now() + 20_000;
      while (true) {
        const [row] = await queryRows(
          url,
          `SELECT beat_at - '${start!.at}'::timestamptz > interval '2 s' AS past FROM
           writer_heartbeat`,
        );
        if (row?.past) break;
        assert.ok(Date.now() < deadline, "the writer stopped beating");
      }
      assert.equal(settled, false, "the standby took over from a writer that beats");
      assert.equal((await heartbeat(url)).node, "alpha");
      await writer.append([userEvent(1)]);
    } finally {
      await writer.close();
      await loading;
      await standby.close();
    }
  }),
);

Deno.test(
  "lookAtWriter() reads the writer's heartbeat age on the database's clock, ends the writer " +
    "only past the bound, and sees no writer whose row names another session",
  withDatabase(async (url) => {
    const failure = failureSeen();
    const writer = new PostgresStore(url, {
      node: "alpha",
      heartbeatEveryMs: Infinity,
      onFailure: failure.onFailure,
    });
    await writer.load();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const seen = await lookAtWriter(sql, 3600);
      assert.ok(seen);
      assert.equal(seen.node, "alpha");
      assert.equal(seen.pid, (await heartbeat(url)).pid);
      assert.equal(seen.terminated, false);
      assert.ok(seen.ageSeconds >= 0 && seen.ageSeconds < 3600, String(seen.ageSeconds));
      // A beat an hour old (as if the database's clock had moved on): past a 10 s bound.
      await queryRows(url, "UPDATE writer_heartbeat SET beat_at = now() - interval '1 hour'");
      await queryRows(url, "UPDATE writer_heartbeat SET pid = 0");
      assert.equal(await lookAtWriter(sql, 10), null, "the row names no session holding the lock");
      await queryRows(url, `UPDATE writer_heartbeat SET pid = ${seen.pid}`);
      const stale = await lookAtWriter(sql, 10);
      assert.ok(stale && stale.terminated && stale.ageSeconds > 3500, JSON.stringify(stale));
      assert.match(await failure.failed(), /Lost the database connection/);
      await assert.rejects(writer.append([userEvent(1)]));
    } finally {
      await sql.end();
      await writer.close();
    }
  }),
);

Deno.test(
  "PostgresStore: a writer whose heartbeat row names another session stops writing",
  withDatabase(async (url) => {
    const seen = failureSeen();
    const writer = new PostgresStore(url, {
      node: "alpha",
      heartbeatEveryMs: 50,
      onFailure: seen.onFailure,
    });
    await writer.load();
    try {
      await queryRows(url, "UPDATE writer_heartbeat SET pid = 0");
      assert.match(await seen.failed(), /heartbeat names another session/);
      await assert.rejects(writer.append([userEvent(1)]), /heartbeat names another session/);
    } finally {
      await writer.close();
    }
  }),
);

Deno.test(
  "LogFollower: a watching follower says the writer is stale once its heartbeat is past the " +
    "bound, and no longer once the writer's session is ended",
  withDatabase(async (url) => {
    const writer = new PostgresStore(url, { node: "alpha", heartbeatEveryMs: Infinity });
    await writer.load();
    const follower = await LogFollower.start(url, {
      watchWriter: { node: "beta", staleAfterSeconds: 2 },
    });
    try {
      assert.equal(follower.writerStale, false);
      await waitUntil(() => follower.writerStale, "the writer to be seen stale", 10_000);
      await waitUntil(() => !follower.writerStale, "the stale writer to be gone", 10_000);
      await assert.rejects(writer.append([userEvent(1)]));
    } finally {
      await follower.stop();
      await writer.close();
    }
  }),
);
