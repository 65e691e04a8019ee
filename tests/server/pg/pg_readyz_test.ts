/**
 * `/readyz` of a server on PostgreSQL means the database answers: with the backend of the
 * writer's connection stopped (SIGSTOP), the ping on that connection gets no answer within its
 * second and `/readyz` says so; resumed, it is ready again.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import { startServer } from "../../../server/server.ts";
import { startTestPostgres } from "../../_support/postgres.ts";

const server = await startTestPostgres();

/** The process id of the backend serving node `node`'s writer connection. */
async function writerBackend(url: string, node: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`
      SELECT pid FROM pg_stat_activity WHERE application_name = ${`auction ${node}`}
      ORDER BY backend_start LIMIT 1`;
    assert.ok(row, `no connection of node ${node}`);
    return Number(row.pid);
  } finally {
    await sql.end();
  }
}

Deno.test("/readyz of a node on PostgreSQL is ready only while the database answers", async () => {
  const url = await server.createDatabase();
  const store = new PostgresStore(url, { lockWaitMs: 0, node: "ready1" });
  const auction = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    httpPort: 0,
    store,
  });
  const readyz = async () => {
    const response = await fetch(`${auction.http!.url}readyz`);
    return { status: response.status, body: await response.json() };
  };
  /** Asks `/readyz` until it answers `status` (each answer is an event; 20 s safety net). */
  const readyzUntil = async (status: number) => {
    const deadline = Date.now() + 20_000;
    while (true) {
      const answer = await readyz();
      if (answer.status === status) return answer;
      assert.ok(
        Date.now() < deadline,
        `/readyz never answered ${status}: ${JSON.stringify(answer)}`,
      );
    }
  };
  let stopped: number | undefined;
  try {
    assert.deepEqual(await readyz(), { status: 200, body: { status: "ready" } });
    stopped = await writerBackend(url, "ready1");
    Deno.kill(stopped, "SIGSTOP");
    // The database is pinged at most every 2 s: the first ping after the stop sees it.
    const answer = await readyzUntil(503);
    assert.deepEqual(answer.body, { status: "not ready", reason: "The database does not answer" });
    Deno.kill(stopped, "SIGCONT");
    stopped = undefined;
    await readyzUntil(200);
  } finally {
    if (stopped !== undefined) Deno.kill(stopped, "SIGCONT");
    await auction.close();
    await server.dropDatabase(url);
  }
});
