/**
 * The shape of a command: one module per client-to-server message, each
 * `export default defineCommand({ name, summary, prepare?, handle })`. There is no `parse`: the
 * codec's message table decodes every request, so a handler receives a typed message.
 * @module
 */

import type { ClientMessageType, MessageOf, ServerMessage } from "../protocol/mod.ts";
import type { Transaction } from "../server/core.ts";
import type { LoginThrottle } from "../server/identity/login_throttle.ts";
import type { PasswordHasher } from "../server/identity/passwords.ts";
import type { PeerAddress, User } from "../auction/state.ts";

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

/** What a handler sees of the world: the transaction, plus who sent the request. */
export interface CommandContext extends Transaction {
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

/** What {@linkcode Command.prepare} may read. */
export interface PrepareContext {
  /** The live state, read-only. */
  readonly state: Transaction["state"];
  /** Source address of the request. */
  readonly sender: PeerAddress;
  /** The time the request arrived. */
  readonly nowMs: number;
  /** The server settings. */
  readonly config: Transaction["config"];
  /** Password hashing, admitted per IP (throws ServerBusyError over capacity). */
  readonly passwords: PasswordHasher;
  /** LOGIN failures per (name, IP). */
  readonly logins: LoginThrottle;
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
