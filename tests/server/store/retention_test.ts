import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import { Archive, ARCHIVE_FILE, readArchive } from "../../../server/store/archive.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { countState, formatReport, inspectDataDir } from "../../../server/store/inspect.ts";
import { Retention } from "../../../server/store/retention.ts";
import { emptyState } from "../../../auction/state.ts";
import type { MemoryStore } from "../../../server/store/store.ts";
import { ANN, createAuctionHarness, SAM } from "../../_support/auction_fixture.ts";
import { pure } from "../../_support/pure.ts";
import { startServer } from "../../../server/server.ts";
import { seedClosedAuction } from "../../_support/closed_auction.ts";

const DAY_MS = 86_400_000;

/** Kite (no bid, NON_OFFER delivered), Lamp (sold, sale still pending), with `retentionSeconds`. */
async function twoClosedAuctions(retentionSeconds: number) {
  const harness = await createAuctionHarness({ config: { retentionSeconds } });
  assert.equal(await harness.request("LIST_ITEM 1 Kite it_flies 20 60", SAM), "ITEM_LISTED 1");
  assert.equal(await harness.request("LIST_ITEM 2 Lamp it_glows 20 60", SAM), "ITEM_LISTED 2");
  assert.equal(await harness.request("BID 3 Lamp 25", ANN), "BID_ACCEPTED 3");
  await harness.advance(60_000);
  await harness.core.run((transaction) => {
    transaction.emit({
      type: "seller_notified",
      atMs: transaction.nowMs,
      itemId: 1,
      delivered: true,
    });
  });
  return { harness, journal: (harness.store as MemoryStore).events };
}

Deno.test(
  "a closed item with a finished sale leaves the live state after the retention, archived first",
  pure,
  async () => {
    const { harness, journal } = await twoClosedAuctions(DAY_MS / 1000);
    const archive = Archive.inMemory();
    const order: string[] = [];
    const append = archive.append.bind(archive);
    archive.append = (records) => {
      order.push(`archive ${records.map((record) => record.item.id)}`);
      return append(records);
    };
    const retention = new Retention(harness.core, { archive, intervalMs: 3_600_000 });
    harness.core.onEvent((event) => order.push(`event ${event.type}`));
    retention.start();

    await harness.advance(DAY_MS - 3_600_000);
    await retention.stop();
    assert.ok(harness.core.state.items[1], "kept until its retention has passed");
    assert.deepEqual(order, []);

    retention.start();
    await harness.advance(3_600_000);
    await retention.stop();
    const state = harness.core.state;
    assert.equal(state.items[1], undefined);
    assert.equal(state.sales[1], undefined);
    assert.equal(state.items[2]?.status, "closed", "a sale still pending stays");
    assert.equal(state.sales[2]?.status, "pending");
    assert.deepEqual(state.archived, { items: 1, sales: 1 });
    assert.deepEqual(order, ["archive 1", "event items_archived"], "archived before journaled");
    assert.equal(archive.records.length, 1);
    assert.equal(archive.records[0]!.item.name, "Kite");
    assert.equal(archive.records[0]!.sale?.status, "no_offer");
    assert.equal(countState(state).closedItems, 1);
    assert.deepEqual(countState(state).archived, { items: 1, sales: 1 });
    assert.equal(await harness.request("BID 4 Kite 30", ANN), "BID_REJECTED 4 Item not found");
    assert.equal(await harness.request("BID 5 Lamp 30", ANN), "BID_REJECTED 5 Auction closed");

    const replayed = emptyState();
    for (const event of journal as AuctionEvent[]) applyEvent(replayed, event);
    assert.deepEqual(replayed, state, "recovery agrees with the live state");
  },
);

Deno.test("a retention of 0 keeps closed auctions forever", pure, async () => {
  const { harness } = await twoClosedAuctions(0);
  const archive = Archive.inMemory();
  const retention = new Retention(harness.core, { archive, intervalMs: 1000 });
  retention.start();
  await harness.advance(365 * DAY_MS);
  assert.equal(await retention.sweep(), 0);
  await retention.stop();
  assert.ok(harness.core.state.items[1]);
  assert.deepEqual(archive.records, []);
});

Deno.test(
  "one sweep archives at most maxPerSweep auctions; the next takes the rest",
  pure,
  async () => {
    const harness = await createAuctionHarness({ config: { retentionSeconds: 1 } });
    for (const [rq, name] of ["Kite", "Lamp", "Pen"].entries()) {
      await harness.request(`LIST_ITEM ${rq + 1} ${name} d 20 60`, SAM);
    }
    await harness.advance(60_000);
    await harness.core.run((transaction) => {
      for (const itemId of [1, 2, 3]) {
        transaction.emit({
          type: "seller_notified",
          atMs: transaction.nowMs,
          itemId,
          delivered: true,
        });
      }
    });
    harness.clock.advance(1000);
    const archive = Archive.inMemory();
    const retention = new Retention(harness.core, { archive, maxPerSweep: 2 });
    assert.equal(await retention.sweep(), 2);
    assert.equal(await retention.sweep(), 1);
    assert.equal(await retention.sweep(), 0);
    assert.deepEqual(archive.records.map((record) => record.item.name).sort(), [
      "Kite",
      "Lamp",
      "Pen",
    ]);
    assert.deepEqual(harness.core.state.items, {});
  },
);

Deno.test("the archive file is private, one JSON line per auction, synced before the event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "retention-test-" });
  try {
    const path = join(dir, ARCHIVE_FILE);
    const archive = Archive.atPath(path);
    const { harness } = await twoClosedAuctions(1);
    const item = harness.core.state.items[1]!;
    await archive.append([{ archivedAtMs: 5, item, sale: harness.core.state.sales[1] }]);
    await archive.append([{ archivedAtMs: 6, item }]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const records = await readArchive(path);
    assert.deepEqual(records.map((record) => [record.archivedAtMs, record.item.name]), [
      [5, "Kite"],
      [6, "Kite"],
    ]);
    assert.deepEqual(records[0]!.sale, harness.core.state.sales[1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the server archives into its data folder and inspect still counts what left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "retention-server-test-" });
  try {
    const server = await startServer({
      hostname: "127.0.0.1",
      udpPort: 0,
      tcpPort: 0,
      dataDir: dir,
      config: { retentionSeconds: 1 },
    });
    await seedClosedAuction(server.core, Date.now() - 10_000);
    const deadline = Date.now() + 10_000;
    while (server.core.state.items[1] && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(server.core.state.items[1], undefined, "archived within the sweep interval");
    await server.close();
    const records = await readArchive(join(dir, ARCHIVE_FILE));
    assert.deepEqual(records.map((record) => record.item.name), ["Kite"]);
    const report = await inspectDataDir(dir, { verify: true });
    assert.deepEqual(report.counts.archived, { items: 1, sales: 1 });
    assert.equal(report.counts.closedItems, 0);
    assert.deepEqual(report.verify?.problems, []);
    assert.match(formatReport(report), /Archived: +1 closed item, 1 sale/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
