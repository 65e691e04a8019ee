import assert from "node:assert/strict";
import { join } from "node:path";
import { type PaymentCard, SimulatedGateway } from "../../../server/sale/payment.ts";
import {
  FileLedger,
  LedgerCorruptError,
  MemoryLedger,
} from "../../../server/sale/payment_ledger.ts";
import { ledgerContract } from "./_ledger_contract.ts";

ledgerContract("MemoryLedger", () =>
  Promise.resolve({
    open: () => Promise.resolve(new MemoryLedger()),
    dispose: () => Promise.resolve(),
  }), { durable: false });

ledgerContract("FileLedger", async () => {
  const dir = await Deno.makeTempDir({ prefix: "auction-ledger-" });
  return {
    open: () => FileLedger.open(join(dir, "payments.jsonl")),
    dispose: () => Deno.remove(dir, { recursive: true }),
  };
}, { durable: true });

function card(number: string): PaymentCard {
  return { number, expiry: { month: 12, year: 2099 }, holder: "Bea" };
}

function request(key: string, buyer = "4111111111111111") {
  return {
    idempotencyKey: key,
    amountCents: 2500,
    buyerCard: card(buyer),
    sellerCard: card("5555555555554444"),
  };
}

async function withFolder(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "auction-ledger-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the simulated gateway's ledger survives a restart: a repeated key is never charged again", async () => {
  await withFolder(async (dir) => {
    const path = join(dir, "payments.jsonl");
    const first = new SimulatedGateway({ ledger: await FileLedger.open(path) });
    assert.equal((await first.pay(request("sale-1"))).status, "settled");
    assert.equal((await first.pay(request("sale-2", "4000000000000002"))).status, "declined");
    // No close: a crash. The records were synced before pay() answered.
    const second = new SimulatedGateway({ ledger: await FileLedger.open(path) });
    assert.deepEqual(await second.lookup("sale-1"), {
      status: "settled",
      feeCents: 250,
      payoutCents: 2250,
    });
    assert.equal((await second.lookup("sale-2"))?.status, "declined");
    assert.equal(await second.lookup("sale-3"), undefined);
    assert.equal((await second.pay(request("sale-1"))).status, "settled");
    assert.equal(
      second.ledger.length,
      1,
      "one charge for sale-1, even asked twice across a restart",
    );
    const text = await Deno.readTextFile(path);
    assert.equal(text.trim().split("\n").length, 2);
    assert.ok(!text.includes("4111111111111111") && !text.includes("4000000000000002"));
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await Promise.all([first.close(), second.close()]);
  });
});

Deno.test("concurrent pay() calls with one key charge once", async () => {
  const gateway = new SimulatedGateway();
  const results = await Promise.all([
    gateway.pay(request("sale-1")),
    gateway.pay(request("sale-1")),
  ]);
  assert.deepEqual(results[0], results[1]);
  assert.equal(gateway.ledger.length, 1);
});

Deno.test("a torn last ledger line is dropped with the file truncated; damage before it refuses", async () => {
  await withFolder(async (dir) => {
    const path = join(dir, "payments.jsonl");
    const good = JSON.stringify({ key: "sale-1", status: "declined", reason: "x", atMs: 1 });
    await Deno.writeTextFile(path, `${good}\n{"key":"sale-2","sta`);
    const ledger = await FileLedger.open(path);
    assert.equal(ledger.records().length, 1);
    await ledger.close();
    assert.equal(await Deno.readTextFile(path), `${good}\n`);

    await Deno.writeTextFile(path, `{"key":"sale-1","sta\n${good}\n`);
    await assert.rejects(() => FileLedger.open(path), (error) => {
      assert.ok(error instanceof LedgerCorruptError);
      assert.match(error.message, /payments\.jsonl line 1: not JSON; refusing to start/);
      return true;
    });
  });
});
