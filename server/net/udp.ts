/**
 * The UDP transport: a thin loop around `Deno.listenDatagram` that hands each datagram to the
 * dispatcher and sends what comes back. One bad datagram never ends the loop. The per-IP limits
 * that must see every datagram live here: the rate limit (asked before decoding) and the reply
 * budget (every datagram in counts for it, every datagram out is checked against it). Replies go
 * to the socket at once; pushes through the push queue (`push_queue.ts`), a window per turn, so
 * that a fan-out of thousands never stands between a request and its reply.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  decodeDatagram,
  DecodeError,
  encodeMessage,
  message,
  type ServerMessage,
} from "../../protocol/mod.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Outbox } from "../core.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { ReplyBudget } from "./reply_budget.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";
import { traceRequest, tracingEnabled } from "../tracing.ts";
import { SendBuffers } from "./send_buffers.ts";
import { PushQueue } from "./push_queue.ts";
import { unanswerableSource } from "./datagram_source.ts";
import { TransportLog } from "./transport_log.ts";

const logger = getLogger(["auction", "udp"]);
/** The largest UDP payload over IPv4: what the runtime's own receive buffer holds. */
const MAX_DATAGRAM_BYTES = 65_507;
/**
 * Datagrams in a row from one client, each arriving while no request was in progress, before
 * {@linkcode UdpTransport.soleClientWaiting} holds.
 */
const CLOSED_LOOP_STREAK = 4;

/** Options of {@linkcode UdpTransport}. */
export interface UdpTransportOptions {
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Time for the limits. @default systemClock */
  clock?: Clock;
  /** `--rate-limit`, per IP, asked before decoding. @default no limit */
  rateLimiter?: RateLimiter;
  /** The reply budget of IPs with no session. @default no budget */
  replyBudget?: ReplyBudget;
  /**
   * Pushes waiting for the socket past which an AUCTION_ANNOUNCE is dropped (the next round
   * announces again), so a round bigger than the socket drains cannot queue without a bound.
   * Replies and other pushes are never dropped. @default 4096
   */
  maxWaitingForAnnounce?: number;
  /** Pushes in the runtime's hands past which the others wait (`push_queue.ts`). @default 100 */
  pushWindow?: number;
  /** Where dropped datagrams and failed sends are logged, within a budget. @default its own */
  log?: TransportLog;
  /** A socket to serve instead of binding `hostname` and `port` (tests). @default bound here */
  socket?: Deno.DatagramConn;
}

