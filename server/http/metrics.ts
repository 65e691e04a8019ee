/**
 * The server's Prometheus metrics, through `prom-client`. The hot path only bumps plain
 * numbers (a request's type and outcome, a pushed datagram); prom-client reads them when
 * `/metrics` is scraped. Journal batches are observed once per fsync, not per request, and
 * handed to the histograms in groups (at the latest at the next scrape).
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CommittedBatch, Outbox } from "../core.ts";
import type { RequestOutcome } from "../net/dispatcher.ts";
import type { WrittenBatch } from "../store/journal_writer.ts";

/** What the metrics read from the live server at scrape time. */
export interface MetricsView {
  /** Open auctions now. */
  openAuctions(): number;
  /** Addresses that are a user's session now. */
  sessions(): number;
  /** Board (SSE) clients connected now. */
  streamClients(): number;
  /** Pushes waiting for room in the UDP socket now (`server/net/push_queue.ts`). @default 0 */
  pushesWaiting?(): number;
  /** UDP datagrams dropped on receipt and UDP sends that failed, so far. @default none */
  datagrams?(): { unanswerable: number; sendFailed: number };
  /** On a node of several: what its cluster side counts (docs/scale-out.md). */
  cluster?: ClusterMetricsView;
}

/** What a node of several serving one database counts, read at scrape time. */
export interface ClusterMetricsView {
  /** Whether this node is the writer now. */
  writer(): boolean;
  /** Datagrams this node forwarded to the writer while following. */
  forwarded(): number;
  /** Forwarded requests dropped as too old (a stalled link): at the follower or the writer. */
  expiredRequests(): number;
  /** Pushes the writer sent to this node's clients through it (from its socket). */
  pushedForWriter(): number;
  /** Batches committed that this node has heard of and not applied yet (0 on the writer). */
  lagBatches(): number;
  /** Seconds since this node's last read of the log succeeded (0 on the writer). */
  logReadAgeSeconds(): number;
}

/** How often the event-loop lag is sampled. */
const LAG_SAMPLE_MS = 500;
/**
 * Group commits kept before the histograms observe them all at once (and at every scrape):
 * prom-client's `observe` makes objects and a label hash each call, and at one request in
 * flight every bid is a group commit of its own.
 */
const PENDING_BATCHES = 64;

/** The registry and the counters the server bumps. */
export class ServerMetrics {
  /** The Prometheus registry `/metrics` serves. */
  readonly registry = new Registry();
  /** Requests by type, then outcome. */
  readonly #requests = new Map<string, Map<RequestOutcome, number>>();
  #pushed = 0;
  #syncsOnThread = 0;
  #syncsByHelper = 0;
  #bids = 0;
  #streamDrops = 0;
  readonly #sales = { sold: 0, no_offer: 0, cancelled: 0 };
  #lagSeconds = 0;
  readonly #fsync: Histogram;
  readonly #batchRecords: Histogram;
  readonly #lag: Histogram;
  readonly #lagTimer: ReturnType<typeof setInterval>;
  /** Group commits not yet observed: their fsync seconds and their records, in pairs. */
  readonly #pendingBatches = new Float64Array(2 * PENDING_BATCHES);
  #pendingCount = 0;

