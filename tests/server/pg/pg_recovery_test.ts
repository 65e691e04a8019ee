/**
 * Recovery from PostgreSQL (`server/pg/recovery.ts`) while the writer goes on committing: the
 * snapshot and the batches after it are read from one view of the database.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { emptyState } from "../../../auction/state.ts";
import { recoverState } from "../../../server/pg/recovery.ts";
import { ensureSchema } from "../../../server/pg/schema.ts";
import { serializeSnapshot } from "../../../server/store/snapshot.ts";
import { startTestPostgres } from "../../_support/postgres.ts";

const server = await startTestPostgres();

Deno.test(
  "recoverState() reads the snapshot and the batches after it from one view, though the " +
    "writer commits two snapshots and deletes those batches between the two reads",
  async () => {
    const url = await server.createDatabase();
    const writer = postgres(url, { max: 1, onnotice: () => {} });
    const recovering = postgres(url, { max: 1, onnotice: () => {} });
    const watcher = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await ensureSchema(writer);
      const snapshot = (coversSeq: number) => serializeSnapshot(emptyState(), coversSeq, 0);
      await writer`INSERT INTO auction_snapshots (covers_seq, node, snapshot)
        VALUES (1, 'alpha', ${snapshot(1)}::text::json)`;
      for (const seq of [1, 2, 3, 4]) {
        await writer`INSERT INTO auction_log (seq, node, events) VALUES (${seq}, 'alpha', '[]')`;
      }
      // The writer's next commits: snapshots covering 3 and 4, the older rows deleted. The lock
      // holds the read of the log back until they are committed (taken before its snapshot).
      const committed = writer.begin(async (transaction) => {
        await transaction`LOCK TABLE auction_log IN ACCESS EXCLUSIVE MODE`;
        const recovery = recoverState(recovering);
        recovery.catch(() => {}); // Awaited below, after the commit.
        const deadline = Date.now() + 15_000;
        while (true) {
          const [row] = await watcher`SELECT count(*)::int AS n FROM pg_locks
            WHERE NOT granted AND relation = 'auction_log'::regclass`;
          if (row!.n > 0) break;
          assert.ok(Date.now() < deadline, "the recovery never waited to read the log");
        }
        await transaction`INSERT INTO auction_snapshots (covers_seq, node, snapshot)
          VALUES (3, 'alpha', ${snapshot(3)}::text::json), (4, 'alpha', ${
          snapshot(4)
        }::text::json)`;
        await transaction`DELETE FROM auction_snapshots WHERE covers_seq < 3`;
        await transaction`DELETE FROM auction_log WHERE seq <= 3`;
        // Wrapped: a promise returned here would be awaited before the commit.
        return { recovery };
      });
      const recovered = await (await committed).recovery;
      assert.deepEqual([recovered.coversSeq, recovered.lastSeq], [1, 4]);
      const again = await recoverState(recovering);
      assert.deepEqual([again.coversSeq, again.lastSeq], [4, 4]);
    } finally {
      await Promise.all([writer.end(), recovering.end(), watcher.end()]);
    }
    await server.dropDatabase(url);
  },
);
