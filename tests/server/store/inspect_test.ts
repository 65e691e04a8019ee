import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { formatReport, inspectDataDir } from "../../../server/store/inspect.ts";
import { JournalWriter } from "../../../server/store/journal_writer.ts";
import { SNAPSHOT_FILE, stateChecksum } from "../../../server/store/snapshot.ts";
import { userEvent } from "./_store_contract.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** A data folder with users, an open item with two bids, and a closed item with a sale. */
async function sampleDataDir(snapshotEveryEvents = 4): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "inspect-test-" });
  const store = new FileStore(dir, { snapshotEveryEvents });
  const state = await store.load();
  const item = (id: number, name: string): AuctionEvent => ({
    type: "item_listed",
    atMs: 10,
    id,
    name,
    description: "d",
    seller: "user1",
    startPriceCents: 100,
    durationMs: 60_000,
    endsAtMs: 60_010,
  });
  const bid = (itemId: number, amountCents: number): AuctionEvent => ({
    type: "bid_placed",
    atMs: 20,
    itemId,
    bidder: "user0",
    amountCents,
    endsAtMs: 60_010,
  });
  const events: AuctionEvent[] = [
    userEvent(0),
    userEvent(1),
    userEvent(2),
    item(1, "Kite"),
    item(2, "Lamp"),
    bid(1, 150),
    bid(1, 200),
    bid(2, 300),
    {
      type: "auction_closed",
      atMs: 70_000,
      itemId: 2,
      rqs: { buyer: 1, seller: 2, buyerInform: 3, sellerInform: 4 },
    },
  ];
  for (const event of events) {
    applyEvent(state, event);
    await store.append([event]);
  }
  await store.idle();
  await store.close();
  return dir;
}

Deno.test("inspectDataDir() counts users, open and closed items, bids and sales", async () => {
  const dir = await sampleDataDir();
  try {
    const report = await inspectDataDir(dir);
    assert.deepEqual(report.counts, {
      users: 3,
      buyers: 2,
      sellers: 1,
      openItems: 1,
      closedItems: 1,
      bids: 3,
      sales: { pending: 1, settled: 0, cancelled: 0, no_offer: 0 },
      archived: { items: 0, sales: 0 },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspectDataDir() with verify replays the journal to the newest snapshot", async () => {
  const dir = await sampleDataDir();
  try {
    const report = await inspectDataDir(dir, { verify: true });
    assert.deepEqual(report.verify?.problems, []);
    assert.ok((report.verify?.checkedRecords ?? 0) > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspectDataDir() with verify reports a snapshot that replay does not give", async () => {
  const dir = await sampleDataDir();
  try {
    const path = join(dir, SNAPSHOT_FILE);
    const snapshot = JSON.parse(await Deno.readTextFile(path));
    snapshot.state.items["1"].currentPriceCents = 999;
    // Its checksum made to match (an edit by someone who knows the format): replay still differs.
    snapshot.checksum = stateChecksum(snapshot.state);
    await Deno.writeTextFile(path, JSON.stringify(snapshot));
    const report = await inspectDataDir(dir, { verify: true });
    assert.equal(report.verify?.problems.length, 1);
    assert.match(report.verify?.problems[0] ?? "", /state\.items\.1\.currentPriceCents is 200/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("inspectDataDir() with verify reports a snapshot whose checksum does not match", async () => {
  const dir = await sampleDataDir();
  try {
    const path = join(dir, SNAPSHOT_FILE);
    const snapshot = JSON.parse(await Deno.readTextFile(path));
    snapshot.state.items["1"].currentPriceCents = 999;
    await Deno.writeTextFile(path, JSON.stringify(snapshot));
    await assert.rejects(() => inspectDataDir(dir), /checksum does not match/);
    const report = await inspectDataDir(dir, { verify: true });
    assert.match(
      report.verify?.problems.join("\n") ?? "",
      /state\.json: its checksum does not match/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task inspect runs with read permission only and exits 1 on a bad CRC", async () => {
  const dir = await sampleDataDir(100);
  const inspect = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "main.ts", "inspect", "--data-dir", dir, ...args],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    const good = await inspect("--verify");
    const text = new TextDecoder().decode(good.stdout);
    assert.equal(good.code, 0, new TextDecoder().decode(good.stderr));
    assert.match(text, /Users: +3 \(2 buyers, 1 seller\)/);
    assert.match(text, /Verify: +OK: 9 record CRCs; replay from an empty state gives state.json/);
    const segment = [...Deno.readDirSync(dir)].map((entry) => entry.name)
      .filter((name) => name.startsWith("journal-")).sort()[0]!;
    const lines = (await Deno.readTextFile(join(dir, segment))).split("\n");
    // The first record (a segment starts with a commit record).
    const first = lines.findIndex((line) => line.includes('"atMs":'));
    lines[first] = lines[first]!.replace('"atMs":', '"atMs":1');
    await Deno.writeTextFile(join(dir, segment), lines.join("\n"));
    const bad = await inspect("--verify");
    assert.equal(bad.code, 1);
    const output = new TextDecoder().decode(bad.stdout) + new TextDecoder().decode(bad.stderr);
    assert.match(output, new RegExp(`${segment} line ${first + 1}: CRC mismatch`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task inspect on a missing data folder says which folder and what to give", async () => {
  const missing = join(await Deno.makeTempDir({ prefix: "inspect-test-" }), "nothing-here");
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "main.ts", "inspect", "--data-dir", missing],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(result.code, 1);
    assert.equal(
      new TextDecoder().decode(result.stderr),
      `error: no data folder at "${missing}": give the server's --data-dir\n`,
    );
  } finally {
    await Deno.remove(join(missing, ".."), { recursive: true });
  }
});

Deno.test("inspect --verify of a folder with no snapshot yet says there is none to replay into", async () => {
  const dir = await Deno.makeTempDir({ prefix: "inspect-test-" });
  try {
    const writer = new JournalWriter(dir);
    for (let i = 0; i < 3; i++) await writer.append([userEvent(i)]);
    await writer.close();
    const report = await inspectDataDir(dir, { verify: true });
    assert.deepEqual(report.verify, { problems: [], checkedRecords: 3, replayedFrom: null });
    assert.match(
      formatReport(report),
      /Verify: +OK: 3 record CRCs; no snapshot yet to replay into$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