  constructor(view: MetricsView) {
    const registers = [this.registry];
    const requests = this.#requests;
    new Counter({
      name: "auction_requests_total",
      help: "UDP requests by message type and outcome",
      labelNames: ["type", "outcome"],
      registers,
      collect() {
        this.reset();
        for (const [type, outcomes] of requests) {
          for (const [outcome, count] of outcomes) this.inc({ type, outcome }, count);
        }
      },
    });
    this.#counter("auction_bids_accepted_total", "Accepted bids", () => this.#bids);
    const cluster = view.cluster;
    this.#counter(
      "auction_datagrams_pushed_total",
      "Datagrams pushed to users (announcements, bid updates, price adjustments)",
      () => this.#pushed + (cluster?.pushedForWriter() ?? 0),
    );
    this.#counter(
      "auction_datagrams_unanswerable_total",
      "UDP datagrams dropped unanswered: source port 0, or a broadcast, multicast or unspecified source",
      () => view.datagrams?.().unanswerable ?? 0,
    );
    this.#counter(
      "auction_datagram_send_failures_total",
      "UDP replies and pushes whose send failed",
      () => view.datagrams?.().sendFailed ?? 0,
    );
    this.#counter(
      "auction_journal_syncs_on_thread_total",
      "Group commits synced on the event loop's thread (one client alone waiting for its reply)",
      () => this.#syncsOnThread,
    );
    this.#counter(
      "auction_journal_syncs_by_helper_total",
      "Of those, group commits the sync helper thread synced (--sync-poll-us)",
      () => this.#syncsByHelper,
    );
    this.#counter(
      "auction_board_stream_dropped_total",
      "Board event-stream clients dropped for falling behind",
      () => this.#streamDrops,
    );
    const sales = this.#sales;
    new Counter({
      name: "auction_sales_total",
      help: "Closed auctions by outcome: sold, no_offer, cancelled",
      labelNames: ["outcome"],
      registers,
      collect() {
        this.reset();
        for (const [outcome, count] of Object.entries(sales)) this.inc({ outcome }, count);
      },
    });
    this.#fsync = new Histogram({
      name: "auction_journal_fsync_seconds",
      help: "Time of each journal fdatasync (one per group commit)",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
      collect: () => this.#observeBatches(),
    });
    this.#batchRecords = new Histogram({
      name: "auction_group_commit_records",
      help: "Journal records written by each group commit",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
      registers,
      collect: () => this.#observeBatches(),
    });
    this.#gauge("auction_open_auctions", "Open auctions", view.openAuctions);
    this.#gauge("auction_sessions", "User sessions (addresses bound to a user)", view.sessions);
    this.#gauge("auction_board_stream_clients", "Board event-stream clients", view.streamClients);
    this.#gauge(
      "auction_pushes_waiting",
      "Pushes waiting for room in the UDP socket (a fan-out in progress)",
      () => view.pushesWaiting?.() ?? 0,
    );
    this.#gauge(
      "auction_event_loop_lag_seconds",
      "Latest event-loop lag: how late a timer fired",
      () => this.#lagSeconds,
    );
    this.#lag = new Histogram({
      name: "auction_event_loop_lag_histogram_seconds",
      help: "Event-loop lag samples, every 0.5 s",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    if (cluster) {
      this.#gauge(
        "auction_node_writer",
        "1 while this node is the writer, else 0",
        () => cluster.writer() ? 1 : 0,
      );
      this.#counter(
        "auction_requests_forwarded_total",
        "Datagrams forwarded to the writer node while this node follows",
        cluster.forwarded,
      );
      this.#counter(
        "auction_requests_expired_total",
        "Forwarded requests dropped as too old: held by this follower's stalled link, or " +
          "received late by this writer",
        cluster.expiredRequests,
      );
      this.#gauge(
        "auction_log_lag_batches",
        "Batches committed that this node has heard of and not applied yet",
        cluster.lagBatches,
      );
      this.#gauge(
        "auction_log_read_age_seconds",
        "Seconds since this follower last read the log (0 on the writer)",
        cluster.logReadAgeSeconds,
      );
    }
    this.#gauge(
      "process_resident_memory_bytes",
      "Resident memory size in bytes",
      () => Deno.memoryUsage().rss,
    );
    let expectedMs = performance.now() + LAG_SAMPLE_MS;
    this.#lagTimer = setInterval(() => {
      const nowMs = performance.now();
      this.#lagSeconds = Math.max(0, nowMs - expectedMs) / 1000;
      this.#lag.observe(this.#lagSeconds);
      expectedMs = nowMs + LAG_SAMPLE_MS;
    }, LAG_SAMPLE_MS);
    // Deno's timers are numbers; the type is Node's because prom-client brings @types/node.
    Deno.unrefTimer(this.#lagTimer as unknown as number);
  }

  /** Counts one request (the dispatcher's observer). */
  readonly request = (type: string, outcome: RequestOutcome): void => {
    let outcomes = this.#requests.get(type);
    if (!outcomes) this.#requests.set(type, outcomes = new Map());
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  };

  /** Counts one pushed datagram. */
  readonly pushed = (): void => {
    this.#pushed++;
  };

  /** An outbox that counts each pushed datagram before handing it to `outbox`. */
  countingOutbox(outbox: Outbox): Outbox {
    return {
      send: (to, line, message, withReply) => {
        this.#pushed++;
        return outbox.send(to, line, message, withReply);
      },
      whenRoom: () => outbox.whenRoom?.(),
    };
  }

  /** Observes one group commit (the journal's observer); the histograms see it by the next scrape. */
  readonly batchWritten = (batch: WrittenBatch): void => {
    if (batch.onThread) this.#syncsOnThread++;
    if (batch.byHelper) this.#syncsByHelper++;
    const at = 2 * this.#pendingCount++;
    this.#pendingBatches[at] = batch.syncMs / 1000;
    this.#pendingBatches[at + 1] = batch.records;
    if (this.#pendingCount === PENDING_BATCHES) this.#observeBatches();
  };

  /** Hands the group commits kept so far to the histograms. */
  #observeBatches(): void {
    const pending = this.#pendingBatches;
    for (let at = 0; at < 2 * this.#pendingCount; at += 2) {
      this.#fsync.observe(pending[at]!);
      this.#batchRecords.observe(pending[at + 1]!);
    }
    this.#pendingCount = 0;
  }

  /** Counts one board client dropped for being too slow. */
  readonly streamDropped = (): void => {
    this.#streamDrops++;
  };

  /** Counts accepted bids and sale outcomes from durable events. */
  committed(batch: CommittedBatch): void {
    for (const event of batch.events) {
      if (event.type === "bid_placed") this.#bids++;
      else if (event.type === "sale_settled") this.#sales.sold++;
      else if (event.type === "sale_cancelled") this.#sales.cancelled++;
    }
  }

  /** Counts an auction that closed with no bid. */
  noOffer(): void {
    this.#sales.no_offer++;
  }

  /** The text `/metrics` serves. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@linkcode text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops sampling the event-loop lag. */
  close(): void {
    clearInterval(this.#lagTimer);
  }

  #counter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  #gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
