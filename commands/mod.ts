/**
 * The command registry: every command module, imported by name. A test checks that every file
 * in this folder is listed and that every client-to-server message has exactly one command.
 * @module
 */

import type { ClientMessageType } from "../protocol/mod.ts";
import type { Command } from "./define.ts";
import accept from "./accept.ts";
import bid from "./bid.ts";
import deregister from "./deregister.ts";
import desubscribe from "./desubscribe.ts";
import listItem from "./list_item.ts";
import login from "./login.ts";
import ping from "./ping.ts";
import refuse from "./refuse.ts";
import register from "./register.ts";
import subscribe from "./subscribe.ts";

/** Every command, one per client-to-server message. */
export const COMMANDS: readonly Command[] = [
  register,
  login,
  deregister,
  listItem,
  subscribe,
  desubscribe,
  bid,
  accept,
  refuse,
  ping,
];

/** Commands by message name. */
export function commandTable(
  commands: readonly Command[] = COMMANDS,
): Map<ClientMessageType, Command> {
  const table = new Map<ClientMessageType, Command>();
  for (const command of commands) {
    if (table.has(command.name)) throw new Error(`Two commands claim ${command.name}`);
    table.set(command.name, command);
  }
  return table;
}

export { CommandError, defineCommand } from "./define.ts";
export type { Command, CommandContext } from "./define.ts";