/** A bound UDP socket serving requests, and the outbox that pushes through it. */
export class UdpTransport implements Outbox {
  readonly #socket: Deno.DatagramConn;
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter | undefined;
  readonly #replyBudget: ReplyBudget | undefined;
  readonly #log: TransportLog;
  #unanswerable = 0;
  #sendFailures = 0;
  /** Pushes waiting for room in the socket: replies go ahead of them. */
  readonly #pushes: PushQueue;
  #closed = false;
  #loop: Promise<void> | null = null;
  /** Whether the loop waits in a receive that has found nothing yet. */
  #parked = false;
  readonly #unpark = () => {
    this.#parked = false;
  };
  /** Requests handed to the dispatcher and not yet finished. */
  #inProgress = 0;
  readonly #finished = () => {
    this.#inProgress--;
  };
  /** The last datagram's sender, and how many in a row came from it while none was in progress. */
  #lastHostname = "";
  #lastPort = 0;
  #closedLoop = 0;
  /** Where replies and pushes are encoded, each buffer reused once its send has finished. */
  readonly #buffers = new SendBuffers();
  /** Pushes handed to the socket whose send has not finished (the push queue's window). */
  #pushesInSocket = 0;
  readonly #pushSent = () => {
    this.#pushesInSocket--;
  };

  constructor(options: UdpTransportOptions) {
    this.#socket = options.socket ?? Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter;
    this.#replyBudget = options.replyBudget;
    this.#log = options.log ?? new TransportLog();
    this.#pushes = new PushQueue({
      send: (to, line) => this.#sendNow(to, line, true),
      inSocket: () => this.#pushesInSocket,
      window: options.pushWindow,
      maxWaitingForAnnounce: options.maxWaitingForAnnounce,
      clock: this.#clock,
    });
  }

  /** Pushes waiting for room in the socket. */
  get pushesWaiting(): number {
    return this.#pushes.waiting;
  }

  /**
   * `undefined` when few pushes wait for the socket, else a promise that resolves when that is
   * so again: the scheduler waits for it between the slices of an announcement round.
   */
  whenRoom(): Promise<void> | undefined {
    return this.#pushes.room();
  }

  /**
   * Whether one client alone waits for the one request in progress, so that the thread may stop
   * for that request's sync without keeping anyone else waiting: the client's last
   * {@linkcode CLOSED_LOOP_STREAK} datagrams each arrived while no request was in progress (it
   * waits for its replies), and nothing waits to be read (the runtime tries a receive at once
   * when the loop asks for one, so a datagram already in the socket ends the loop's wait within
   * a microtask or two). Whatever arrives meanwhile waits in the socket; a datagram from another
   * sender, or one arriving while a request is in progress, ends the streak.
   */
  get soleClientWaiting(): boolean {
    return this.#parked && this.#inProgress === 1 && this.#closedLoop >= CLOSED_LOOP_STREAK;
  }

  /** Datagrams dropped on receipt, their source unanswerable (`datagram_source.ts`). */
  get unanswerableDropped(): number {
    return this.#unanswerable;
  }

  /** Datagrams whose send failed. */
  get sendFailures(): number {
    return this.#sendFailures;
  }

  /** The bound address. */
  get address(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** Starts serving requests through `dispatcher`. */
  serve(dispatcher: Pick<Dispatcher, "dispatch">): void {
    this.#loop = this.#receiveLoop(dispatcher);
  }

  /**
   * Sends `line` to `to`: a reply (no `message`) at once, and a push (`message` given) through
   * the push queue, after the pushes already waiting, unless it goes `withReply` (part of the
   * answer to a request: at once too). `false` when it was not sent (closed, over the reply
   * budget, or an announcement dropped past the queue's bound).
   */
  send(to: PeerAddress, line: string, message?: ServerMessage, withReply?: boolean): boolean {
    if (message && !withReply) return this.push(to, line, message.type);
    return this.#sendNow(to, line);
  }

  /** Sends push `line` (of `type`) through the push queue; see {@linkcode send}. */
  push(to: PeerAddress, line: string, type: string): boolean {
    return !this.#closed && this.#pushes.push(to, line, type);
  }

  /** `repeat`: a reply resent from the reply cache (see `ReplyBudget.trySend`). */
  #sendNow(to: PeerAddress, line: string, push = false, repeat = false): boolean {
    if (this.#closed) return false;
    const { bytes, lent } = this.#buffers.encode(line);
    if (
      this.#replyBudget &&
      !this.#replyBudget.trySend(to.hostname, line, bytes.length, this.#clock.now(), repeat)
    ) {
      if (lent) this.#buffers.giveBack(lent);
      logger.debug(
        "Dropped a reply to {peer}: over the reply budget of an address with no session",
        {
          peer: addressKey(to),
        },
      );
      return false;
    }
    if (push) this.#pushesInSocket++;
    const sending = this.#socket.send(bytes, {
      transport: "udp",
      hostname: to.hostname,
      port: to.port,
    });
    const failed = (error: unknown) => {
      if (push) this.#pushesInSocket--;
      this.#sendFailed(to, error);
    };
    if (lent) {
      // The runtime reads the buffer until the send has finished: it is reused only then.
      sending.then(
        () => {
          this.#buffers.giveBack(lent);
          if (push) this.#pushSent();
        },
        (error) => {
          this.#buffers.giveBack(lent);
          failed(error);
        },
      );
    } else if (push) sending.then(this.#pushSent, failed);
    else sending.catch(failed);
    return true;
  }

  #sendFailed(to: PeerAddress, error: unknown): void {
    if (this.#closed) return;
    this.#sendFailures++;
    this.#log.sendFailed(addressKey(to), error);
  }

  /** Stops the loop and closes the socket. */
  async close(): Promise<void> {
    this.#closed = true;
    const dropped = this.#pushes.close();
    if (dropped > 0) logger.info("Closing: {count} pushes were still waiting", { count: dropped });
    this.#socket.close();
    await this.#loop;
  }

  async #receiveLoop(dispatcher: Pick<Dispatcher, "dispatch">): Promise<void> {
    // One buffer for every receive: without it the runtime allocates (and zeroes) 64 KiB per
    // datagram. Nothing keeps a view of it past this turn: the dispatcher reads a request's
    // bytes before `dispatch` returns, and the rest below reads them at once.
    const buffer = new Uint8Array(MAX_DATAGRAM_BYTES);
    while (!this.#closed) {
      let datagram: [Uint8Array, Deno.Addr];
      try {
        const receiving = this.#socket.receive(buffer);
        this.#parked = true;
        receiving.then(this.#unpark, this.#unpark);
        datagram = await receiving;
      } catch (error) {
        if (this.#closed) return;
        logger.warn("UDP receive failed: {error}", { error });
        continue;
      }
      const bytes = datagram[0];
      const address = datagram[1];
      const sender = {
        hostname: (address as Deno.NetAddr).hostname,
        port: (address as Deno.NetAddr).port,
      };
      const unanswerable = unanswerableSource(sender);
      if (unanswerable !== null) {
        // Forged: no reply can reach it. Dropped before any limit keeps state for its address.
        this.#unanswerable++;
        this.#log.unanswerable(addressKey(sender), unanswerable);
        continue;
      }
      const sameSender = sender.port === this.#lastPort && sender.hostname === this.#lastHostname;
      this.#closedLoop = this.#inProgress > 0 ? 0 : sameSender ? this.#closedLoop + 1 : 1;
      this.#lastHostname = sender.hostname;
      this.#lastPort = sender.port;
      const nowMs = this.#clock.now();
      this.#replyBudget?.received(sender.hostname, bytes.length, nowMs);
      const verdict = this.#rateLimiter?.check(sender.hostname, nowMs) ?? "allow";
      if (verdict === "refuse") {
        // Logged once a second per IP at most; the datagrams dropped after it are not logged.
        logger.info("Rate limit: refused a datagram from {peer}", { peer: addressKey(sender) });
        const reason = "Rate limit exceeded: slow down";
        this.#sendNow(sender, encodeMessage(message("DENIED", requestNumber(bytes), { reason })));
      }
      if (verdict !== "allow") continue;
      const respond = (line: string, repeat?: boolean) =>
        this.#sendNow(sender, line, false, repeat);
      const done = tracingEnabled
        ? traceRequest(bytes, (onReply) =>
          dispatcher.dispatch(bytes, sender, (line, repeat) => {
            onReply(line);
            return respond(line, repeat);
          }))
        : dispatcher.dispatch(bytes, sender, respond);
      this.#inProgress++;
      done.then(this.#finished, (error) => {
        this.#finished();
        logger.error("Request from {peer} failed: {error}", { peer: addressKey(sender), error });
      });
    }
  }
}

/** The RQ# of a datagram, for a refusal sent without serving it (0 when it has none). */
function requestNumber(bytes: Uint8Array): number {
  try {
    return decodeDatagram(bytes).rq;
  } catch (error) {
    return error instanceof DecodeError ? error.rq : 0;
  }
}
