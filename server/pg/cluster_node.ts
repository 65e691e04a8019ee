/**
 * One node of several serving one database at once. The node holding the writer lock runs every
 * request through its dispatcher, as the only node that validates and writes; every other node
 * is a serving follower: it takes its own clients' datagrams and forwards them to the writer
 * (`node_link.ts`), follows the log, and sends from its own socket the replies and pushes the
 * writer addresses to its clients. A session records the node it was made on (`PeerAddress.node`,
 * from the REGISTER or LOGIN), so pushes leave from the node its client talks to.
 * See `docs/scale-out.md`.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { decodeDatagram, encodeMessage, message, PUSH_TYPES } from "../../protocol/mod.ts";
import type { PeerAddress } from "../../auction/state.ts";
import type { Outbox } from "../core.ts";
import type { Readiness } from "../http/readiness.ts";
import type { Dispatcher, DispatchOptions, Respond } from "../net/dispatcher.ts";
import type { SessionView } from "../net/reply_budget.ts";
import type { LogFollower } from "./follower.ts";
import { linkName, type NodeLink } from "./node_link.ts";

const logger = getLogger(["auction", "cluster"]);

/**
 * What the transports hand requests to. As `Dispatcher.dispatch`, it reads a request's bytes
 * before it returns (the UDP loop reuses its buffer): a follower forwards them base64-encoded at
 * once.
 */
export type RequestHandler = Pick<Dispatcher, "dispatch">;

/** IPs a follower remembers as having a session, past which it starts the set again. */
const MAX_TRUSTED_IPS = 100_000;

/** How often the writer looks which nodes are connected. */
const NODES_POLL_MS = 1_000;

/** How many polls a follower may miss before `/readyz` says it is not caught up. */
const READY_POLLS = 3;

/** A node's role-dependent half: forwarding while it follows, dispatching once it writes. */
export class ClusterNode implements SessionView {
  readonly link: NodeLink;
  #follower: LogFollower | null = null;
  #writer: { dispatcher: RequestHandler; sessions: SessionView } | null = null;
  /** IPs the writer said have a session (a follower's reply budget trusts them). */
  readonly #trustedIps = new Set<string>();
  /**
   * The writer's view of the connected nodes (their link names); `null` before the first look
   * (or while no look has succeeded): then no other node counts as connected.
   */
  #connected: Set<string> | null = null;
  #watching = false;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #forwarded = 0;
  #pushedForWriter = 0;

  constructor(link: NodeLink) {
    this.link = link;
  }

  /** This node's name. */
  get node(): string {
    return this.link.node;
  }

  /** Whether this node is a serving follower now. */
  get following(): boolean {
    return this.#follower !== null && this.#writer === null;
  }

  /** Whether this node is the writer now. */
  get writing(): boolean {
    return this.#writer !== null;
  }

  /** Datagrams forwarded to the writer so far. */
  get forwarded(): number {
    return this.#forwarded;
  }

  /** Forwarded requests dropped as too old, here (held by a stalled link, or received late). */
  get expiredRequests(): number {
    return this.link.expiredRequests;
  }

  /** Pushes (not replies) the writer sent to this node's clients through it so far. */
  get pushedForWriter(): number {
    return this.#pushedForWriter;
  }

  /**
   * How far behind the log this node is while it follows: batches heard of and not applied, and
   * seconds since its last read of the log succeeded. Nothing once it writes: it is the log.
   */
  lag(): { batches: number; seconds: number } {
    if (!this.following) return { batches: 0, seconds: 0 };
    const follower = this.#follower!;
    return {
      batches: follower.lagBatches,
      seconds: Math.max(0, performance.now() - follower.followedAtMs) / 1000,
    };
  }

  /**
   * What the transports serve: a UDP sender is stamped with this node's name (a session made
   * from it lives here), then the request goes to the writer, here or through the link.
   */
  readonly handler: RequestHandler = {
    dispatch: (bytes, sender, respond, options = {}) => {
      if (options.transport === "tcp") return this.#dispatchTcp(bytes, sender, respond, options);
      if (this.#writer) {
        return this.#writer.dispatcher.dispatch(bytes, { ...sender, node: this.node }, respond);
      }
      this.#forwarded++;
      this.link.forward(sender, bytes);
      return Promise.resolve();
    },
  };

