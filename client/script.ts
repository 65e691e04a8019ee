/**
 * The scripted mode: commands from stdin, one per line; every reply, push and event written
 * to stdout as one JSON object per line. `wait SECONDS` pauses; `wait-for TYPE [ITEM]
 * [SECONDS]` pauses until a message of TYPE arrives. Each command waits for its answer
 * before the next line runs. The exit code tells a script what went wrong first.
 * @module
 */

import { type Message, type ServerMessageType } from "../protocol/mod.ts";
import { commandHelp, CommandSyntaxError, parseCommand } from "./commands.ts";
import { eventToJson, type JsonRecord, messageToJson } from "./format.ts";
import { timeLeftAt } from "./items.ts";
import { formatPrice } from "../protocol/mod.ts";
import type { ClientEvent, ClientOutput, CommandResult } from "./output.ts";
import type { AuctionClient } from "./session.ts";

/** Exit codes of the scripted mode (the first failure decides). */
export const EXIT = {
  ok: 0,
  /** The server refused a request. */
  refused: 1,
  /** A flag or a script line is wrong, or a command could not run. */
  usage: 2,
  /** A request got no reply after all retransmissions. */
  timeout: 3,
  /** A `wait-for` ran out of time. */
  waitForTimeout: 4,
  /** A sale of this client was cancelled (CANCEL). */
  saleCancelled: 5,
} as const;

/** Messages that end a sale whose payment details this client sent. */
const SALE_OUTCOMES: ReadonlySet<string> = new Set(["PAID", "Shipping_Info", "CANCEL"]);

interface Seen {
  message: Message;
  /** The item it is about: its own field, or the item of its sale connection. */
  item?: string;
  claimed: boolean;
}

/** Prints JSON lines and remembers messages for `wait-for`. */
export class JsonOutput implements ClientOutput {
  readonly #write: (record: JsonRecord) => void;
  readonly #seen: Seen[] = [];
  #wake: (() => void)[] = [];
  /** Items whose payment details were sent and whose sale's outcome is not heard yet. */
  readonly #awaitingOutcome = new Map<string, string>();
  /** Whether a sale of this client was cancelled. */
  saleCancelled = false;

  constructor(write: (record: JsonRecord) => void) {
    this.#write = write;
  }

  message(received: Message, raw: string, _via?: string, saleItem?: string): void {
    const record = messageToJson(received, raw);
    const item = "item" in received ? received.item : saleItem;
    // CANCEL and Shipping_Info name no item: the client adds the one of their connection.
    if (!("item" in received) && saleItem !== undefined) {
      this.#write({ ...record, item: saleItem, raw });
    } else this.#write(record);
    this.#seen.push({ message: received, item, claimed: false });
    if (received.type === "CANCEL") this.saleCancelled = true;
    if (SALE_OUTCOMES.has(received.type) && item !== undefined) {
      this.#awaitingOutcome.delete(item.toLowerCase());
    }
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }

  event(event: ClientEvent): void {
    if (event.type === "payment" && event.action === "sent") {
      this.#awaitingOutcome.set(event.item.toLowerCase(), event.item);
    }
    this.#write(eventToJson(event));
  }

  /**
   * Waits until every sale whose payment details were sent has its outcome (PAID,
   * Shipping_Info or CANCEL), at most `seconds`; resolves to the items still without one.
   */
  async waitForSaleOutcomes(seconds: number): Promise<string[]> {
    const deadline = Date.now() + seconds * 1000;
    while (this.#awaitingOutcome.size > 0 && Date.now() < deadline) {
      await this.#nextMessage(deadline - Date.now());
    }
    return [...this.#awaitingOutcome.values()];
  }

  /** Resolves at the next message, or after `timeoutMs`. */
  #nextMessage(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#wake.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Writes any record. */
  write(record: JsonRecord): void {
    this.#write(record);
  }

  /**
   * Resolves to true when a message of `type` (about `item`) that no earlier wait-for claimed
   * has arrived, counting those that came before the call; false after `seconds`.
   */
  async waitFor(
    type: ServerMessageType,
    item: string | undefined,
    seconds: number,
  ): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    while (true) {
      const found = this.#seen.find((entry) =>
        !entry.claimed && entry.message.type === type &&
        (item === undefined || entry.item?.toLowerCase() === item.toLowerCase())
      );
      if (found) {
        found.claimed = true;
        return true;
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return false;
      await this.#nextMessage(remainingMs);
    }
  }
}

