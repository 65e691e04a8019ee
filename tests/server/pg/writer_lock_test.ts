/**
 * The writer lock across lost sessions (`server/pg/writer_lock.ts`, `postgres_store.ts`): a
 * standby whose lock wait loses its session reconnects and waits again; a node given the lock
 * whose session is lost before it serves stops instead of writing without the lock.
 * @module
 */

import assert from "node:assert/strict";
import { applyEvent } from "../../../auction/apply.ts";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import {
  queryRows,
  standbyWaiting,
  startTestPostgres,
  withDatabase as withTestDatabase,
} from "../../_support/postgres.ts";
import { userEvent } from "../store/_store_contract.ts";

const server = await startTestPostgres();
const withDatabase = (body: (url: string) => Promise<void>) => withTestDatabase(server, body);

/** The backend pid waiting for an advisory lock at `url`, once it is not `except`. */
async function waitingPid(url: string, except = 0): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const [row] = await queryRows(
      url,
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid <> ${except}`,
    );
    if (row) return Number(row.pid);
  }
  throw new Error("No standby waited for the writer lock");
}

Deno.test(
  "PostgresStore: a standby whose lock wait loses its session reconnects, holds its name " +
    "again, and takes over when the writer stops",
  withDatabase(async (url) => {
    const writer = new PostgresStore(url, { node: "alpha" });
    const state = await writer.load();
    const standby = new PostgresStore(url, { node: "beta" });
    const loading = standby.load();
    try {
      await standbyWaiting(url);
      const before = await waitingPid(url);
      await queryRows(url, `SELECT pg_terminate_backend(${before}, 5000)`);
      await waitingPid(url, before);
      await assert.rejects(
        new PostgresStore(url, { node: "beta", lockWaitMs: 0 }).load(),
        /Cannot start node beta: a node of that name is connected/,
      );
      applyEvent(state, userEvent(1));
      await writer.append([userEvent(1)]);
    } finally {
      await writer.close();
    }
    assert.deepEqual(await loading, state);
    await standby.close();
  }),
);

Deno.test(
  "PostgresStore: a node whose session is lost once it is given the writer lock fails and " +
    "writes nothing, rather than serving without the lock",
  withDatabase(async (url) => {
    const writer = new PostgresStore(url, { node: "alpha" });
    await writer.load();
    const failed = Promise.withResolvers<unknown>();
    const standby = new PostgresStore(url, {
      node: "beta",
      onFailure: failed.resolve,
      // The session given the lock ends before the node serves (the driver would reconnect).
      onWriterLock: async (pid) =>
        void await queryRows(url, `SELECT pg_terminate_backend(${pid}, 5000)`),
    });
    const loading = standby.load();
    await standbyWaiting(url);
    await writer.close();
    await assert.rejects(loading, /Lost the database connection that holds the writer lock/);
    assert.match(String(await failed.promise), /Lost the database connection/);
    await assert.rejects(standby.append([userEvent(1)]));
    await standby.close();
    assert.deepEqual(await queryRows(url, "SELECT seq FROM auction_log WHERE node = 'beta'"), []);
  }),
);
