/**
 * The server's own TCP port: anyone can connect, so each connection is line-limited (4 KiB)
 * and time-limited, and the places are shared between IPs (`tcp_admission.ts`). Lines are
 * requests like datagrams, answered on the same connection; the sale exchange itself runs on
 * connections the server opens (see the finalizer).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { encodeMessage, LineDecoder, MAX_LINE_BYTES, message } from "../../protocol/mod.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { RateLimiter } from "./rate_limit.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";
import { closeQuietly, writeLine } from "./tcp_io.ts";
import { admitConnection } from "./tcp_admission.ts";
import { TransportLog } from "./transport_log.ts";

const logger = getLogger(["auction", "tcp"]);
/** Replies queued on one connection before the server gives up on the peer. */
const MAX_UNWRITTEN_REPLIES = 64;
/** Pause after a failed accept (out of file descriptors), so the loop does not spin. */
const ACCEPT_RETRY_MS = 100;
/** How long an evicted connection, or a closing one, may take to write its last lines. */
const LINGER_MS = 1000;
/** The line a connection gets when it gives its place to another address's. */
const EVICTED_REASON = "Too many connections from your address: closed for another address";

/** A place on the port: whose it is, when it last completed a line, how to take it back. */
interface Place {
  readonly ip: string;
  lastActiveMs: number;
  /** Says why, then closes the connection; set once its serving has started. */
  evict(): void;
}

/** Options of {@linkcode TcpListener}. */
export interface TcpListenerOptions {
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** A connection that completes no line for this long is closed. @default 30000 */
  idleTimeoutMs?: number;
  /** Most connections served at once; more are answered DENIED and closed. @default 128 */
  maxConnections?: number;
  /** Most connections served at once from one IP (`--max-tcp-per-ip`); 0 = no cap. @default 16 */
  maxPerIp?: number;
  /** `--rate-limit`: each line counts against its IP like a datagram. @default no limit */
  rateLimiter?: RateLimiter;
  /** Time for the rate limit and the idle, retry and linger timers. @default systemClock */
  clock?: Clock;
  /** Where refusals, evictions and closings are logged, within a budget. @default its own */
  log?: TransportLog;
}

/** Accepts connections and serves their lines through the dispatcher. */
export class TcpListener {
  readonly #listener: Deno.TcpListener;
  readonly #idleTimeoutMs: number;
  readonly #maxConnections: number;
  readonly #maxPerIp: number;
  readonly #rateLimiter: RateLimiter | undefined;
  readonly #clock: Clock;
  readonly #log: TransportLog;
  /** Every connection open, evicted ones too until they are closed. */
  readonly #connections = new Set<Deno.TcpConn>();
  /** The places taken, oldest first: what the caps count. */
  readonly #places = new Map<Deno.TcpConn, Place>();
  readonly #tasks = new Set<Promise<void>>();
  #loop: Promise<void> | null = null;
  #closed = false;

  constructor(options: TcpListenerOptions) {
    this.#listener = Deno.listen({ hostname: options.hostname, port: options.port });
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.#maxConnections = options.maxConnections ?? 128;
    this.#maxPerIp = options.maxPerIp ?? 16;
    this.#rateLimiter = options.rateLimiter;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? new TransportLog();
  }

