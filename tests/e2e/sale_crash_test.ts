/**
 * Charge exactly once across crashes: the real server process kills itself (SIGKILL, through
 * the test-only hook `AUCTION_TEST_CRASH_AFTER`) right after each step of a sale, and is
 * restarted on the same data folder. After every kill the gateway's ledger holds at most one
 * charge; after recovery the sale is settled (one charge) or cancelled (none), never charged
 * twice and never charged without being settled.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { CRASH_AFTER_VARIABLE } from "../../server/crash_hook.ts";
import { FileStore } from "../../server/store/file_store.ts";
import { LEDGER_FILE, type LedgerRecord } from "../../server/sale/payment_ledger.ts";
import { recover } from "../../server/store/recovery.ts";
import { SALE_STEPS, type SaleStep } from "../../server/sale/steps.ts";
import type { Sale } from "../../auction/state.ts";
import { answerEveryInformReq, seedPendingSale } from "../_support/pending_sale.ts";
import { startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

const BUYER_CARD = "4111 1111 1111 1111";
const SELLER_CARD = "5555-5555-5555-4444";

/** A data folder holding a closed auction whose sale is pending (the server never ran it). */
async function pendingSale(buyer: TcpPeer, seller: TcpPeer): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "auction-sale-crash-" });
  await seedPendingSale(new FileStore(dataDir), buyer, seller);
  return dataDir;
}

/** The gateway's ledger on disk, and the sale as recovery sees it. */
type Charge = Extract<LedgerRecord, { status: "settled" }>;

async function onDisk(dataDir: string): Promise<{ charges: Charge[]; sale: Sale }> {
  const text = await Deno.readTextFile(join(dataDir, LEDGER_FILE)).catch(() => "");
  const records = text.split("\n").filter((line) => line.endsWith("}")).map((line) =>
    JSON.parse(line) as LedgerRecord
  );
  const { state } = await recover(dataDir, { readOnly: true });
  return {
    charges: records.filter((record): record is Charge => record.status === "settled"),
    sale: state.sales[1]!,
  };
}

/** Runs the server until it kills itself after `step`; checks the disk at the kill. */
async function crashAfter(step: SaleStep, dataDir: string): Promise<void> {
  const server = await startServerProcess({
    dataDir,
    args: ["--inform-timeout", "5"],
    env: { [CRASH_AFTER_VARIABLE]: step },
  });
  const status = await server.process.status;
  await server.stop();
  assert.ok(
    status.signal === "SIGKILL" || status.code === 137,
    `killed after ${step}: ${status.code}`,
  );
  const { charges, sale } = await onDisk(dataDir);
  assert.ok(charges.length <= 1, `at most one charge after a kill at ${step}`);
  if (sale.status === "settled") assert.equal(charges.length, 1, "settled means charged");
}

Deno.test("a SIGKILL after any step of a sale never charges twice, and recovery settles it", async (t) => {
  for (const step of SALE_STEPS) {
    await t.step(step, async () => {
      const buyer = new TcpPeer();
      const seller = new TcpPeer();
      answerEveryInformReq(buyer, '"Bea Smith"', BUYER_CARD);
      answerEveryInformReq(seller, "sam", SELLER_CARD);
      const dataDir = await pendingSale(buyer, seller);
      try {
        await crashAfter(step, dataDir);
        const server = await startServerProcess({ dataDir, args: ["--inform-timeout", "5"] });
        try {
          await buyer.waitForLine(/^PAID \d+ Kite 25\.00 1111$/, 15_000);
          await seller.waitForLine(/^Shipping_Info \d+ "Bea Smith" 1 Main St$/, 15_000);
          for (const connection of seller.connections) {
            try {
              connection.close();
            } catch {
              // Closed already.
            }
          }
          await buyer.waitForEof();
        } finally {
          await server.stop();
        }
        const { charges, sale } = await onDisk(dataDir);
        assert.equal(sale.status, "settled", `settled after a kill at ${step}`);
        assert.deepEqual(charges.map((charge) => [charge.key, charge.chargedCents]), [[
          "sale-1",
          2500,
        ]]);
        for (const secret of ["4111111111111111", BUYER_CARD, SELLER_CARD, "5555555555554444"]) {
          assert.ok(!server.output().includes(secret), "no card in the log");
        }
      } finally {
        await Promise.all([buyer.close(), seller.close()]);
        await Deno.remove(dataDir, { recursive: true });
      }
    });
  }
});

Deno.test("a kill right after the charge settles the sale from the ledger even if both parties are gone", async () => {
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  answerEveryInformReq(buyer, '"Bea Smith"', BUYER_CARD);
  answerEveryInformReq(seller, "sam", SELLER_CARD);
  const dataDir = await pendingSale(buyer, seller);
  try {
    await crashAfter("charged", dataDir);
    await Promise.all([buyer.close(), seller.close()]);
    const server = await startServerProcess({ dataDir, args: ["--inform-timeout", "2"] });
    try {
      await waitUntil(
        () => /Sale of item 1 settled/.test(server.output()),
        "settled from the ledger",
        15_000,
      );
    } finally {
      await server.stop();
    }
    const { charges, sale } = await onDisk(dataDir);
    assert.equal(sale.status, "settled", "charged, so settled, though nobody answered again");
    assert.equal(charges.length, 1);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a kill between the intent and the charge, parties gone: cancelled, never charged", async () => {
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  answerEveryInformReq(buyer, '"Bea Smith"', BUYER_CARD);
  answerEveryInformReq(seller, "sam", SELLER_CARD);
  const dataDir = await pendingSale(buyer, seller);
  try {
    await crashAfter("payment_started", dataDir);
    await Promise.all([buyer.close(), seller.close()]);
    const server = await startServerProcess({ dataDir, args: ["--inform-timeout", "2"] });
    try {
      await waitUntil(() => /Sale of item 1 cancelled/.test(server.output()), "cancelled", 15_000);
    } finally {
      await server.stop();
    }
    const { charges, sale } = await onDisk(dataDir);
    assert.equal(sale.status, "cancelled");
    assert.equal(charges.length, 0);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