/** Runs a script from `lines`; resolves to the exit code. */
export async function runScript(
  client: AuctionClient,
  output: JsonOutput,
  lines: AsyncIterable<string>,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const fail = (code: number) => {
    if (exitCode === EXIT.ok) exitCode = code;
  };
  const codeOf: Record<CommandResult, number> = {
    ok: EXIT.ok,
    refused: EXIT.refused,
    timeout: EXIT.timeout,
    error: EXIT.usage,
  };
  output.write({
    type: "ready",
    host: client.host,
    udpPort: client.udpPort,
    tcpPort: client.tcpPort,
  });
  for await (const line of lines) {
    let command;
    try {
      command = parseCommand(line);
    } catch (error) {
      if (!(error instanceof CommandSyntaxError)) throw error;
      output.event({ type: "error", error: error.message, line });
      fail(EXIT.usage);
      continue;
    }
    if (!command) continue;
    switch (command.kind) {
      case "quit":
        return await finish(client, output, exitCode);
      case "help":
        output.write({ type: "help", commands: commandHelp() });
        break;
      case "items": {
        const nowMs = client.nowMs();
        output.write({
          type: "items",
          items: client.items.all().map((entry) => ({
            item: entry.item,
            price: entry.priceCents === undefined ? null : formatPrice(entry.priceCents),
            leader: entry.leader ?? null,
            timeLeft: timeLeftAt(entry, nowMs) ?? null,
            closed: entry.closed,
            outcome: entry.outcome ?? null,
          })),
        });
        break;
      }
      case "wait":
        await new Promise((resolve) => setTimeout(resolve, command.seconds * 1000));
        break;
      case "wait-for":
        if (!await output.waitFor(command.messageType, command.item, command.seconds)) {
          const about = command.item ? ` about ${command.item}` : "";
          output.event({
            type: "error",
            error: `wait-for ${command.messageType}${about}: nothing after ${command.seconds} s`,
            line,
          });
          fail(EXIT.waitForTimeout);
        }
        break;
      default:
        fail(codeOf[await client.execute(command)]);
    }
  }
  return await finish(client, output, exitCode);
}

/** Extra time for an outcome, past the server's wait for the other party's details. */
const OUTCOME_MARGIN_SECONDS = 30;

/**
 * Waits for the pending requests, then for the outcome of every sale whose payment details were
 * sent (the server waits up to its inform timeout for the other party's): a script that ends at
 * `payment sent` must still learn whether the sale went through.
 */
async function finish(
  client: AuctionClient,
  output: JsonOutput,
  exitCode: number,
): Promise<number> {
  await client.drain(60_000);
  const waited = client.flags.informTimeoutSeconds + OUTCOME_MARGIN_SECONDS;
  const unheard = await output.waitForSaleOutcomes(waited);
  let code = exitCode;
  if (unheard.length > 0) {
    output.event({
      type: "error",
      error: `No outcome heard for the sale of ${unheard.join(", ")} after ${waited} s`,
    });
    if (code === EXIT.ok) code = EXIT.timeout;
  }
  if (output.saleCancelled && code === EXIT.ok) code = EXIT.saleCancelled;
  return code;
}

/** The lines of a byte stream (stdin). */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncIterable<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) yield part.replace(/\r$/, "");
  }
  if (pending !== "") yield pending;
}
