/**
 * Charge exactly once across a crash on PostgreSQL: the real server process, with
 * `DATABASE_URL`, kills itself (SIGKILL, through the test-only hook `AUCTION_TEST_CRASH_AFTER`)
 * right after the simulated gateway charged, before `sale_settled`; the next node on the same
 * database finds the charge in the `payment_ledger` table and settles without charging again.
 * PostgreSQL is started for this file (`tests/_support/postgres.ts`).
 * @module
 */

import assert from "node:assert/strict";
import postgresClient from "postgres";
import type { Sale } from "../../auction/state.ts";
import { PostgresStore } from "../../server/pg/postgres_store.ts";
import { readDatabaseState } from "../../server/pg/recovery.ts";
import { CRASH_AFTER_VARIABLE } from "../../server/crash_hook.ts";
import type { LedgerRecord } from "../../server/sale/payment_ledger.ts";
import { startTestPostgres } from "../_support/postgres.ts";
import { answerEveryInformReq, seedPendingSale } from "../_support/pending_sale.ts";
import { startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

const postgres = await startTestPostgres();
const BUYER_CARD = "4111 1111 1111 1111";
const SELLER_CARD = "5555-5555-5555-4444";

/** A new database holding a closed auction whose sale is pending (no server ran it). */
async function pendingSale(buyer: TcpPeer, seller: TcpPeer): Promise<string> {
  const url = await postgres.createDatabase();
  await seedPendingSale(new PostgresStore(url, { lockWaitMs: 0 }), buyer, seller);
  return url;
}

/** The charges in the database's ledger, and the sale as the log has it. */
async function inDatabase(url: string): Promise<{ charges: LedgerRecord[]; sale: Sale }> {
  const sql = postgresClient(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT record::text AS json FROM payment_ledger`;
    const records = rows.map((row) => JSON.parse(row.json) as LedgerRecord);
    const state = await readDatabaseState(url);
    return {
      charges: records.filter((record) => record.status === "settled"),
      sale: state.sales[1]!,
    };
  } finally {
    await sql.end();
  }
}

/** Runs a node on `url` until it kills itself right after the charge; checks the database. */
async function crashAfterCharge(url: string): Promise<void> {
  const server = await startServerProcess({
    args: ["--inform-timeout", "5", "--no-http"],
    env: { DATABASE_URL: url, [CRASH_AFTER_VARIABLE]: "charged" },
  });
  const status = await server.process.status;
  await server.stop();
  assert.ok(status.signal === "SIGKILL" || status.code === 137, `killed: ${status.code}`);
  const { charges, sale } = await inDatabase(url);
  assert.deepEqual(charges.map((charge) => charge.key), ["sale-1"], "charged once, in the table");
  assert.notEqual(sale.status, "settled", "killed before sale_settled");
}

Deno.test("PostgreSQL: a kill right after the charge, then a restart: settled, charged once", async () => {
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  answerEveryInformReq(buyer, '"Bea Smith"', BUYER_CARD);
  answerEveryInformReq(seller, "sam", SELLER_CARD);
  const url = await pendingSale(buyer, seller);
  try {
    await crashAfterCharge(url);
    const server = await startServerProcess({
      args: ["--inform-timeout", "5", "--no-http"],
      env: { DATABASE_URL: url },
    });
    try {
      await buyer.waitForLine(/^PAID \d+ Kite 25\.00 1111$/, 15_000);
      await seller.waitForLine(/^Shipping_Info \d+ "Bea Smith" 1 Main St$/, 15_000);
      await waitUntil(() => /Sale of item 1 settled/.test(server.output()), "settled", 15_000);
    } finally {
      await server.stop();
    }
    const { charges, sale } = await inDatabase(url);
    assert.equal(sale.status, "settled");
    assert.deepEqual(charges.map((charge) => [charge.key, charge.status]), [["sale-1", "settled"]]);
    for (const secret of ["4111111111111111", BUYER_CARD, SELLER_CARD, "5555555555554444"]) {
      assert.ok(!server.output().includes(secret), "no card in the log");
    }
  } finally {
    await Promise.all([buyer.close(), seller.close()]);
    await postgres.dropDatabase(url);
  }
});

Deno.test("PostgreSQL: a kill right after the charge, parties gone: the next node settles from the table", async () => {
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  answerEveryInformReq(buyer, '"Bea Smith"', BUYER_CARD);
  answerEveryInformReq(seller, "sam", SELLER_CARD);
  const url = await pendingSale(buyer, seller);
  try {
    await crashAfterCharge(url);
    await Promise.all([buyer.close(), seller.close()]);
    const server = await startServerProcess({
      args: ["--inform-timeout", "2", "--no-http"],
      env: { DATABASE_URL: url },
    });
    try {
      await waitUntil(
        () => /Sale of item 1 settled/.test(server.output()),
        "settled from the ledger",
        15_000,
      );
    } finally {
      await server.stop();
    }
    const { charges, sale } = await inDatabase(url);
    assert.equal(sale.status, "settled", "charged, so settled, though nobody answered again");
    assert.equal(charges.length, 1);
  } finally {
    await postgres.dropDatabase(url);
  }
});
