/**
 * The auction clock: one queue of deadlines driven by the injected {@linkcode Clock}, with one
 * timer armed for the earliest. It negotiates with the seller at half time when no bid came,
 * resends NEGOTIATE_REQ with backoff, announces to subscribers, and closes auctions at their end
 * time. It follows the state through `core.onEvent` and rebuilds itself from the absolute times
 * in the state at start, so a restart resumes every auction (and closes the overdue at once).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { TimerHandle } from "./clock.ts";
import type { CoreView, EventListener, Transaction, TransactionRunner } from "./core.ts";
import { type Deadline, DeadlineQueue } from "./deadline_queue.ts";
import type { AuctionEvent } from "../auction/events.ts";
import type { Item } from "../auction/state.ts";
import { closeAuction } from "./close_auction.ts";
import { pushAnnounce, pushNegotiateRequest } from "../auction/time_left.ts";

const logger = getLogger(["auction", "scheduler"]);

/** When NEGOTIATE_REQ is sent again, after the first: gaps of 2, 4, 8 and 16 seconds. */
export const NEGOTIATION_RESEND_OFFSETS_MS: readonly number[] = [2000, 6000, 14000, 30000];

/** Longest single timer: `setTimeout` cannot wait past 2^31 - 1 ms, so long waits re-arm. */
const MAX_TIMER_DELAY_MS = 3_600_000;

/**
 * Most deadlines one transaction takes: an announcement round of thousands of items is cut into
 * slices, each its own transaction on its own turn of the event loop, so requests (a bid and its
 * reply) are served between slices instead of waiting for the whole round.
 */
export const DEADLINES_PER_TURN = 32;

/** What a deadline does. Tasks due at the same time run in this order. */
const TASKS = ["negotiate", "resend", "announce", "close"] as const;
type Task = (typeof TASKS)[number];

interface Job {
  itemId: number;
  task: Task;
}

const byTimeThenTask = (a: Deadline<Job, number>, b: Deadline<Job, number>) =>
  a.atMs - b.atMs || TASKS.indexOf(a.value.task) - TASKS.indexOf(b.value.task) ||
  a.value.itemId - b.value.itemId;

/** What the scheduler needs of the core (`AuctionCore` is one). */
export interface SchedulerCore extends CoreView, TransactionRunner {
  /** Follows every event as it is applied. */
  onEvent(listener: EventListener): void;
  /** See {@linkcode AuctionCore.whenPushRoom}. @default always room */
  whenPushRoom?(): Promise<void> | undefined;
}

/** The auction clock of one core. */
export class AuctionScheduler {
  readonly #core: SchedulerCore;
  /** Every deadline but the periodic announcements. */
  readonly #queue = new DeadlineQueue<Job, number>();
  /**
   * The periodic announcements, apart: they alone wait for the outbox to have room (a round of
   * thousands of pushes goes no faster than the socket takes them), never a close or a
   * negotiation behind them.
   */
  readonly #announcements = new DeadlineQueue<Job, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #timer: TimerHandle | undefined;
  #timerDueMs: number | undefined;
  #running = false;
  /** Whether due announcements wait for the outbox to take the pushes of the last ones. */
  #waitingForRoom = false;

  constructor(core: SchedulerCore) {
    this.#core = core;
    core.onEvent((event, transaction) => this.#follow(event, transaction));
  }

  /** Rebuilds the deadlines from the state and starts the clock; overdue work runs at once. */
  start(): void {
    if (this.#running) return;
    const nowMs = this.#core.clock.now();
    for (const item of Object.values(this.#core.state.items)) {
      if (item.status !== "open") continue;
      this.#planItem(item, nowMs);
      // After a restart a pending negotiation is resent at once; the backoff then continues.
      if (item.negotiation?.status === "pending") this.#set(item.id, "resend", nowMs);
    }
    this.#running = true;
    this.#arm();
  }

  /** Stops the clock and waits for the work it started to be sent. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#disarm();
    await this.idle();
  }

  /** Resolves once every transaction the scheduler started has been saved and sent. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** How many deadlines are queued (for tests). */
  get pendingDeadlines(): number {
    return this.#queue.size + this.#announcements.size;
  }

  /** Queues the deadlines of an open item as of `nowMs`: close, negotiation, announcement. */
  #planItem(item: Item, nowMs: number): void {
    this.#set(item.id, "close", item.endsAtMs);
    if (item.bidCount === 0 && !item.negotiation) {
      this.#set(item.id, "negotiate", item.listedAtMs + Math.ceil(item.durationMs / 2));
    }
    const announceAtMs = this.#nextAnnounceMs(item, nowMs);
    if (announceAtMs !== undefined) this.#set(item.id, "announce", announceAtMs);
  }

  /** Keeps the deadlines in step with each change to the state. */
  #follow(event: AuctionEvent, transaction: Transaction): void {
    switch (event.type) {
      case "item_listed": {
        const item = transaction.state.items[event.id];
        if (item) this.#planItem(item, event.atMs);
        break;
      }
      case "bid_placed":
        this.#set(event.itemId, "close", event.endsAtMs);
        this.#delete(event.itemId, "negotiate");
        this.#delete(event.itemId, "resend");
        break;
      case "negotiation_started":
        this.#set(event.itemId, "resend", event.atMs + NEGOTIATION_RESEND_OFFSETS_MS[0]!);
        break;
      case "negotiation_answered":
        this.#delete(event.itemId, "resend");
        break;
      case "auction_closed":
        for (const task of TASKS) this.#delete(event.itemId, task);
        break;
      default:
        return;
    }
    this.#arm();
  }

  #set(itemId: number, task: Task, atMs: number): void {
    this.#queueOf(task).set(key(itemId, task), atMs, { itemId, task });
  }

