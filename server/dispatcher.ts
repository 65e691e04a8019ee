/**
 * The one dispatcher: a request's bytes in, its reply out. It decodes, answers repeats from the
 * reply cache, finds the command, runs it in a transaction, and is the only place that turns
 * an error into a wire refusal. It never throws for anything a peer sends.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  decodeDatagram,
  DecodeError,
  encodeMessage,
  type Message,
  message,
  REFUSAL_OF,
  type ServerMessage,
} from "../protocol/mod.ts";
import { COMMANDS, commandTable } from "../commands/mod.ts";
import { type Command, type CommandContext, CommandError } from "../commands/define.ts";
import type { AuctionCore, Transaction } from "./core.ts";
import { logEnabled } from "./logging.ts";
import { RateLimiter } from "./rate_limit.ts";
import { redactLine } from "./redact.ts";
import { ReplyCache, requestDigest } from "./reply_cache.ts";
import { addressKey, nameKey, type PeerAddress, userAt } from "./state.ts";

const logger = getLogger(["auction", "dispatch"]);

/** Sends a reply line back to the requester, over whichever transport the request came. */
export type Respond = (line: string) => void;

/** How a request ended, for metrics: done, refused, answered from the reply cache, and so on. */
export type RequestOutcome =
  | "ok"
  | "refused"
  | "repeat"
  | "rate_limited"
  | "undecodable"
  | "error";

/** Told of every request as it is answered (metrics); must be cheap: it runs on the hot path. */
export type RequestObserver = (type: string, outcome: RequestOutcome) => void;

/** Options of {@linkcode Dispatcher}. */
export interface DispatcherOptions {
  /** The commands to serve. @default COMMANDS */
  // deno-lint-ignore no-explicit-any
  commands?: readonly Command<any, any>[];
  /** Told of each request's type and outcome. */
  onRequest?: RequestObserver;
}

/** Turns requests into transactions and replies. */
export class Dispatcher {
  readonly #core: AuctionCore;
  readonly #commands;
  readonly #replies: ReplyCache;
  readonly #rateLimiter: RateLimiter;
  readonly #onRequest: RequestObserver;
  /** Requests being handled, by source, RQ# and digest: a repeat waits for the first. */
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(core: AuctionCore, options: DispatcherOptions = {}) {
    this.#core = core;
    this.#commands = commandTable(options.commands ?? COMMANDS);
    this.#replies = new ReplyCache(core.state);
    this.#rateLimiter = new RateLimiter(core.config.rateLimitPerSecond);
    this.#onRequest = options.onRequest ?? (() => {});
  }