  /** The bound address. */
  get address(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Starts accepting connections. */
  serve(dispatcher: Pick<Dispatcher, "dispatch">): void {
    this.#loop = (async () => {
      while (!this.#closed) {
        let connection: Deno.TcpConn;
        try {
          connection = await this.#listener.accept();
        } catch (error) {
          if (this.#closed) return;
          // Out of file descriptors, most likely: wait a little rather than spin.
          logger.warn("TCP accept failed: {error}", { error });
          await new Promise((resume) =>
            this.#clock.setTimer(() => resume(undefined), ACCEPT_RETRY_MS)
          );
          continue;
        }
        const ip = connection.remoteAddr.hostname;
        const admission = admitConnection(ip, this.#places.values(), {
          maxConnections: this.#maxConnections,
          maxPerIp: this.#maxPerIp,
        });
        if (admission.verdict === "refuse") {
          if (admission.reason === "address") this.#log.tcpRefused(ip, this.#maxPerIp);
          refuse(
            connection,
            denied(
              admission.reason === "address"
                ? "Too many connections from your address: try again later"
                : "Too many connections: try again later",
            ),
          );
          continue;
        }
        if (admission.evict) {
          this.#log.tcpEvicted(admission.evict.ip, ip);
          admission.evict.evict();
        }
        const place: Place = { ip, lastActiveMs: this.#clock.now(), evict: () => {} };
        this.#places.set(connection, place);
        const task = this.#serveConnection(connection, place, dispatcher).finally(() => {
          this.#tasks.delete(task);
        });
        this.#tasks.add(task);
      }
    })();
  }

  /** Stops accepting, closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listener.close();
    for (const connection of this.#connections) closeQuietly(connection);
    await this.#loop;
    await Promise.allSettled([...this.#tasks]);
  }

  async #serveConnection(
    connection: Deno.TcpConn,
    place: Place,
    dispatcher: Pick<Dispatcher, "dispatch">,
  ): Promise<void> {
    this.#connections.add(connection);
    const remote = connection.remoteAddr;
    const peer: PeerAddress = { hostname: remote.hostname, port: remote.port };
    const lines = new LineDecoder(MAX_LINE_BYTES);
    const buffer = new Uint8Array(4096);
    let writing = Promise.resolve();
    let unwritten = 0;
    const respond = (line: string) => {
      // A peer that sends requests but never reads the replies is dropped, not buffered for.
      if (++unwritten > MAX_UNWRITTEN_REPLIES) return closeQuietly(connection);
      writing = writing.then(() => writeLine(connection, line)).catch(() => {})
        .finally(() => unwritten--);
    };
    // Only a whole line resets the idle timer: a peer trickling bytes is closed all the same.
    const clock = this.#clock;
    let timer = clock.setTimer(() => closeQuietly(connection), this.#idleTimeoutMs);
    let evicted = false;
    let evictTimer: TimerHandle | undefined;
    place.evict = () => {
      // The place is free at once; the connection closes once its line is written (the read
      // below then ends), or after LINGER_MS if the peer reads nothing.
      evicted = true;
      this.#places.delete(connection);
      respond(denied(EVICTED_REASON));
      void writing.then(() => closeQuietly(connection));
      evictTimer = clock.setTimer(() => closeQuietly(connection), LINGER_MS);
    };
    try {
      while (true) {
        const count = await connection.read(buffer);
        const chunk = count === null ? undefined : buffer.subarray(0, count);
        // Bytes, not text: a line that is not UTF-8 is refused by the dispatcher like a datagram
        // (the row's refusal and RQ#, when they can be read), and the lines around it are served.
        const received = chunk
          ? lines.pushBytes(chunk)
          : [lines.endBytes()].filter((line) => line !== undefined);
        if (received.length > 0) {
          place.lastActiveMs = clock.now();
          clock.clearTimer(timer);
          timer = clock.setTimer(() => closeQuietly(connection), this.#idleTimeoutMs);
        }
        for (const line of received) {
          const verdict = this.#rateLimiter?.check(peer.hostname, this.#clock.now()) ?? "allow";
          if (verdict === "refuse") respond(denied("Rate limit exceeded: slow down"));
          if (verdict !== "allow") continue;
          await dispatcher.dispatch(line, peer, respond, { transport: "tcp" });
        }
        if (count === null) break;
      }
    } catch (error) {
      if (!this.#closed && !evicted) {
        this.#log.tcpClosing(
          addressKey(peer),
          error instanceof Error ? error.message : String(error),
        );
        respond(denied(error instanceof Error ? error.message : "Bad input"));
      }
    } finally {
      clock.clearTimer(timer);
      let lingerTimer: TimerHandle | undefined;
      await Promise.race([
        writing,
        new Promise((done) => lingerTimer = clock.setTimer(() => done(undefined), LINGER_MS)),
      ]);
      if (lingerTimer !== undefined) clock.clearTimer(lingerTimer);
      if (evictTimer !== undefined) clock.clearTimer(evictTimer);
      this.#places.delete(connection);
      this.#connections.delete(connection);
      closeQuietly(connection);
    }
  }
}

/** Answers a connection the server will not serve, then closes it. */
function refuse(connection: Deno.Conn, line: string): void {
  writeLine(connection, line).catch(() => {}).finally(() => closeQuietly(connection));
}

/** A refusal that answers no request (RQ# 0), written by the codec. */
function denied(reason: string): string {
  return encodeMessage(message("DENIED", 0, { reason }));
}
