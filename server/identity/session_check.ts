/**
 * The session key check the dispatcher runs before every request that is not REGISTER, LOGIN or
 * PING (PROTOCOL.md, "Who may act for a user").
 * @module
 */

import type { Message } from "../../protocol/mod.ts";
import { CommandError } from "../../commands/define.ts";
import type { ServerConfig } from "../config.ts";
import { sessionKeyMatches } from "./session_keys.ts";
import type { User } from "../../auction/state.ts";

/**
 * Refuses a request from a password account's session without its key (PROTOCOL.md, "Who may
 * act for a user"), and under `--require-password` any request of an account without one. The
 * refusal is not remembered: the same request sent again with the right key is done.
 */
export function checkSessionKey(
  request: Message,
  session: { user: User; config: Pick<ServerConfig, "requirePassword"> },
): void {
  const { user, config } = session;
  // A password account whose session dates from before keys has none: it must LOGIN once.
  if (user.passwordHash !== undefined || user.sessionKeyHash !== undefined) {
    const key = (request as { key?: string }).key;
    if (user.sessionKeyHash === undefined || !sessionKeyMatches(user.sessionKeyHash, key)) {
      throw new CommandError("Session key missing or wrong", { remembered: false });
    }
  } else if (config.requirePassword) {
    throw new CommandError(
      "This server requires a password and this account has none: REGISTER a new name with one",
      { remembered: false },
    );
  }
}
