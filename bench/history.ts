/**
 * Builds big data folders fast for the benchmarks, with the project's own store modules: the
 * events of `auction/events.ts`, applied by `applyEvent` and written as a snapshot
 * (`serializeSnapshot`, `installSnapshot`) or as journal records (`encodeRecords`), exactly as
 * the server would have written them after the same requests.
 * @module
 */

import { join } from "node:path";
import { applyEvent } from "../auction/apply.ts";
import type { AuctionEvent } from "../auction/events.ts";
import { encodeRecords, segmentName } from "../server/store/journal.ts";
import { installSnapshot, serializeSnapshot } from "../server/store/snapshot.ts";
import { emptyState } from "../auction/state.ts";

const DAY_MS = 86_400_000;

/** A seller `name` registered from a made-up address. */
function sellerRegistered(name: string, atMs: number): AuctionEvent {
  return {
    type: "user_registered",
    atMs,
    name,
    role: "seller",
    declaredIp: "127.0.0.1",
    udpPort: 9,
    tcpPort: 9,
    session: { hostname: "127.9.9.9", port: 9 },
  };
}

/**
 * The events of `count` items listed by one seller (names `<prefix>0`, `<prefix>1`, ...): open
 * for a day from `nowMs`, or (with `closed`) listed two days ago, closed a day ago without a
 * bid, and their NON_OFFER delivered, so nothing is left to do for them.
 */
export function* itemEvents(
  count: number,
  options: { nowMs: number; closed: boolean; prefix: string },
): Generator<AuctionEvent> {
  const { nowMs, closed, prefix } = options;
  const listedAtMs = closed ? nowMs - 2 * DAY_MS : nowMs;
  yield sellerRegistered(`${prefix}seller`, listedAtMs);
  for (let index = 0; index < count; index++) {
    const id = index + 1;
    yield {
      type: "item_listed",
      atMs: listedAtMs,
      id,
      name: `${prefix}${index}`,
      description: "an item of the benchmark's history",
      seller: `${prefix}seller`.toLowerCase(),
      startPriceCents: 100,
      durationMs: DAY_MS,
      endsAtMs: listedAtMs + DAY_MS,
    };
    if (!closed) continue;
    const closedAtMs = listedAtMs + DAY_MS;
    const rq = 1000 + 4 * index;
    yield {
      type: "auction_closed",
      atMs: closedAtMs,
      itemId: id,
      rqs: { buyer: rq, seller: rq + 1, buyerInform: rq + 2, sellerInform: rq + 3 },
    };
    yield { type: "seller_notified", atMs: closedAtMs + 10, itemId: id, delivered: true };
  }
  yield { type: "server_rq_leased", upTo: 1000 + 4 * count + 1000 };
}

/**
 * `total` events of a busy server: `users` buyers and one seller with `items` items, then
 * accepted bids (each `bid_placed` with its `request_answered`, as the journal holds them)
 * spread over the items, one cent above the last.
 */
export function* busyEvents(
  total: number,
  options: { nowMs: number; users: number; items: number },
): Generator<AuctionEvent> {
  const { nowMs, users, items } = options;
  let emitted = 0;
  for (const event of itemEvents(items, { nowMs, closed: false, prefix: "busy" })) {
    emitted++;
    yield event;
  }
  for (let user = 0; user < users && emitted < total; user++, emitted++) {
    yield {
      type: "user_registered",
      atMs: nowMs,
      name: `buyer${user}`,
      role: "buyer",
      declaredIp: "127.0.0.1",
      udpPort: 9,
      tcpPort: 9,
      session: { hostname: "127.0.0.1", port: 10_000 + user },
    };
  }
  const prices = new Array<number>(items).fill(100);
  for (let bid = 0; emitted < total; bid++) {
    const item = bid % items;
    const user = bid % users;
    const amountCents = ++prices[item]!;
    yield {
      type: "bid_placed",
      atMs: nowMs + bid,
      itemId: item + 1,
      bidder: `buyer${user}`,
      amountCents,
      endsAtMs: nowMs + DAY_MS,
    };
    emitted++;
    if (emitted >= total) break;
    yield {
      type: "request_answered",
      atMs: nowMs + bid,
      source: `127.0.0.1:${10_000 + user}`,
      rq: 1000 + bid,
      requestDigest: "0123456789abcdef0123456789abcdef",
      reply: `BID_ACCEPTED ${1000 + bid}`,
    };
    emitted++;
  }
}

/**
 * Writes `events` into `dataDir` as one snapshot (`state.json`) covering them all, the way the
 * server's store writes one; returns how many events it holds and how long `serializeSnapshot`
 * took (the part the server does synchronously, on its event loop).
 */
export async function writeSnapshotOf(
  dataDir: string,
  events: Iterable<AuctionEvent>,
  nowMs: number,
): Promise<{ events: number; serializeMs: number }> {
  const state = emptyState();
  let count = 0;
  for (const event of events) {
    applyEvent(state, event);
    count++;
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const startedAt = performance.now();
  const text = serializeSnapshot(state, count, nowMs);
  const serializeMs = performance.now() - startedAt;
  await installSnapshot(dataDir, text);
  return { events: count, serializeMs };
}

/** Writes `events` into `dataDir` as journal records from 1, in one segment; returns the count. */
export async function writeJournalOf(
  dataDir: string,
  events: Iterable<AuctionEvent>,
): Promise<number> {
  await Deno.mkdir(dataDir, { recursive: true });
  const file = await Deno.open(join(dataDir, segmentName(1)), { create: true, write: true });
  let seq = 1;
  let batch: AuctionEvent[] = [];
  try {
    for (const event of events) {
      batch.push(event);
      if (batch.length === 10_000) {
        await writeAll(file, encodeRecords(seq, batch));
        seq += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await writeAll(file, encodeRecords(seq, batch));
    seq += batch.length;
    await file.syncData();
  } finally {
    file.close();
  }
  return seq - 1;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}
