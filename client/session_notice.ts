/**
 * A refusal that means this client's session is gone: its session key was refused (another
 * client logged in as the user and got a new key), or the server no longer knows the client's
 * address as the user's (another client logged in, from elsewhere). The shell says what
 * happened and what to do instead of quoting the refusal. Pure functions.
 * @module
 */

import type { Message } from "../protocol/mod.ts";
import type { ClientEvent } from "./output.ts";

/** Why the session is gone: its key was refused, or the address is no longer the user's. */
export type SessionLostCause = "key" | "moved";

/**
 * The cause when `reply` refuses a request because the session is gone; undefined for any other
 * reply. "Not registered" counts only for a client that had a session (`hadSession`).
 */
export function sessionLostCause(
  reply: Message,
  hadSession: boolean,
): SessionLostCause | undefined {
  if (!("reason" in reply) || reply.type === "CANCEL") return undefined;
  if (/^Session key missing or wrong/i.test(reply.reason)) return "key";
  if (hadSession && /^Not registered/i.test(reply.reason)) return "moved";
  return undefined;
}

/** The `session` event `reply` means for `user`, or undefined when the session is not lost. */
export function sessionLostEvent(
  reply: Message,
  hadSession: boolean,
  user: string,
): ClientEvent | undefined {
  const cause = sessionLostCause(reply, hadSession);
  if (!cause || !("reason" in reply)) return undefined;
  return { type: "session", action: "lost", user, cause, reason: reply.reason };
}

/** The shell's line for a lost session: what happened and what to do. */
export function describeSessionLost(
  event: Extract<ClientEvent, { type: "session" }>,
): string {
  const user = event.user;
  const happened = event.cause === "key"
    ? `The server did not accept this client's session key: another client may have logged in as ${user}.`
    : `The server no longer knows this client as ${user}: another client has probably logged in as ${user}.`;
  return `Not done. ${happened} Type "login" to take the session back here.`;
}
