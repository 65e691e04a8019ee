/**
 * The shell's lines for the client's own events about who it is and whether the server is
 * there: a password kept or not, a session lost, the server unreachable or back, a move to another node. Pure.
 * @module
 */

import type { ClientEvent } from "./output.ts";
import { describeSessionLost } from "./session_notice.ts";

/** One readable line for an identity or reachability event; undefined for any other event. */
export function describeIdentityEvent(event: ClientEvent): string | undefined {
  switch (event.type) {
    case "password":
      return event.action === "kept"
        ? `A password for ${event.user} was made up and kept in ${event.file}: ` +
          `"login" on this machine needs no typing.`
        : `This client cannot keep a password for ${event.user}: ${event.reason}. ` +
          `Choose one; "login" will ask for it.`;
    case "session":
      return describeSessionLost(event);
    case "unreachable":
      return `No answer from the server at ${event.server} after ${event.seconds} s: ` +
        `is it running, and is --server right? Still trying...`;
    case "reachable":
      return `The server at ${event.server} answers now.`;
    case "failover":
      return event.to === null
        ? `No answer from ${event.from}, nor from any other node of --server.`
        : `No answer from ${event.from}: moved to ${event.to}` +
          (event.error ? ` (${event.error})` : "");
    default:
      return undefined;
  }
}