  /** Handles one request from `sender`; resolves when its reply (if any) has been sent. */
  async dispatch(bytes: Uint8Array, sender: PeerAddress, respond: Respond): Promise<void> {
    const source = addressKey(sender);
    const nowMs = this.#core.clock.now();
    let request: Message;
    try {
      request = decodeDatagram(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      logger.info("Refused undecodable request from {peer}: {reason}", {
        peer: source,
        reason: error.message,
      });
      const refusal = REFUSAL_OF[error.type ?? "DENIED"] ?? "DENIED";
      this.#onRequest(error.type ?? "unknown", "undecodable");
      return this.#reply(respond, source, refusalMessage(refusal, error.rq, error.message));
    }
    if (logEnabled("info")) {
      const line = redactLine(new TextDecoder().decode(bytes));
      logger.info("Received {line} from {peer}", { line, peer: source });
    }

    const digest = requestDigest(bytes);
    // A repeat that arrives while the first is still being handled waits for its reply.
    const flightKey = `${source} ${request.rq} ${digest}`;
    const earlier = this.#inFlight.get(flightKey);
    if (earlier) await earlier.catch(() => {});
    const cached = this.#replies.lookup(source, request.rq, digest, nowMs);
    if (cached) {
      logger.debug("Repeat of RQ# {rq} from {peer}: resending the first reply", {
        rq: request.rq,
        peer: source,
      });
      if (cached.reply !== null) this.#send(respond, source, cached.reply);
      this.#onRequest(request.type, "repeat");
      return;
    }
    // Repeats answered from the cache above do not count: a client retransmitting a lost reply
    // must get that reply, not a rate-limit refusal.
    if (!this.#rateLimiter.allow(source, nowMs)) {
      this.#onRequest(request.type, "rate_limited");
      return this.#reply(
        respond,
        source,
        message("DENIED", request.rq, { reason: "Rate limit exceeded: slow down" }),
      );
    }
    const done = this.#execute(request, sender, digest, respond);
    this.#inFlight.set(flightKey, done);
    try {
      await done;
    } finally {
      if (this.#inFlight.get(flightKey) === done) this.#inFlight.delete(flightKey);
    }
  }

  async #execute(
    request: Message,
    sender: PeerAddress,
    digest: string,
    respond: Respond,
  ): Promise<void> {
    const source = addressKey(sender);
    const command = this.#commands.get(request.type as never);
    if (!command) {
      this.#onRequest(request.type, "refused");
      return this.#reply(
        respond,
        source,
        message("DENIED", request.rq, {
          reason: `${request.type} is not a request the server takes here`,
        }),
      );
    }
    let prepared: unknown;
    try {
      prepared = await command.prepare?.(request, { state: this.#core.state, sender });
    } catch (error) {
      logger.error("Preparing {type} failed: {error}", { type: request.type, error });
      this.#onRequest(request.type, "error");
      return this.#reply(
        respond,
        source,
        refusalMessage(
          REFUSAL_OF[request.type] ?? "DENIED",
          request.rq,
          "Internal error",
        ),
      );
    }
    await this.#core.run(
      (transaction) => this.#handle(command, request, transaction, sender, digest, prepared),
      (reply) => {
        if (reply) this.#send(respond, source, encodeMessage(reply));
      },
    );
  }

  #handle(
    // deno-lint-ignore no-explicit-any
    command: Command<any, any>,
    request: Message,
    transaction: Transaction,
    sender: PeerAddress,
    digest: string,
    prepared: unknown,
  ): ServerMessage | undefined {
    const source = addressKey(sender);
    const user = userAt(transaction.state, sender);
    let changed = false;
    const context: CommandContext = {
      ...transaction,
      emit: (event) => {
        changed = true;
        transaction.emit(event);
      },
      sender,
      user,
      userKey: user ? nameKey(user.name) : undefined,
    };
    let reply: ServerMessage | undefined;
    let outcome: RequestOutcome = "ok";
    try {
      reply = command.handle(request, context, prepared);
      if (reply && (reply.type === "DENIED" || reply.type === REFUSAL_OF[request.type])) {
        outcome = "refused";
      }
    } catch (error) {
      const reason = error instanceof CommandError ? error.message : "Internal error";
      outcome = error instanceof CommandError ? "refused" : "error";
      if (!(error instanceof CommandError)) {
        logger.error("Handling {type} failed: {error}", { type: request.type, error });
      }
      reply = refusalMessage(REFUSAL_OF[request.type] ?? "DENIED", request.rq, reason);
    }
    this.#onRequest(request.type, outcome);
    const entry = {
      rq: request.rq,
      requestDigest: digest,
      reply: reply ? encodeMessage(reply) : null,
      atMs: transaction.nowMs,
    };
    if (changed) {
      transaction.emit({ type: "request_answered", source, ...entry });
    } else {
      this.#replies.rememberRefusal(source, entry);
    }
    return reply;
  }

  #reply(respond: Respond, source: string, reply: ServerMessage): Promise<void> {
    // A refusal changes nothing, but it may describe state that is not yet durable: wait for it.
    return this.#core.store.flush().then(() => this.#send(respond, source, encodeMessage(reply)));
  }

  #send(respond: Respond, source: string, line: string): void {
    if (logEnabled("info")) {
      logger.info("Sent {line} to {peer}", { line: redactLine(line), peer: source });
    }
    respond(line);
  }
}

function refusalMessage(type: string, rq: number, reason: string): ServerMessage {
  return { type, rq, reason } as ServerMessage;
}
