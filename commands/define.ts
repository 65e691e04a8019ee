/**
 * The shape of a command: one module per client-to-server message, each
 * `export default defineCommand({ name, summary, prepare?, handle })`. There is no `parse`: the
 * codec's message table decodes every request, so a handler receives a typed message.
 * @module
 */

import type { ClientMessageType, DurationUnit, MessageOf, ServerMessage } from "../protocol/mod.ts";
import type { AuctionEvent } from "../auction/events.ts";
import type { PasswordHash } from "../auction/password_record.ts";
import type { AuctionState, PeerAddress, User } from "../auction/state.ts";

/** Options of {@linkcode CommandError}. */
export interface CommandErrorOptions {
  /**
   * Whether a repeat of the request gets this refusal from the reply cache. False for
   * refusals that may not hold a moment later (throttles, a wrong session key): a
   * retransmission is evaluated again. @default true
   */
  remembered?: boolean;
}

/** A refusal: the dispatcher sends it as the row's refusal (`BID_REJECTED RQ# Reason`, ...). */
export class CommandError extends Error {
  /** Whether the reply cache keeps this refusal for repeats. */
  readonly remembered: boolean;

  constructor(reason: string, options: CommandErrorOptions = {}) {
    super(reason);
    this.name = "CommandError";
    this.remembered = options.remembered ?? true;
  }
}

/** The settings a handler reads; the server's configuration has them all. */
export interface CommandSettings {
  /** The unit of LIST_ITEM's Duration. */
  readonly durationUnit: DurationUnit;
  /** The smallest raise over the current price. */
  readonly minIncrementCents: number;
  /** A bid this close to the end moves the end to now + this; 0 for none. */
  readonly softCloseSeconds: number;
  /** Most users the server holds; 0 for no limit. */
  readonly maxUsers: number;
  /** Seconds a provisional account lasts; 0: accounts are never provisional. */
  readonly provisionalSeconds: number;
  /** Most provisional accounts; 0 for no cap. */
  readonly maxProvisional: number;
  /** Most provisional accounts of one IPv4 /24 or IPv6 /64; 0 for no cap. */
  readonly maxProvisionalPerNetwork: number;
  /** Most accounts from one IP; 0 for no limit. */
  readonly maxUsersPerIp: number;
  /** Most open auctions of one seller; 0 for no limit. */
  readonly maxListingsPerSeller: number;
  /** Most open subscriptions of one user; 0 for no limit. */
  readonly maxSubscriptionsPerUser: number;
  /** Whether REGISTER needs a password. */
  readonly requirePassword: boolean;
}

/** A new session key, and the hash the state keeps of it. */
export interface SessionKey {
  /** What the client gets (once). */
  readonly key: string;
  /** What the state keeps. */
  readonly keyHash: string;
}

/**
 * What a handler sees of the world: the state as it was when the request arrived, the sender,
 * and the ways to act. Events and pushes wait until the handler returns: a handler that throws
 * changes nothing and sends nothing.
 */
export interface CommandContext {
  /** The live state, read-only; change it only through {@linkcode emit}. */
  readonly state: Readonly<AuctionState>;
  /** The time the request is handled at. */
  readonly nowMs: number;
  /** The settings. */
  readonly config: CommandSettings;
  /** Records an event, applied and journaled once the handler returns. */
  emit(event: AuctionEvent): void;
  /** The next server RQ#, from the one counter that survives restarts. */
  nextServerRq(): number;
  /** Queues a message to a user's session address, sent once the events are durable. */
  push(userKey: string, build: (rq: number) => ServerMessage): void;
  /**
   * Queues a message to the sender that belongs to the answer (SUBSCRIBE's AUCTION_ANNOUNCE):
   * sent right after the reply, never behind other pushes waiting for the socket.
   */
  followUp(build: (rq: number) => ServerMessage): void;
  /** A fresh session key. */
  newSessionKey(): SessionKey;
  /** Source address of the request. */
  readonly sender: PeerAddress;
  /** The user whose session the sender is, if any. */
  readonly user: User | undefined;
  /** The key of {@linkcode user} in the state's `users`. */
  readonly userKey: string | undefined;
}

/** One client-to-server message and how the server handles it. */
export interface Command<N extends ClientMessageType = ClientMessageType, P = unknown> {
  /** The message this command handles, as the table spells it. */
  readonly name: N;
  /** One line for the docs and logs. */
  readonly summary: string;
  /**
   * True for the requests any address may send without a session key (REGISTER, LOGIN, PING);
   * every other request from a password account's session must carry its key. @default false
   */
  readonly anySender?: boolean;
  /**
   * Optional slow work done before {@linkcode handle}, outside the ordered section (password
   * hashing). It may read the state but not change it, and does its cheap refusals (throw
   * {@linkcode CommandError}) before any slow work.
   */
  prepare?(message: MessageOf<N>, context: PrepareContext): Promise<P>;
  /**
   * Does the work: reads the state, emits events, pushes, and returns the reply (or nothing
   * when the table has none). Throws {@linkcode CommandError} to refuse; changes nothing then.
   */
  handle(message: MessageOf<N>, context: CommandContext, prepared: P): ServerMessage | undefined;
}

/** Password hashing as a handler uses it, admitted per IP (over capacity it throws). */
export interface Passwords {
  /** Hashes a new password at today's iterations. */
  hash(password: string, ip: string): Promise<PasswordHash>;
  /**
   * Checks `password` against `stored` (a dummy hash when `undefined`, for the same time);
   * `upgraded` is the password hashed again when `stored` was weaker than today's.
   */
  verify(
    password: string,
    options: { stored: PasswordHash | undefined; ip: string },
  ): Promise<{ match: boolean; upgraded?: PasswordHash }>;
}

/** A LOGIN attempt, as the throttle counts it. */
export interface LoginAttempt {
  /** The user name tried. */
  readonly name: string;
  /** The IP it came from. */
  readonly ip: string;
}

/** LOGIN failures per (name, IP). */
export interface Logins {
  /** How long `attempt` must wait before it is tried again; 0 when it may go now. */
  waitMs(attempt: LoginAttempt, nowMs: number): number;
  /** Counts a failure. */
  fail(attempt: LoginAttempt, nowMs: number): void;
  /** Forgets the failures of a name from an IP. */
  succeed(attempt: LoginAttempt): void;
}

/** What {@linkcode Command.prepare} may read. */
export interface PrepareContext {
  /** The live state, read-only. */
  readonly state: Readonly<AuctionState>;
  /** Source address of the request. */
  readonly sender: PeerAddress;
  /** The time the request arrived. */
  readonly nowMs: number;
  /** The settings. */
  readonly config: CommandSettings;
  /** Password hashing, admitted per IP. */
  readonly passwords: Passwords;
  /** LOGIN failures per (name, IP). */
  readonly logins: Logins;
}

/** An identity helper that exists so TypeScript infers a command's types. */
export function defineCommand<N extends ClientMessageType, P = undefined>(
  command: Command<N, P>,
): Command<N, P> {
  return command;
}

/** Refuses a request whose sender has no registered or logged-in user. */
export function requireUser(context: CommandContext): { user: User; userKey: string } {
  if (!context.user || context.userKey === undefined) {
    throw new CommandError("Not registered: REGISTER or LOGIN from this address first");
  }
  return { user: context.user, userKey: context.userKey };
}
