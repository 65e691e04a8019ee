/**
 * The client's command language, shared by the shell and the scripted mode: one line in, a
 * typed {@linkcode ClientCommand} out. Fields may be quoted (`"Red kite"`) as on the wire; names
 * never hold spaces. Errors name fields in plain words (`price`, `item name`), not the wire's.
 * @module
 */

import {
  type CardExpiry,
  type Duration,
  lookupMessageType,
  MESSAGES,
  parseCardNumber,
  parseDescription,
  parseDuration,
  parseItemName,
  parsePassword,
  parsePrice,
  parseRole,
  parseText,
  parseTypedCardExpiry,
  parseUserName,
  ProtocolError,
  type Role,
  type ServerMessageType,
  tokenize,
} from "../protocol/mod.ts";
import { closestWord } from "./suggest.ts";

/** A command typed by a person or read from a script. */
export type ClientCommand =
  | { kind: "register"; name?: string; role?: Role; password?: string }
  | { kind: "login"; name?: string; password?: string }
  | { kind: "deregister" }
  | { kind: "list"; item: string; description: string; startPriceCents: number; duration: Duration }
  | { kind: "subscribe"; item: string }
  | { kind: "unsubscribe"; item: string }
  | { kind: "bid"; item: string; amountCents: number }
  | { kind: "autobid"; item: string; maxCents: number; stepCents: number }
  | { kind: "autobid-stop"; item: string }
  | { kind: "accept"; item: string; priceCents: number }
  | { kind: "refuse"; item: string }
  | {
    kind: "pay";
    item: string;
    fullName: string;
    card: string;
    expiry: CardExpiry;
    address: string;
  }
  | { kind: "items" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "wait"; seconds: number }
  | { kind: "wait-for"; messageType: ServerMessageType; item?: string; seconds: number };

/** A command line that cannot be understood; the message says how to write it. */
export class CommandSyntaxError extends SyntaxError {
  constructor(message: string) {
    super(message);
    this.name = "CommandSyntaxError";
  }
}

/** How long `wait-for` waits when no SECONDS is given. */
export const DEFAULT_WAIT_FOR_SECONDS = 60;
/** The default autobid step: the smallest increment, in cents. */
export const DEFAULT_STEP_CENTS = 1;

/** Each command's usage, for `help` and for errors. */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  register: "register [NAME ROLE [PASSWORD]]    register (defaults: --name, --role, --password)",
  login: "login [NAME [PASSWORD]]            reattach your session from this client",
  deregister: "deregister                         remove your user",
  list: 'list ITEM DESC PRICE DURATION      sell an item: list Kite "Red kite" 20 5m',
  subscribe: "subscribe ITEM                     follow an item's auction",
  unsubscribe: "unsubscribe ITEM                   stop following it",
  bid: "bid ITEM AMOUNT                    bid on an item",
  autobid: "autobid ITEM MAX [STEP]            outbid others up to MAX; autobid ITEM stop ends it",
  accept: "accept ITEM PRICE                  seller: lower the price of an item with no bid",
  refuse: "refuse ITEM                        seller: keep the price of an item with no bid",
  pay: "pay ITEM NAME CARD MM/YY ADDRESS   answer a payment request (quote fields with spaces)",
  items: "items                              what you have heard: price, leader, time left",
  help: "help                               this list",
  quit: "quit                               leave (pending requests finish first)",
  wait: "wait SECONDS                       pause a script",
  "wait-for": "wait-for TYPE [ITEM] [SECONDS]     pause a script until a message arrives",
};

/** One command's help: its name, its arguments and what it does (the JSON `help` record). */
export interface CommandHelp {
  command: string;
  args: string;
  summary: string;
}

/** Every command's help as data, in {@linkcode COMMAND_USAGE} order. */
export function commandHelp(): CommandHelp[] {
  return Object.entries(COMMAND_USAGE).map(([command, usage]) => {
    const [syntax = "", ...summary] = usage.split(/ {2,}/);
    return { command, args: syntax.slice(command.length).trim(), summary: summary.join(" ") };
  });
}

/** The help as aligned lines: each summary starts in one column. */
export function formatHelp(entries: CommandHelp[]): string {
  const syntax = entries.map((entry) => `${entry.command} ${entry.args}`.trim());
  const width = Math.max(...syntax.map((text) => text.length)) + 2;
  return entries.map((entry, index) => `${syntax[index]!.padEnd(width)}${entry.summary}`)
    .join("\n");
}

const ALIASES: Record<string, string> = {
  "de-register": "deregister",
  "unregister": "deregister",
  "de-subscribe": "unsubscribe",
  "desubscribe": "unsubscribe",
  "list_item": "list",
  "exit": "quit",
  "?": "help",
  "waitfor": "wait-for",
  "wait_for": "wait-for",
};

/** Whether `text` reads as a whole command (`items`, `bid Kite 30`). */
export function isCommandLine(text: string): boolean {
  try {
    return parseCommand(text) !== undefined;
  } catch {
    return false;
  }
}

