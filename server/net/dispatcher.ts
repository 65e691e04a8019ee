/**
 * The one dispatcher: a request's bytes in, its reply out. It decodes, answers repeats from the
 * reply cache, finds the command, runs it in a transaction (`run_command.ts`), and is the only
 * place that turns an error into a wire refusal. It never throws for anything a peer sends.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  type ClientMessage,
  datagramText,
  decodeDatagramText,
  DecodeError,
  encodeMessage,
  type Message,
  message,
  MESSAGES,
  REFUSAL_OF,
  secretsOf,
  type ServerMessage,
} from "../../protocol/mod.ts";
import { COMMANDS, commandTable } from "../../commands/mod.ts";
import { type Command, CommandError } from "../../commands/define.ts";
import type { AuctionCore } from "../core.ts";
import { type LogBudget, RequestLog } from "./request_log.ts";
import { LoginThrottle } from "../identity/login_throttle.ts";
import { PasswordHasher, ServerBusyError } from "../identity/passwords.ts";
import { repeatDigest, ReplyCache } from "./reply_cache.ts";
import { type CommandHooks, refusalMessage, runCommand } from "./run_command.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";
import { cachedReply } from "../../auction/replies.ts";
import { type Flight, RequestsInFlight } from "./in_flight.ts";

const logger = getLogger(["auction", "dispatch"]);
const TEXT = new TextDecoder();

/**
 * Sends a reply line back to the requester, over whichever transport the request came; `repeat`
 * when it is resent from the reply cache. Returns `false` when the transport dropped it (the
 * reply budget): such a reply is not remembered.
 */
export type Respond = (line: string, repeat?: boolean) => unknown;

/** How a request arrived. */
export interface DispatchOptions {
  /**
   * `tcp` for a line on the server's own TCP port: nothing there acts for a UDP session, so
   * every request but PING is refused with `DENIED RQ# Requests go over UDP`. @default "udp"
   */
  transport?: "udp" | "tcp";
}

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
  commands?: readonly Command[];
  /**
   * Told when a request acted for the user whose session its source is (not REGISTER, LOGIN
   * or PING): the address has shown that it receives (the reply budget trusts it).
   */
  onSessionShown?: (address: PeerAddress, addressKey: string) => void;
  /** Password hashing and its admission. @default a PasswordHasher at 600,000 iterations */
  passwords?: PasswordHasher;
  /** LOGIN failures per (name, IP). @default a LoginThrottle with its defaults */
  loginThrottle?: LoginThrottle;
  /** Told of each request's type and outcome. */
  onRequest?: RequestObserver;
  /** The budget of per-request log lines. @default 100 a second (`request_log.ts`) */
  logBudget?: LogBudget;
}

/** Turns requests into transactions and replies. */
export class Dispatcher {
  readonly #core: AuctionCore;
  /** The per-request log lines, within their budget (`request_log.ts`). */
  readonly #log: RequestLog;
  readonly #commands;
  readonly #replies: ReplyCache;
  readonly #passwords: PasswordHasher;
  readonly #logins: LoginThrottle;
  readonly #onRequest: RequestObserver;
  /** What a command run reports to (`run_command.ts`). */
  readonly #hooks: CommandHooks;
  /** Requests being handled: a repeat waits for the first. */
  readonly #inFlight = new RequestsInFlight();

