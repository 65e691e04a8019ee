/**
 * The archive of closed auctions in PostgreSQL: a server on a PostgresStore archives into the
 * `auction_archive` table (not memory, not a data folder), and an auction archived twice (a crash
 * between the archive and the `items_archived` event) keeps one row, the last.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { PostgresArchive, readDatabaseArchive } from "../../../server/pg/pg_archive.ts";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import { formatDatabaseReport, inspectDatabase } from "../../../server/pg/inspect_database.ts";
import { countState } from "../../../server/store/inspect.ts";
import { startServer } from "../../../server/server.ts";
import { seedClosedAuction } from "../../_support/closed_auction.ts";
import { startTestPostgres } from "../../_support/postgres.ts";
import { waitUntil } from "../../_support/wait.ts";
import { readDatabaseState } from "../../../server/pg/recovery.ts";

const server = await startTestPostgres();

/** Every archived record in the database at `url`. */
async function archived(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await readDatabaseArchive(sql);
  } finally {
    await sql.end();
  }
}

Deno.test("a server on PostgreSQL archives closed auctions into auction_archive", async () => {
  const url = await server.createDatabase();
  try {
    const store = new PostgresStore(url, { lockWaitMs: 0 });
    const auction = await startServer({
      hostname: "127.0.0.1",
      udpPort: 0,
      tcpPort: 0,
      store,
      config: { retentionSeconds: 1 },
    });
    try {
      await seedClosedAuction(auction.core, Date.now() - 10_000);
      await waitUntil(() => auction.core.state.items[1] === undefined, "archived");
    } finally {
      await auction.close();
    }
    const records = await archived(url);
    assert.deepEqual(records.map((record) => [record.item.id, record.item.name]), [[1, "Kite"]]);
    assert.equal(records[0]!.sale?.status, "no_offer");
    const recovered = await readDatabaseState(url);
    assert.deepEqual(countState(recovered).archived, { items: 1, sales: 1 });
    const report = await inspectDatabase(url);
    assert.equal(report.archivedRows, 1);
    assert.match(formatDatabaseReport(report), /auction_archive 1 row/);
  } finally {
    await server.dropDatabase(url);
  }
});

Deno.test("an auction archived again replaces its row: one per item id, the last", async () => {
  const url = await server.createDatabase();
  const store = new PostgresStore(url, { lockWaitMs: 0 });
  try {
    await store.load();
    const archive = new PostgresArchive(store);
    const item = (id: number, name: string) =>
      ({
        id,
        name,
        description: "d",
        seller: "sam",
        sellerName: "sam",
        startPriceCents: 100,
        priceCents: 100,
        bids: 0,
        listedAtMs: 0,
        endsAtMs: 1,
        status: "closed",
      }) as unknown as Parameters<PostgresArchive["append"]>[0][number]["item"];
    await archive.append([
      { archivedAtMs: 5, item: item(1, "Kite") },
      { archivedAtMs: 5, item: item(2, "Lamp") },
    ]);
    await archive.append([{ archivedAtMs: 9, item: item(1, "Kite") }]);
    await archive.append([]);
    const records = await archived(url);
    assert.deepEqual(records.map((record) => [record.item.id, record.archivedAtMs]), [
      [2, 5],
      [1, 9],
    ]);
  } finally {
    await store.close();
    await server.dropDatabase(url);
  }
});