/** Parses one line; returns undefined for a blank line or a `#` comment. */
export function parseCommand(line: string): ClientCommand | undefined {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return undefined;
  let words: string[];
  try {
    words = tokenize(trimmed);
  } catch (error) {
    throw new CommandSyntaxError(error instanceof Error ? error.message : String(error));
  }
  const [first = "", ...args] = words;
  const name = ALIASES[first.toLowerCase()] ?? first.toLowerCase();
  const usage = COMMAND_USAGE[name];
  if (usage === undefined) {
    const guess = closestWord(first, Object.keys(COMMAND_USAGE));
    const help = guess === undefined
      ? "type help for the list"
      : `did you mean ${guess}? (type help for the list)`;
    throw new CommandSyntaxError(`Unknown command "${first}": ${help}`);
  }
  try {
    return build(name, args, usage);
  } catch (error) {
    if (error instanceof ProtocolError) {
      throw new CommandSyntaxError(`${error.message} (usage: ${usage.split(/ {2,}/)[0]})`);
    }
    throw error;
  }
}

/** How a person calls an item's name: the wire's `Item_Name` stays on the wire. */
const ITEM = "item name";

function build(name: string, args: string[], usage: string): ClientCommand {
  const arity = (min: number, max: number) => {
    if (args.length > max && max > 0) {
      throw new CommandSyntaxError(
        `Too many words for ${name}: quote a field with spaces, like "Red kite" ` +
          `(usage: ${usage.split(/ {2,}/)[0]})`,
      );
    }
    if (args.length < min || args.length > max) {
      throw new CommandSyntaxError(`Usage: ${usage.split(/ {2,}/)[0]}`);
    }
  };
  const at = (index: number) => args[index] ?? "";
  switch (name) {
    case "register":
      if (args.length === 1) arity(0, 0);
      arity(0, 3);
      return {
        kind: "register",
        ...(args.length > 0
          ? { name: parseUserName(at(0), "name"), role: parseRole(at(1), "role") }
          : {}),
        ...(args.length > 2 ? { password: parsePassword(at(2), "password") } : {}),
      };
    case "login":
      arity(0, 2);
      return {
        kind: "login",
        ...(args.length > 0 ? { name: parseUserName(at(0), "name") } : {}),
        ...(args.length > 1 ? { password: parsePassword(at(1), "password") } : {}),
      };
    case "deregister":
    case "items":
    case "help":
    case "quit":
      arity(0, 0);
      return { kind: name };
    case "list":
      arity(4, 4);
      return {
        kind: "list",
        item: parseItemName(at(0), ITEM),
        description: parseDescription(at(1), "description"),
        startPriceCents: parsePrice(at(2), "price"),
        duration: parseDuration(at(3), "duration"),
      };
    case "subscribe":
    case "unsubscribe":
    case "refuse":
      arity(1, 1);
      return { kind: name, item: parseItemName(at(0), ITEM) };
    case "bid":
      arity(2, 2);
      return {
        kind: "bid",
        item: parseItemName(at(0), ITEM),
        amountCents: parsePrice(at(1), "amount"),
      };
    case "accept":
      arity(2, 2);
      return {
        kind: "accept",
        item: parseItemName(at(0), ITEM),
        priceCents: parsePrice(at(1), "price"),
      };
    case "autobid":
      arity(2, 3);
      if (args.length === 2 && /^(stop|off)$/i.test(at(1))) {
        return { kind: "autobid-stop", item: parseItemName(at(0), ITEM) };
      }
      return {
        kind: "autobid",
        item: parseItemName(at(0), ITEM),
        maxCents: parsePrice(at(1), "max"),
        stepCents: args.length > 2 ? parsePrice(at(2), "step") : DEFAULT_STEP_CENTS,
      };
    case "pay":
      arity(5, 5);
      return {
        kind: "pay",
        item: parseItemName(at(0), ITEM),
        fullName: parseText(at(1), "full name"),
        card: parseCardNumber(at(2), "card"),
        expiry: parseTypedCardExpiry(at(3), "expiry"),
        address: parseText(at(4), "address"),
      };
    case "wait":
      arity(1, 1);
      return { kind: "wait", seconds: parseSeconds(at(0)) };
    default:
      arity(1, 3);
      return parseWaitFor(args);
  }
}

/** `wait-for TYPE [ITEM] [SECONDS]`; a lone number after TYPE is SECONDS. */
function parseWaitFor(args: string[]): ClientCommand {
  const [typeName = "", ...rest] = args;
  const messageType = lookupMessageType(typeName);
  if (!messageType || MESSAGES[messageType].from !== "server") {
    throw new CommandSyntaxError(`wait-for needs a message the server sends, not "${typeName}"`);
  }
  const type = messageType as ServerMessageType;
  if (rest.length === 0) {
    return { kind: "wait-for", messageType: type, seconds: DEFAULT_WAIT_FOR_SECONDS };
  }
  if (rest.length === 1 && isNumber(rest[0]!)) {
    return { kind: "wait-for", messageType: type, seconds: parseSeconds(rest[0]!) };
  }
  return {
    kind: "wait-for",
    messageType: type,
    item: parseItemName(rest[0]!, ITEM),
    seconds: rest.length > 1 ? parseSeconds(rest[1]!) : DEFAULT_WAIT_FOR_SECONDS,
  };
}

function isNumber(text: string): boolean {
  return /^\d+(\.\d+)?$/.test(text);
}

function parseSeconds(text: string): number {
  if (!isNumber(text) || Number(text) > 86_400) {
    throw new CommandSyntaxError(`Invalid seconds "${text}": use a number up to 86400`);
  }
  return Number(text);
}
