/**
 * The link between the nodes serving one database, over PostgreSQL's `NOTIFY`: a serving
 * follower forwards each datagram its clients send to the writer (channel `auction_inbox`), and
 * the writer sends each reply and push meant for a client of another node to that node (channel
 * `auction_deliver NODE`), which sends it from its own UDP socket. The database authenticates every
 * node, so no client can forge a forwarded request; nothing here is durable: a datagram lost on
 * the way is retransmitted by its client and answered from the reply cache, as over UDP.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import postgres from "postgres";
import type { PeerAddress } from "../../auction/state.ts";
import { NotifyQueue } from "./notify_queue.ts";
import { SESSION_KEEPALIVES } from "./writer_lock.ts";

const logger = getLogger(["auction", "link"]);

/**
 * How long a follower holds a forwarded request while its link stalls before dropping it. A client
 * sends again after 1 to 1.5 s (`client/retry_policy.ts`), so a request held longer has a newer
 * copy behind it; and it moves to another node after two tries, at least 3 s after the first, when
 * its last copy here is 2 s old or more: under 2 s, no copy is sent after the client moved on (a
 * LOGIN sent late would take its session back).
 */
export const FORWARD_MAX_AGE_MS = 1_500;
/**
 * How old a forwarded request may be when the writer receives it, by the follower's clock when it
 * took the request and the writer's now: it catches the send that was in flight when the link
 * stalled, which the follower cannot take back. Generous, as two machines' clocks differ; a
 * follower whose clock is behind the writer's by more than this has every request dropped.
 */
export const RECEIVED_MAX_AGE_MS = 3_000;

/** The channel of forwarded requests; only the writer listens. */
export const INBOX_CHANNEL = "auction_inbox";
/**
 * The channel of replies and pushes for the clients of node `node`: `auction_deliver NODE`, or
 * with a hash of the name when that would pass PostgreSQL's 63 bytes for a name.
 */
export function deliverChannel(node: string): string {
  const channel = `auction_deliver ${node}`;
  if (channel.length <= 63) return channel;
  let hash = 0x811c9dc5; // FNV-1a
  for (const char of new TextEncoder().encode(node)) hash = Math.imul(hash ^ char, 0x01000193);
  return `auction_deliver #${(hash >>> 0).toString(16)}`;
}
/**
 * The `application_name` of node `node`'s link connections (as PostgreSQL keeps it: at most 63
 * bytes), by which the writer sees which nodes are connected.
 */
export function linkName(node: string): string {
  return `auction ${node} link`.slice(0, 63);
}

/** A forwarded request: from whom (with the node it came to) and its bytes. */
export type InboxHandler = (sender: PeerAddress & { node: string }, bytes: Uint8Array) => void;

/**
 * A line for a client of this node; `trusted` when the writer knows its IP has a session;
 * `withReply` when it belongs to the answer to a request (SUBSCRIBE's AUCTION_ANNOUNCE: sent at
 * once, never queued behind pushes).
 */
export type DeliveryHandler = (
  to: PeerAddress,
  line: string,
  trusted: boolean,
  withReply: boolean,
) => void;

/** Forwarded requests and deliveries, one node's end of the link. */
export class NodeLink {
  readonly node: string;
  readonly #sql: postgres.Sql;
  readonly #inbox: NotifyQueue;
  readonly #deliveries: NotifyQueue;
  readonly #listening: { unlisten(): Promise<void> }[] = [];
  #closed = false;
  #receivedTooOld = 0;
  #warnedAtMs = -Infinity;

  private constructor(sql: postgres.Sql, node: string) {
    this.#sql = sql;
    this.node = node;
    const notify = (channel: string, payload: string) =>
      sql`SELECT pg_notify(${channel}, ${payload})`;
    this.#inbox = new NotifyQueue(notify, { maxAgeMs: FORWARD_MAX_AGE_MS });
    this.#deliveries = new NotifyQueue(notify);
  }

  /**
   * Forwarded requests dropped as too old: held longer than {@linkcode FORWARD_MAX_AGE_MS} by
   * this node's stalled link, or received by this node, the writer, older than
   * {@linkcode RECEIVED_MAX_AGE_MS}.
   */
  get expiredRequests(): number {
    return this.#inbox.expired + this.#receivedTooOld;
  }

