/**
 * Client failover over several server nodes (`--server a:1,b:2,...`): when a request goes
 * unanswered twice at the current node, the request engine asks {@linkcode NodeFailover.move}
 * to go to the next node of the list (round robin). There the client LOGINs with the password
 * its session was made with (kept per auction house, the first entry) and its TCP port, gets a
 * new session key, and SUBSCRIBEs again to the items it follows (a subscription already in place
 * is answered SUBSCRIBED and changes nothing). The engine then resends the requests in flight.
 * @module
 */

import { type Message, message } from "../protocol/mod.ts";
import type { ClientEvent } from "./output.ts";
import type { ClientRequest, RequestOptions, RequestOutcome } from "./requests.ts";

/** How the engine moves to another node (see `failover.ts`). */
export interface EngineFailover {
  /** Unanswered tries of a request at one node before the client moves. @default 2 */
  afterTries?: number;
  /** Moves a request at most this often before it is given up (the number of nodes). */
  maxMoves: number;
  /**
   * Moves to the next node that answers (and LOGINs there): resolves to the session key to
   * send from now on (undefined: keep the one sent), or `moved: false` when no node answered.
   */
  move(): Promise<{ moved: true; key?: string } | { moved: false }>;
}

/** A server node's UDP address. */
export interface NodeAddress {
  hostname: string;
  port: number;
}

/** What a LOGIN at the next node needs: the session's user, password and TCP port. */
export interface FailoverSession {
  name: string;
  password: string;
  tcpPort: number;
}

/** Options of {@linkcode NodeFailover}. */
export interface NodeFailoverOptions {
  /** The nodes, in `--server` order; the first is the auction house. */
  nodes: readonly NodeAddress[];
  /** Points the UDP socket at `node`. */
  setServer(node: NodeAddress): void;
  /** The session to take along; undefined when the client has none (it only moves). */
  session(): FailoverSession | undefined;
  /** The items whose updates the session follows (SUBSCRIBEd and still open). */
  following(): string[];
  /** Sends a request of the move (the engine's `request` with `pinned`). */
  request(build: (rq: number) => ClientRequest, options: RequestOptions): Promise<RequestOutcome>;
  /** The new session key, after LOGIN_SUCCESS. */
  loggedIn(key: string | undefined): void;
  /** An item the node would not subscribe to again (its auction has closed). */
  dropped?(item: string): void;
  report(event: ClientEvent): void;
}

/** `host:port`, `[v6]:port`. */
export function nodeName(node: NodeAddress): string {
  const host = node.hostname.toLowerCase();
  return `${host.includes(":") ? `[${host}]` : host}:${node.port}`;
}

/** Moves the client from node to node. */
export class NodeFailover {
  readonly #options: NodeFailoverOptions;
  readonly #own = new Set<number>();
  #current = 0;

  constructor(options: NodeFailoverOptions) {
    if (options.nodes.length === 0) throw new RangeError("NodeFailover needs at least one node");
    this.#options = options;
  }

  /** The node the client talks to. */
  get current(): NodeAddress {
    return this.#options.nodes[this.#current]!;
  }

  /** Whether `rq` is a request of a move still out (its reply is not shown to the user). */
  isOwn(rq: number): boolean {
    return this.#own.has(rq);
  }

  /**
   * Tries the next nodes in turn, each once (the last try is the node it came from), until one
   * answers: resolves to the new session key, or `moved: false` when none answered.
   */
  async move(): Promise<{ moved: true; key?: string } | { moved: false }> {
    const { nodes } = this.#options;
    const from = this.#current;
    for (let step = 1; step <= nodes.length; step++) {
      this.#current = (from + step) % nodes.length;
      this.#options.setServer(this.current);
      const session = this.#options.session();
      if (!session) {
        this.#reported(from, { moved: true });
        return { moved: true };
      }
      const outcome = await this.#send((rq) =>
        message("LOGIN", rq, {
          name: session.name,
          tcpPort: session.tcpPort,
          password: session.password,
        })
      );
      if (outcome.status === "cancelled") return { moved: false };
      if (outcome.status !== "replied") continue;
      if (outcome.reply.type !== "LOGIN_SUCCESS") {
        // The node answers but keeps the session from us: requests go on with the old key,
        // and their refusal says the session is lost.
        this.#reported(from, { moved: true, error: refusalReason(outcome.reply) });
        return { moved: true };
      }
      const key = outcome.reply.key;
      this.#options.loggedIn(key);
      const resubscribed = await this.#resubscribe(key);
      this.#reported(from, { moved: true, resubscribed });
      return key === undefined ? { moved: true } : { moved: true, key };
    }
    this.#options.report({
      type: "failover",
      from: nodeName(nodes[from]!),
      to: null,
      error: "No node of --server answered",
    });
    return { moved: false };
  }

  async #resubscribe(key: string | undefined): Promise<string[]> {
    const items = this.#options.following();
    const outcomes = await Promise.all(
      items.map((item) =>
        this.#send((rq) => message("SUBSCRIBE", rq, key === undefined ? { item } : { item, key }))
      ),
    );
    const resubscribed: string[] = [];
    outcomes.forEach((outcome, index) => {
      const item = items[index]!;
      if (outcome.status !== "replied") return;
      if (outcome.reply.type === "SUBSCRIBED") resubscribed.push(item);
      else if (outcome.reply.type === "SUBSCRIPTION-DENIED") this.#options.dropped?.(item);
    });
    return resubscribed;
  }

  async #send(build: (rq: number) => ClientRequest): Promise<RequestOutcome> {
    let sent: number | undefined;
    try {
      return await this.#options.request((rq) => {
        sent = rq;
        this.#own.add(rq);
        return build(rq);
      }, { pinned: true });
    } finally {
      if (sent !== undefined) this.#own.delete(sent);
    }
  }

  #reported(from: number, detail: { moved: true; resubscribed?: string[]; error?: string }): void {
    this.#options.report({
      type: "failover",
      from: nodeName(this.#options.nodes[from]!),
      to: nodeName(this.current),
      ...(detail.resubscribed ? { resubscribed: detail.resubscribed } : {}),
      ...(detail.error ? { error: detail.error } : {}),
    });
  }
}

function refusalReason(reply: Message): string {
  const reason = (reply as { reason?: unknown }).reason;
  return `${reply.type}${typeof reason === "string" ? `: ${reason}` : ""}`;
}