  #delete(itemId: number, task: Task): void {
    this.#queueOf(task).delete(key(itemId, task));
  }

  #queueOf(task: Task): DeadlineQueue<Job, number> {
    return task === "announce" ? this.#announcements : this.#queue;
  }

  #nextAnnounceMs(item: Item, nowMs: number): number | undefined {
    const intervalMs = this.#core.config.announceIntervalSeconds * 1000;
    if (!(intervalMs > 0)) return undefined;
    const rounds = Math.floor(Math.max(0, nowMs - item.listedAtMs) / intervalMs) + 1;
    return item.listedAtMs + rounds * intervalMs;
  }

  /**
   * Arms the one timer for the earliest deadline (a no-op when it already is); announcements
   * waiting for room count again once there is room.
   */
  #arm(): void {
    if (!this.#running) return;
    const earliestMs = earliest(
      this.#queue.earliestMs(),
      this.#waitingForRoom ? undefined : this.#announcements.earliestMs(),
    );
    if (earliestMs === undefined) return this.#disarm();
    const nowMs = this.#core.clock.now();
    const dueMs = Math.min(Math.max(earliestMs, nowMs), nowMs + MAX_TIMER_DELAY_MS);
    if (this.#timer !== undefined && this.#timerDueMs === dueMs) return;
    this.#disarm();
    this.#timerDueMs = dueMs;
    this.#timer = this.#core.clock.setTimer(() => this.#fire(), dueMs - nowMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#core.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDueMs = undefined;
    if (!this.#running) return;
    const nowMs = this.#core.clock.now();
    const workDue = (this.#queue.earliestMs() ?? Infinity) <= nowMs;
    const announcementsDue = this.#announcementsMayRun(nowMs);
    if (workDue || announcementsDue) {
      const work = this.#core.run((transaction) => {
        const due = this.#queue.takeDue(transaction.nowMs, byTimeThenTask, DEADLINES_PER_TURN);
        if (announcementsDue && due.length < DEADLINES_PER_TURN) {
          const limit = DEADLINES_PER_TURN - due.length;
          due.push(...this.#announcements.takeDue(transaction.nowMs, byTimeThenTask, limit));
          due.sort(byTimeThenTask);
        }
        for (const deadline of due) {
          this.#perform(deadline.value, transaction);
        }
      }).catch((error) => logger.error("Scheduled work failed: {error}", { error }));
      this.#inFlight.add(work);
      work.finally(() => this.#inFlight.delete(work));
    }
    this.#arm();
  }

  /**
   * Whether announcements are due and may run now. The next slice of a round waits until the
   * last ones' pushes are on their way (requests are served meanwhile, and other deadlines run).
   */
  #announcementsMayRun(nowMs: number): boolean {
    if (this.#waitingForRoom || (this.#announcements.earliestMs() ?? Infinity) > nowMs) {
      return false;
    }
    const room = this.#core.whenPushRoom?.();
    if (!room) return true;
    this.#waitingForRoom = true;
    room.then(() => {
      this.#waitingForRoom = false;
      this.#arm();
    });
    return false;
  }

  #perform(job: Job, transaction: Transaction): void {
    const item = transaction.state.items[job.itemId];
    if (!item || item.status !== "open") return;
    const nowMs = transaction.nowMs;
    if (job.task === "close") {
      if (nowMs < item.endsAtMs) return this.#set(item.id, "close", item.endsAtMs);
      return closeAuction(item, transaction);
    }
    if (nowMs >= item.endsAtMs) return;
    switch (job.task) {
      case "negotiate":
        if (item.bidCount > 0 || item.negotiation) return;
        transaction.emit({ type: "negotiation_started", atMs: nowMs, itemId: item.id });
        logger.info("No bid on {item} at half time: asking {seller} to lower the price", {
          item: item.name,
          seller: item.sellerName,
        });
        return pushNegotiateRequest(item, transaction);
      case "resend": {
        const negotiation = item.negotiation;
        if (negotiation?.status !== "pending") return;
        pushNegotiateRequest(item, transaction);
        const nextMs = NEGOTIATION_RESEND_OFFSETS_MS
          .map((offsetMs) => negotiation.startedAtMs + offsetMs)
          .find((atMs) => atMs > nowMs);
        if (nextMs !== undefined) this.#set(item.id, "resend", nextMs);
        return;
      }
      case "announce": {
        pushAnnounce(item, transaction);
        const nextMs = this.#nextAnnounceMs(item, nowMs);
        if (nextMs !== undefined) this.#set(item.id, "announce", nextMs);
        return;
      }
    }
  }
}

/** The earlier of two optional times. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/** Where each task goes in a deadline's key. */
const TASK_INDEX: Record<Task, number> = { negotiate: 0, resend: 1, announce: 2, close: 3 };

/**
 * The key of an item's task: a number, not a string built, flattened and hashed per call (every
 * bid sets one deadline and deletes two).
 */
function key(itemId: number, task: Task): number {
  return itemId * TASKS.length + TASK_INDEX[task];
}