  constructor(core: AuctionCore, options: DispatcherOptions = {}) {
    this.#core = core;
    this.#commands = commandTable(options.commands ?? COMMANDS);
    this.#replies = new ReplyCache(core.state);
    this.#passwords = options.passwords ?? new PasswordHasher();
    this.#logins = options.loginThrottle ?? new LoginThrottle();
    this.#log = new RequestLog(options.logBudget);
    this.#onRequest = options.onRequest ?? (() => {});
    this.#hooks = {
      replies: this.#replies,
      onSessionShown: options.onSessionShown ?? (() => {}),
      onRequest: this.#onRequest,
    };
  }

  /**
   * Handles one request from `sender`; resolves when its reply (if any) has been sent. `bytes`
   * is read before this returns, never later: the caller may reuse its buffer at once (the UDP
   * loop receives every datagram into one buffer).
   */
  async dispatch(
    bytes: Uint8Array,
    sender: PeerAddress,
    respond: Respond,
    options?: DispatchOptions,
  ): Promise<void> {
    // No default object: a UDP request (the usual one) passes no options.
    const overTcp = options?.transport === "tcp";
    // A TCP peer never shares a UDP address's cached replies, even with the same port number.
    const source = overTcp ? `tcp ${addressKey(sender)}` : addressKey(sender);
    const nowMs = this.#core.clock.now();
    let request: Message;
    let text: string;
    try {
      // Decoded once: the line is logged and digested below.
      text = datagramText(bytes);
      request = decodeDatagramText(text);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      // The reason may quote a field that holds a password (a REGISTER missing a port).
      const alsoHide = secretsOf(TEXT.decode(bytes));
      this.#log.undecodable(source, error.message, alsoHide);
      const refusal = REFUSAL_OF[error.type ?? "DENIED"] ?? "DENIED";
      this.#onRequest(error.type ?? "unknown", "undecodable");
      const reply = refusalMessage(refusal, error.rq, error.message);
      return void await this.#reply(respond, source, reply, alsoHide);
    }
    this.#log.received(text, source);
    // A UDP request on the TCP port; anything else gets the usual refusal below.
    const udpRequest = MESSAGES[request.type].from === "client" &&
      MESSAGES[request.type].over === "udp";
    if (overTcp && udpRequest && request.type !== "PING") {
      return void await this.#reply(
        respond,
        source,
        message("DENIED", request.rq, { reason: "Requests go over UDP" }),
      );
    }

    const digest = repeatDigest(text);
    // A repeat that arrives while the first is still being handled waits for its reply. Its
    // cached reply is in the state before the events behind it are durable: when the first
    // copy's store write failed, the repeat gets nothing (the server is stopping, fail-stop).
    const earlier = this.#inFlight.find(source, request.rq, digest);
    if (earlier && !await earlier.done.then(() => true, () => false)) return;
    const cached = this.#replies.lookup(source, request.rq, digest, nowMs);
    if (cached) {
      // And never resent before everything applied so far is durable, nor once the store failed.
      if (!await this.#core.whenDurable().then(() => true, () => false)) return;
      logger.debug("Repeat of RQ# {rq} from {peer}: resending the first reply", {
        rq: request.rq,
        peer: source,
      });
      if (cached.reply !== null && !this.#send(respond, source, cached.reply, undefined, true)) {
        this.#replies.forgetRefusal(source, request.rq, digest);
      }
      this.#onRequest(request.type, "repeat");
      return;
    }
    const flight: Flight = {
      rq: request.rq,
      source,
      digest,
      done: this.#execute(request, sender, source, digest, respond, overTcp),
      next: undefined,
    };
    this.#inFlight.add(flight);
    try {
      await flight.done;
    } finally {
      this.#inFlight.remove(flight);
    }
  }

  async #execute(
    request: Message,
    sender: PeerAddress,
    source: string,
    digest: string,
    respond: Respond,
    overTcp: boolean,
  ): Promise<void> {
    const command = isRequest(request) ? this.#commands.get(request.type) : undefined;
    if (!command || !isRequest(request)) {
      this.#onRequest(request.type, "refused");
      return void await this.#reply(
        respond,
        source,
        message("DENIED", request.rq, {
          reason: `${request.type} is not a request the server takes here`,
        }),
      );
    }
    let prepared: unknown;
    try {
      prepared = await command.prepare?.(request, {
        state: this.#core.state,
        sender,
        nowMs: this.#core.clock.now(),
        config: this.#core.config,
        passwords: this.#passwords,
        logins: this.#logins,
      });
    } catch (error) {
      // A refusal of prepare's cheap checks, or "Server busy" (never remembered: a
      // retransmission is evaluated again).
      const known = error instanceof CommandError || error instanceof ServerBusyError;
      this.#onRequest(request.type, known ? "refused" : "error");
      if (!known) logger.error("Preparing {type} failed: {error}", { type: request.type, error });
      const reason = known ? error.message : "Internal error";
      const remembered = error instanceof CommandError && error.remembered;
      const refusal = refusalMessage(REFUSAL_OF[request.type] ?? "DENIED", request.rq, reason);
      const atMs = this.#core.clock.now();
      // A refusal the transport dropped (reply budget) is not remembered either.
      const sent = await this.#reply(respond, source, refusal);
      if (remembered && sent) {
        // For the user it was refused to (see `CachedReply.user`), unless any address may send it
        // (a source on the TCP port is nobody's session).
        const user = command.anySender ? undefined : this.#core.state.sessions[source] ?? null;
        this.#replies.rememberRefusal(
          source,
          cachedReply(request.rq, digest, encodeMessage(refusal), atMs, user),
        );
      }
      return;
    }
    await this.#core.run(
      (transaction) =>
        runCommand(
          command,
          request,
          transaction,
          { sender, source, digest, prepared, overTcp },
          this.#hooks,
        ),
      (line) => {
        // A refusal the transport dropped (reply budget) is not remembered: a retransmission
        // is evaluated again. Replies that changed state go to sessions or are exempt.
        if (line !== null && !this.#send(respond, source, line)) {
          this.#replies.forgetRefusal(source, request.rq, digest);
        }
      },
    );
  }

  #reply(
    respond: Respond,
    source: string,
    reply: ServerMessage,
    alsoHide?: string[],
  ): Promise<boolean> {
    // A refusal changes nothing, but it may describe state that is not yet durable: wait for it.
    return this.#core.whenDurable().then(() =>
      this.#send(respond, source, encodeMessage(reply), alsoHide)
    );
  }

  /** Sends `line` (`repeat`: from the reply cache); `false` when the transport dropped it. */
  #send(
    respond: Respond,
    source: string,
    line: string,
    alsoHide?: string[],
    repeat = false,
  ): boolean {
    const sent = respond(line, repeat) !== false;
    this.#log.replied(line, source, sent, alsoHide);
    return sent;
  }
}

/** Whether `message` is one a client sends (so a command may take it). */
function isRequest(message: Message): message is ClientMessage {
  return MESSAGES[message.type].from === "client";
}
