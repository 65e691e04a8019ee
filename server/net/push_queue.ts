/**
 * Pushes (announcements, bid updates, price adjustments) on their way to the UDP socket: at most
 * `window` of them are in the runtime's hands at once, the rest wait here, in order, and go a
 * window per turn of the event loop. Replies never wait here: the transport hands them to the
 * socket at once, ahead of every push still waiting, and so does a push that belongs to a reply
 * (SUBSCRIBE's AUCTION_ANNOUNCE).
 *
 * Why: the runtime performs at most 128 socket operations per turn of its event loop (tokio's
 * cooperative budget). Past that every operation left over is retried turn after turn, and such
 * turns poll the sockets for readiness only every 61st time. Handed 3,800 announcements at once,
 * the server kept a bid's reply waiting 100-500 ms and read requests late (`deno task
 * bench:fanout`: p99 of bids 55-80 ms during an announcement round, max 633 ms; with this queue
 * 2-4 ms, max 6-14 ms). See docs/performance.md, "Fan-out without starving replies".
 @module
 */

import { getLogger } from "@logtape/logtape";
import type { PeerAddress } from "../../auction/state.ts";
import { type Clock, systemClock } from "../clock.ts";
import { IoTurn } from "./io_turn.ts";

const logger = getLogger(["auction", "udp"]);

/** What the queue needs of the transport. */
export interface PushQueueOptions {
  /** Hands one datagram to the socket now. */
  send(to: PeerAddress, line: string): void;
  /** Pushes handed to the socket whose send has not finished. */
  inSocket(): number;
  /** Pushes in the socket past which the others wait here. @default 100 */
  window?: number;
  /** Pushes waiting past which an AUCTION_ANNOUNCE is dropped. @default 4096 */
  maxWaitingForAnnounce?: number;
  /** Told of each dropped announcement (besides a warning at most once a second). */
  onDropAnnounce?(): void;
  /** Time for the warnings. @default systemClock */
  clock?: Clock;
  /** Runs the queue's callback in a later turn. @default an {@linkcode IoTurn} */
  turns?(run: () => void): LaterTurn;
}

/** A callback asked for in a later turn of the event loop ({@linkcode IoTurn} is one). */
export type LaterTurn = Pick<IoTurn, "request" | "close">;

interface Waiting {
  to: PeerAddress;
  line: string;
}

/** The pushes waiting for the socket. */
export class PushQueue {
  readonly #send: (to: PeerAddress, line: string) => void;
  readonly #inSocket: () => number;
  readonly #window: number;
  readonly #maxWaitingForAnnounce: number;
  readonly #onDropAnnounce: () => void;
  readonly #turn: LaterTurn;
  readonly #clock: Clock;
  /** Announcements dropped since the last warning, and when it was logged. */
  #dropped = 0;
  #warnedAtMs = -Infinity;
  #waiting: (Waiting | undefined)[] = [];
  #head = 0;
  #room: PromiseWithResolvers<void> | undefined;
  #closed = false;

  constructor(options: PushQueueOptions) {
    this.#send = options.send;
    this.#inSocket = options.inSocket;
    this.#window = options.window ?? 100;
    this.#maxWaitingForAnnounce = options.maxWaitingForAnnounce ?? 4096;
    this.#onDropAnnounce = options.onDropAnnounce ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#turn = (options.turns ?? ((run) => new IoTurn(run)))(() => this.#drain());
  }

  /** Pushes waiting for the socket. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /**
   * Sends `line` to `to` now when nothing waits and the socket has room, or queues it behind
   * the others; `false` when it is dropped (an AUCTION_ANNOUNCE with too many waiting already,
   * the next round announces again, or the queue is closed).
   */
  push(to: PeerAddress, line: string, type: string): boolean {
    if (this.#closed) return false;
    if (this.waiting === 0 && this.#inSocket() < this.#window) {
      this.#send(to, line);
      return true;
    }
    if (type === "AUCTION_ANNOUNCE" && this.waiting >= this.#maxWaitingForAnnounce) {
      this.#dropAnnounce();
      return false;
    }
    this.#waiting.push({ to, line });
    this.#turn.request();
    return true;
  }

  /**
   * `undefined` when at most a window of pushes waits; otherwise a promise that resolves once
   * that is so again (or the queue is closed), for work that makes pushes by the thousand (an
   * announcement round) to wait for before its next slice.
   */
  room(): Promise<void> | undefined {
    if (this.#closed || this.waiting <= this.#window) return undefined;
    this.#room ??= Promise.withResolvers<void>();
    return this.#room.promise;
  }

  /** Drops what waits and stops; `room()` waiters are released. */
  close(): number {
    const dropped = this.waiting;
    this.#closed = true;
    this.#waiting = [];
    this.#head = 0;
    this.#turn.close();
    this.#releaseRoom();
    return dropped;
  }

  /** One turn's window: as many as the socket has room for, oldest first. */
  #drain(): void {
    if (this.#closed) return;
    let room = this.#window - this.#inSocket();
    while (room > 0 && this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head]!;
      this.#waiting[this.#head++] = undefined;
      this.#send(next.to, next.line);
      room--;
    }
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    if (this.waiting <= this.#window) this.#releaseRoom();
    if (this.waiting > 0) this.#turn.request();
  }

  /** Counts a dropped announcement; warns at most once a second with how many. */
  #dropAnnounce(): void {
    this.#onDropAnnounce();
    this.#dropped++;
    const nowMs = this.#clock.now();
    if (nowMs - this.#warnedAtMs < 1000) return;
    logger.warn(
      "Dropped {count} AUCTION_ANNOUNCE: {waiting} pushes already wait for the socket",
      { count: this.#dropped, waiting: this.waiting },
    );
    this.#dropped = 0;
    this.#warnedAtMs = nowMs;
  }

  #releaseRoom(): void {
    const room = this.#room;
    this.#room = undefined;
    room?.resolve();
  }
}
