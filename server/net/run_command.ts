/**
 * A request's command run inside its transaction, for the dispatcher: the session key checked,
 * the handler's events and pushes held until it returns (none when it throws), the refusal made
 * from its error, and the reply remembered (journaled with its events, or cached as a refusal).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { ClientMessage, ServerMessage } from "../../protocol/mod.ts";
import { encodeMessage, REFUSAL_OF } from "../../protocol/mod.ts";
import { type Command, CommandError } from "../../commands/define.ts";
import type { Transaction } from "../core.ts";
import { checkSessionKey } from "../identity/session_check.ts";
import { HandlerContext } from "./handler_context.ts";
import type { ReplyCache } from "./reply_cache.ts";
import type { RequestObserver, RequestOutcome } from "./dispatcher.ts";
import type { PeerAddress } from "../../auction/state.ts";
import type { RequestAnswered } from "../../auction/events.ts";
import { cachedReply } from "../../auction/replies.ts";

const logger = getLogger(["auction", "dispatch"]);

/** Requests that do not show that their source receives: they can come from a forged one. */
const SHOWS_NOTHING = new Set(["REGISTER", "LOGIN", "PING"]);

/** What the dispatcher hands from a request's arrival to its run in a transaction. */
export interface CommandInput {
  sender: PeerAddress;
  /** The reply cache's key of the sender (`tcp ...` on the server's TCP port). */
  source: string;
  digest: string;
  /** What the command's `prepare` returned. */
  prepared: unknown;
  /** Whether the request came on the server's TCP port. */
  overTcp: boolean;
}

/** The dispatcher's parts a command run reports to. */
export interface CommandHooks {
  replies: ReplyCache;
  /** With the address's key (`addressKey`), made once per request already. */
  onSessionShown: (address: PeerAddress, addressKey: string) => void;
  onRequest: RequestObserver;
}

/**
 * Runs `command` for `request` in `transaction`; returns the reply to send as its line (encoded
 * once: the same line is remembered and sent), or `null` when there is none.
 */
export function runCommand(
  command: Command,
  request: ClientMessage,
  transaction: Transaction,
  input: CommandInput,
  hooks: CommandHooks,
): string | null {
  const { sender, source, digest, prepared } = input;
  // Nothing on the server's TCP port is a UDP user's session, even from the same port number.
  // Over UDP `source` is the sender's address key: the session is looked up by it directly.
  const sessionOf = input.overTcp ? undefined : transaction.state.sessions[source];
  const user = sessionOf === undefined ? undefined : transaction.state.users[sessionOf];
  let remembered = true;
  // The handler's events and pushes wait until it returns: one that throws half-way through
  // journals nothing and sends nothing.
  const context = new HandlerContext(transaction, sender, user);
  const { events, pushes } = context;
  let reply: ServerMessage | undefined;
  let outcome: RequestOutcome = "ok";
  try {
    if (!command.anySender && user) {
      checkSessionKey(request, { user, config: transaction.config });
    }
    reply = command.handle(request, context, prepared);
    if (user && !SHOWS_NOTHING.has(request.type)) {
      hooks.onSessionShown(sender, source);
      // Journaled once a session, with a request that changed something (one that was ignored
      // journals nothing), so that the reply budget trusts it again after a restart. A
      // provisional account's first such request journals it even when it changed nothing else:
      // it keeps the account (auction/provisional.ts).
      if ((user.sessionUnproven || user.provisional) && (events.length > 0 || user.provisional)) {
        events.push({ type: "session_shown", atMs: transaction.nowMs, name: user.name });
      }
    }
    if (reply && (reply.type === "DENIED" || reply.type === REFUSAL_OF[request.type])) {
      outcome = "refused";
    }
  } catch (error) {
    events.length = 0;
    pushes.length = 0;
    const reason = error instanceof CommandError ? error.message : "Internal error";
    outcome = error instanceof CommandError ? "refused" : "error";
    if (!(error instanceof CommandError)) {
      logger.error("Handling {type} failed: {error}", { type: request.type, error });
    } else remembered = error.remembered;
    reply = refusalMessage(REFUSAL_OF[request.type] ?? "DENIED", request.rq, reason);
  }
  hooks.onRequest(request.type, outcome);
  const line = reply ? encodeMessage(reply) : null;
  const atMs = transaction.nowMs;
  for (const event of events) transaction.emit(event);
  for (const push of pushes) transaction.sendTo(push.to, push.message, push.withReply);
  // Whom the reply is for: it answers a repeat only while the address stays that user's session.
  // Any address may send REGISTER, LOGIN and PING: their replies answer a repeat from it always.
  const forUser = command.anySender ? undefined : sessionOf ?? null;
  if (events.length > 0) {
    // Built whole, in the journal's key order: no entry object spread into it. No `user` key
    // rather than an undefined one, as `cachedReply` does.
    const answered: RequestAnswered = {
      type: "request_answered",
      source,
      rq: request.rq,
      requestDigest: digest,
      reply: line,
      atMs,
    };
    if (forUser !== undefined) answered.user = forUser;
    transaction.emit(answered);
  } else if (remembered) {
    hooks.replies.rememberRefusal(source, cachedReply(request.rq, digest, line, atMs, forUser));
  }
  return line;
}

/** The refusal `type` (`DENIED`, `BID_REJECTED` ...) of request `rq`, with its reason. */
export function refusalMessage(type: string, rq: number, reason: string): ServerMessage {
  return { type, rq, reason } as ServerMessage;
}
