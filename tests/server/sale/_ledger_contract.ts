/**
 * The contract every {@linkcode PaymentLedger} keeps, as one suite run against each
 * implementation: memory and file (`payment_ledger_test.ts`), PostgreSQL (`pg/pg_ledger_test.ts`).
 * @module
 */

import assert from "node:assert/strict";
import { type PaymentCard, SimulatedGateway } from "../../../server/sale/payment.ts";
import type { LedgerRecord, PaymentLedger } from "../../../server/sale/payment_ledger.ts";

/** Opens ledgers over one backing; each `open()` is a restart (or a takeover). */
export interface LedgerBacking {
  /** A new ledger over the backing; the one before it is closed first. */
  open(): Promise<PaymentLedger>;
  /** Frees the backing. */
  dispose(): Promise<void>;
}

/** Options of {@linkcode ledgerContract}. */
export interface LedgerContractOptions {
  /** Whether a record outlives the ledger (a file, a table); not in memory. */
  durable: boolean;
}

/** A charge of 25.00 for `key`, made at `atMs`. */
export function charge(key: string, atMs = 1): LedgerRecord {
  return {
    key,
    status: "settled",
    chargedCents: 2500,
    feeCents: 250,
    payoutCents: 2250,
    buyerCardLast4: "1111",
    sellerCardLast4: "4444",
    atMs,
  };
}

function card(number: string): PaymentCard {
  return { number, expiry: { month: 12, year: 2099 }, holder: "Bea" };
}

/** Registers the contract tests for the ledgers `makeBacking` gives. */
export function ledgerContract(
  label: string,
  makeBacking: () => Promise<LedgerBacking>,
  options: LedgerContractOptions,
): void {
  const withLedger =
    (body: (ledger: PaymentLedger, backing: LedgerBacking) => Promise<void>) => async () => {
      const backing = await makeBacking();
      try {
        const ledger = await backing.open();
        try {
          await body(ledger, backing);
        } finally {
          await ledger.close();
        }
      } finally {
        await backing.dispose();
      }
    };

  Deno.test(
    `${label}: starts empty, keeps records in order, answers get`,
    withLedger(async (ledger) => {
      assert.equal(ledger.get("sale-1"), undefined);
      assert.deepEqual(ledger.records(), []);
      const declined: LedgerRecord = { key: "sale-2", status: "declined", reason: "no", atMs: 2 };
      assert.deepEqual(await ledger.append(charge("sale-1")), charge("sale-1"));
      assert.deepEqual(await ledger.append(declined), declined);
      assert.deepEqual(ledger.get("sale-1"), charge("sale-1"));
      assert.deepEqual(ledger.get("sale-2"), declined);
      assert.deepEqual(ledger.records(), [charge("sale-1"), declined]);
    }),
  );

  Deno.test(
    `${label}: a repeated key answers the first record and keeps one`,
    withLedger(async (ledger) => {
      await ledger.append(charge("sale-1", 1));
      assert.deepEqual(await ledger.append(charge("sale-1", 99)), charge("sale-1", 1));
      assert.deepEqual(ledger.records(), [charge("sale-1", 1)]);
    }),
  );

  Deno.test(
    `${label}: two concurrent appends of a key both answer the first one`,
    withLedger(async (ledger) => {
      const answers = await Promise.all([
        ledger.append(charge("sale-1", 1)),
        ledger.append(charge("sale-1", 2)),
      ]);
      assert.deepEqual(answers, [charge("sale-1", 1), charge("sale-1", 1)]);
      assert.deepEqual(ledger.records(), [charge("sale-1", 1)]);
    }),
  );

  Deno.test(
    `${label}: the simulated gateway over it charges a key once`,
    withLedger(async (ledger) => {
      const gateway = new SimulatedGateway({ ledger });
      const request = {
        idempotencyKey: "sale-1",
        amountCents: 2500,
        buyerCard: card("4111111111111111"),
        sellerCard: card("5555555555554444"),
      };
      const results = await Promise.all([gateway.pay(request), gateway.pay(request)]);
      assert.deepEqual(results, [
        { status: "settled", feeCents: 250, payoutCents: 2250 },
        { status: "settled", feeCents: 250, payoutCents: 2250 },
      ]);
      assert.equal((await gateway.pay(request)).status, "settled");
      assert.equal(gateway.ledger.length, 1);
      assert.ok(!JSON.stringify(ledger.records()).includes("4111111111111111"));
    }),
  );

  if (options.durable) {
    Deno.test(
      `${label}: records outlive the ledger, and a repeat after a restart keeps the first`,
      withLedger(async (first, backing) => {
        await first.append(charge("sale-1", 1));
        await first.close();
        const second = await backing.open();
        try {
          assert.deepEqual(second.get("sale-1"), charge("sale-1", 1));
          assert.deepEqual(await second.append(charge("sale-1", 7)), charge("sale-1", 1));
          assert.deepEqual(second.records(), [charge("sale-1", 1)]);
        } finally {
          await second.close();
        }
      }),
    );
  }
}