  /** Connects node `node` to the database at `url`. */
  static open(url: string, node: string): NodeLink {
    const sql = postgres(url, {
      max: 1,
      onnotice: () => {},
      // A notification is not durable anyway: its commit need not wait for the WAL flush.
      // Keepalives as the writer's: a node whose machine is lost is seen gone within about 25 s.
      connection: {
        application_name: linkName(node),
        synchronous_commit: "off",
        ...SESSION_KEEPALIVES,
      },
    });
    return new NodeLink(sql, node);
  }

  /**
   * The `application_name` of every connection of a node to the database now: a node whose
   * link is connected has {@linkcode linkName} among them. (A name cut to 63 bytes may match
   * another connection of that node: it then counts as connected, as it did before it was seen.)
   */
  async connectedNodes(): Promise<Set<string>> {
    const rows = await this.#sql`
      SELECT DISTINCT application_name AS name FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'auction %'`;
    return new Set(rows.map((row) => String(row.name)));
  }

  /**
   * Forwards a datagram from `sender`, a client of this node, to the writer, with when it came
   * (this machine's clock, in ms since the epoch).
   */
  forward(sender: PeerAddress, bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#inbox.push(INBOX_CHANNEL, [
      this.node,
      sender.hostname,
      sender.port,
      encodeBase64(bytes),
      Date.now(),
    ]);
  }

  /** Sends `line` to `to`, a client of node `to.node`, from that node. */
  deliver(to: PeerAddress, line: string, trusted: boolean, withReply = false): void {
    if (this.#closed || to.node === undefined) return;
    this.#deliveries.push(deliverChannel(to.node), [
      to.hostname,
      to.port,
      line,
      trusted ? 1 : 0,
      withReply ? 1 : 0,
    ]);
  }

  /** Takes the requests other nodes forward (the writer does, once it serves). */
  async serveInbox(handler: InboxHandler): Promise<void> {
    this.#listening.push(
      await this.#sql.listen(INBOX_CHANNEL, (payload) => {
        const nowMs = Date.now();
        // A node of an earlier version sends four fields: no time, never too old.
        for (const [node, hostname, port, bytes, receivedAtMs] of parseItems(payload)) {
          if (![node, hostname, bytes].every(isText) || !Number.isInteger(port)) continue;
          if (typeof receivedAtMs === "number" && nowMs - receivedAtMs > RECEIVED_MAX_AGE_MS) {
            this.#receivedTooOld++;
            this.#warnTooOld(node, nowMs - receivedAtMs);
            continue;
          }
          let decoded: Uint8Array;
          try {
            decoded = decodeBase64(bytes);
          } catch {
            continue;
          }
          handler({ hostname, port, node }, decoded);
        }
      }),
    );
  }

  /** Takes the lines the writer sends to this node's clients. */
  async serveDeliveries(handler: DeliveryHandler): Promise<void> {
    this.#listening.push(
      await this.#sql.listen(deliverChannel(this.node), (payload) => {
        // A node of an earlier version sends four fields: no `withReply`.
        for (const [hostname, port, line, trusted, withReply] of parseItems(payload)) {
          if (!isText(hostname) || !isText(line) || !Number.isInteger(port)) continue;
          handler({ hostname, port }, line, trusted === 1, withReply === 1);
        }
      }),
    );
  }

  /** Says at most once a minute that requests came too old: a stalled link, or clock skew. */
  #warnTooOld(node: unknown, ageMs: number): void {
    if (performance.now() - this.#warnedAtMs < 60_000) return;
    this.#warnedAtMs = performance.now();
    logger.warn(
      "Dropped a request node {node} took {ageMs} ms ago (its link stalled, or its clock is " +
        "behind this node's); {count} so far",
      { node, ageMs, count: this.#receivedTooOld },
    );
  }

  /** Sends what is queued, stops listening and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Bounded: cut off from the database, what is queued is lost anyway.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([this.#inbox.drained(), this.#deliveries.drained()]),
      new Promise((resolve) => timer = setTimeout(resolve, 2_000)),
    ]);
    clearTimeout(timer);
    for (const listening of this.#listening) await listening.unlisten().catch(() => {});
    await this.#sql.end({ timeout: 5 });
  }
}

function isText(value: unknown): value is string {
  return typeof value === "string";
}

/** Items of one notification: an array of arrays (a malformed one yields none). */
// deno-lint-ignore no-explicit-any
function parseItems(payload: string): any[][] {
  try {
    const items = JSON.parse(payload);
    return Array.isArray(items) ? items.filter(Array.isArray) : [];
  } catch {
    logger.warn("Ignored a malformed notification on the node link");
    return [];
  }
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