  /**
   * Serves as a follower of `follower`'s log: the writer's deliveries to this node's clients go
   * out through `local`.
   */
  async follow(follower: LogFollower, local: PeerSender): Promise<void> {
    this.#follower = follower;
    await this.link.serveDeliveries((to, line, trusted, withReply) => {
      if (trusted) {
        // Bounded: forgetting an IP only makes its replies count against its budget again.
        if (this.#trustedIps.size >= MAX_TRUSTED_IPS) this.#trustedIps.clear();
        this.#trustedIps.add(to.hostname);
      }
      const type = line.slice(0, line.indexOf(" "));
      if (!PUSH_TYPES.has(type)) return void local.send(to, line);
      this.#pushedForWriter++;
      // Behind the pushes already waiting for the socket, as the writer's own (push_queue.ts),
      // unless it is part of an answer: then at once, as the writer sends its own.
      if (local.push && !withReply) local.push(to, line, type);
      else local.send(to, line);
    });
    logger.info("Node {node} serves as a follower: requests go to the writer", {
      node: this.node,
    });
  }

  /**
   * Serves as the writer: requests from this node's clients and those other nodes forward go
   * through `dispatcher`; `sessions` says which IPs have a session (for other nodes' budgets).
   */
  async write(dispatcher: RequestHandler, sessions: SessionView): Promise<void> {
    this.#writer = { dispatcher, sessions };
    this.#follower = null;
    await this.watchNodes();
    await this.link.serveInbox((sender, bytes) => {
      const respond = (line: string) =>
        this.link.deliver(sender, line, sessions.hasSession(sender.hostname));
      dispatcher.dispatch(bytes, sender, respond).catch((error) => {
        logger.error("Forwarded request from {node} failed: {error}", {
          node: sender.node,
          error,
        });
      });
    });
  }

  /**
   * An outbox sending to this node's clients through `local`, to other nodes' through the link.
   * A client of a node that is not connected (dead, or renamed) gets its line from here: the
   * client takes datagrams from any source, and a lost push is worse than one from another node.
   */
  outbox(local: Outbox): Outbox {
    return {
      send: (to, line, message, withReply) => {
        if (to.node === undefined || to.node === this.node || !this.#isConnected(to.node)) {
          return local.send(to, line, message, withReply);
        }
        const trusted = this.#writer?.sessions.hasSession(to.hostname) ?? false;
        this.link.deliver(to, line, trusted, withReply);
      },
      whenRoom: () => local.whenRoom?.(),
    };
  }

  /** Stops looking at the nodes and closes the link. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    await this.link.close();
  }

  /**
   * Looks which nodes are connected, then again every second: before the writer's scheduler and
   * finalizer start, so that their first pushes go to the nodes that serve the sessions (till
   * then, every session's pushes leave from here). Once; {@linkcode write} does it if not done.
   */
  async watchNodes(): Promise<void> {
    if (this.#watching) return;
    this.#watching = true;
    await this.#lookAtNodes();
  }

  /**
   * Whether node `node` is connected, as last seen. Before any look, none is: a push sent from
   * here reaches the client (it takes datagrams from any source); one sent to a dead node's
   * channel is lost.
   */
  #isConnected(node: string): boolean {
    return this.#connected !== null && this.#connected.has(linkName(node));
  }

  /** Looks which nodes are connected now, then again every {@linkcode NODES_POLL_MS}. */
  async #lookAtNodes(): Promise<void> {
    try {
      this.#connected = await this.link.connectedNodes();
    } catch (error) {
      // The last view stands; the store notices a lost database by itself.
      logger.debug("Cannot see the connected nodes: {error}", { error });
    }
    if (this.#closed) return;
    this.#pollTimer = setTimeout(() => void this.#lookAtNodes(), NODES_POLL_MS);
  }

  /** Whether `ip` has a session: the writer's index, or what the writer said while following. */
  hasSession(ip: string): boolean {
    return this.#writer ? this.#writer.sessions.hasSession(ip) : this.#trustedIps.has(ip);
  }

  /**
   * `/readyz` of a follower: caught up (its last read of the log, which applies every batch
   * committed before it, succeeded within a few polls) and so the database reachable, and the
   * writer's heartbeat not stale. `null` once it writes (the server's own check applies).
   */
  readiness(): Readiness | null {
    if (!this.following) return null;
    const agoMs = performance.now() - this.#follower!.followedAtMs;
    if (agoMs > READY_POLLS * this.#follower!.pollMs) {
      return { ready: false, reason: "Not caught up with the log: the database is not answering" };
    }
    // Requests forwarded to a frozen writer go unanswered until a standby takes over.
    return this.#follower!.writerStale
      ? { ready: false, reason: "The writer's heartbeat is stale: it may be frozen" }
      : { ready: true };
  }

  /**
   * A line on a follower's TCP port: PING is answered here, anything else refused as the
   * writer would (nothing on a TCP port acts for a UDP session).
   */
  #dispatchTcp(
    bytes: Uint8Array,
    sender: PeerAddress,
    respond: Respond,
    options: DispatchOptions,
  ): Promise<void> {
    if (this.#writer) return this.#writer.dispatcher.dispatch(bytes, sender, respond, options);
    let rq = 0;
    try {
      const request = decodeDatagram(bytes);
      rq = request.rq;
      if (request.type === "PING") {
        return Promise.resolve(void respond(encodeMessage(message("PONG", rq, {}))));
      }
    } catch {
      // Refused below.
    }
    respond(encodeMessage(message("DENIED", rq, { reason: "Requests go over UDP" })));
    return Promise.resolve();
  }
}

/** Sends a line to a peer (the UDP transport). */
export interface PeerSender {
  /** Sends `line` to `to` at once (a reply). */
  send(to: PeerAddress, line: string): unknown;
  /** Sends push `line` (of `type`) after the pushes already waiting. @default `send` */
  push?(to: PeerAddress, line: string, type: string): unknown;
}
