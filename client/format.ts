/**
 * Output: a message as one JSON object (scripted mode) or as a readable line (the shell), and
 * the `items` table. Pure functions.
 * @module
 */

import {
  formatDuration,
  formatPrice,
  maskCard,
  maskCardNumbers,
  type Message,
  MESSAGES,
} from "../protocol/mod.ts";
import { describePaid, describeShipping } from "./sale_wording.ts";
import { DEFAULT_INFORM_TIMEOUT_SECONDS } from "./flags.ts";
import { type KnownItem, timeLeftAt } from "./items.ts";
import type { ClientEvent } from "./output.ts";
import { PAYMENT_DETAILS, type PaymentProfile } from "./payment.ts";
import { describeCancelReason, plainWords } from "./plain_words.ts";
import { maxReachedReason } from "./autobid.ts";
import { describeIdentityEvent } from "./identity_notices.ts";
import { hideSessionKeys, maskPassword } from "./secrets.ts";

/** A JSON line's object: `type`, `rq`, the fields, and the raw line. */
export type JsonRecord = Record<string, unknown>;

/**
 * A message as the scripted mode prints it: `type` spelled as the table does, `rq`, each field
 * by name (prices as `"25.00"`, card numbers masked, expiry dates left out), and `raw`.
 */
export function messageToJson(message: Message, raw: string): JsonRecord {
  const record: JsonRecord = { type: message.type, rq: message.rq };
  const values = message as unknown as Record<string, unknown>;
  for (
    const [key, spec] of Object.entries(MESSAGES[message.type].fields as Record<string, string>)
  ) {
    const value = values[key];
    if (value === undefined) continue;
    const kind = spec.replace("?", "");
    if (kind === "price") record[key] = formatPrice(value as number);
    else if (kind === "duration") record[key] = formatDuration(value as never);
    else if (kind === "card") record[key] = maskCard(value as string);
    else if (kind === "expiry" || kind === "sessionKey") continue;
    else record[key] = value;
  }
  record.raw = hideSessionKeys(raw);
  return record;
}

/** `1h 02m 05s`, `3m 07s`, `42s`. */
export function formatTimeLeft(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const pad = (value: number) => String(value).padStart(2, "0");
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(rest)}s`;
  if (minutes > 0) return `${minutes}m ${pad(rest)}s`;
  return `${rest}s`;
}

/** What the shell knows beyond a message, to word it. */
export interface DescribeOptions {
  /** This client's user name ("you"). */
  self?: string;
  /** The leader heard last for the message's item: who won, at a close. */
  leader?: string;
  /** This client's side of the sale a TCP message is about. */
  side?: "buyer" | "seller";
}

/** How the shell names each refusal. */
const REFUSED: Record<string, string> = {
  "REGISTER-DENIED": "Register refused",
  "LOGIN-FAILED": "Login failed",
  "LIST-DENIED": "Listing refused",
  "SUBSCRIPTION-DENIED": "Subscription refused",
  "BID_REJECTED": "Bid refused",
  "DENIED": "Refused",
};

/** A message from the server as one readable line for the shell. */
export function describeMessage(message: Message, options: DescribeOptions = {}): string {
  const { self } = options;
  const left = (
    seconds: number,
  ) => (seconds > 0 ? `, ${formatTimeLeft(seconds)} left` : ", closed");
  switch (message.type) {
    case "REGISTERED":
      return "Registered.";
    case "LOGIN_SUCCESS":
      return `Logged in as a ${message.role}.`;
    case "ITEM_LISTED":
      return "Item listed.";
    case "SUBSCRIBED":
      return "Subscribed.";
    case "BID_ACCEPTED":
      return "Bid accepted.";
    case "REGISTER-DENIED":
    case "LOGIN-FAILED":
    case "LIST-DENIED":
    case "SUBSCRIPTION-DENIED":
    case "BID_REJECTED":
    case "DENIED":
      return `${REFUSED[message.type]}: ${plainWords(message.reason)}${lowestBidHint(message)}`;
    case "AUCTION_ANNOUNCE": {
      const price = formatPrice(message.currentPrice);
      if (message.timeLeft > 0) {
        return `[${message.item}] ${quoteIfNeeded(message.description)} at ${price}${
          left(message.timeLeft)
        }`;
      }
      // A subscriber hears every bid from the subscription on: the last leader won.
      const { leader } = options;
      if (leader === undefined) {
        return `[${message.item}] Auction closed at ${price}: no bid heard.`;
      }
      const who = leader === self ? "you" : leader;
      return `[${message.item}] Auction closed: ${who} won at ${price}.`;
    }
    case "BID_UPDATE": {
      const who = message.bidder === self ? "you" : message.bidder;
      return `[${message.item}] ${who} lead${who === "you" ? "" : "s"} at ${
        formatPrice(message.highestBid)
      }${left(message.timeLeft)}`;
    }
    case "NEGOTIATE_REQ":
      return `[${message.item}] no bid yet at ${formatPrice(message.currentPrice)}${
        left(message.timeLeft)
      }. ` +
        `Lower the price with "accept ${message.item} PRICE" (below ${
          formatPrice(message.currentPrice)
        }) ` +
        `or keep it with "refuse ${message.item}".`;
    case "PRICE_ADJUSTMENT":
      return `[${message.item}] price lowered to ${formatPrice(message.newPrice)}${
        left(message.timeLeft)
      }`;
    case "WINNER":
      // The close and the win in one line (the shell holds the closing announcement for it).
      return `[${message.item}] Auction closed: you won at ${
        formatPrice(message.finalPrice)
      }! Seller: ${message.seller}.`;
    case "SOLD":
      return `[${message.item}] Sold to ${message.buyer} at ${formatPrice(message.finalPrice)}.`;
    case "NON_OFFER":
      return `[${message.item}] Auction ended with no bid: the item is not sold.`;
    case "INFORM_Req":
      return `[${message.item}] Payment details requested for ${formatPrice(message.finalPrice)}.`;
    case "CANCEL":
      return `Sale cancelled: ${describeCancelReason(message.reason, options.side)}`;
    case "Shipping_Info":
      return describeShipping(message);
    case "PAID":
      return describePaid(message);
    default:
      return `${message.type} ${message.rq}`;
  }
}

/**
 * For "Bid too low: current price is P" (a server whose bids go up by a cent names no lowest
 * bid): what to bid, `P` plus one cent. Empty for anything else.
 */
function lowestBidHint(message: Message): string {
  if (message.type !== "BID_REJECTED") return "";
  const price = /^Bid too low: current price is (\d+)\.(\d{2})$/.exec(message.reason);
  if (!price) return "";
  return ` (bid ${formatPrice(Number(price[1]) * 100 + Number(price[2]) + 1)} or more)`;
}

/** A time of day as 24-hour `HH:MM:SS`, local time. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The `items` table at `nowMs`: item, price, leader, time left, status. */
export function formatItemsTable(items: KnownItem[], nowMs: number, self?: string): string {
  if (items.length === 0) return "No items yet: subscribe to one, or list one.";
  const rows = items.map((entry) => {
    const seconds = timeLeftAt(entry, nowMs);
    return [
      entry.item,
      entry.priceCents === undefined ? "?" : formatPrice(entry.priceCents),
      entry.leader === undefined
        ? "-"
        : entry.leader === self
        ? `${entry.leader} (you)`
        : entry.leader,
      seconds === undefined ? "?" : formatTimeLeft(seconds),
      entry.outcome ?? (entry.closed ? "closed" : entry.negotiating ? "negotiating" : "open"),
    ];
  });
  const header = ["ITEM", "PRICE", "LEADER", "TIME LEFT", "STATUS"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function quoteIfNeeded(text: string): string {
  return text === "" ? '""' : `"${text}"`;
}

/** Event fields that echo what was typed or sent: card-like numbers in them are masked. */
const ECHOING_FIELDS = new Set(["error", "line", "raw"]);

/**
 * A client event as the scripted mode prints it: prices as `"25.00"`, times as ISO strings,
 * and no full card number in what it echoes (a card typed in the wrong place).
 */
export function eventToJson(event: ClientEvent): JsonRecord {
  const record: JsonRecord = {};
  for (const [key, value] of Object.entries(event)) {
    if (typeof value === "string" && ECHOING_FIELDS.has(key)) {
      // A typed line may hold a password (`login ann PASSWORD`).
      const text = key === "line" ? maskPassword(value) : value;
      record[key] = hideSessionKeys(maskCardNumbers(text));
    } else if (typeof value === "number" && key.endsWith("Cents")) {
      record[key.slice(0, -"Cents".length)] = formatPrice(value);
    } else if (typeof value === "number" && key === "finalPrice") {
      record[key] = formatPrice(value);
    } else if (typeof value === "number" && key.endsWith("Ms")) {
      record[key.slice(0, -"Ms".length)] = new Date(value).toISOString();
    } else {
      record[key] = value;
    }
  }
  return record;
}

/** A client event as one readable line for the shell. */
export function describeEvent(event: ClientEvent): string {
  switch (event.type) {
    case "sent":
      return `${event.request} sent (the server does not answer it when it succeeds).`;
    case "timeout":
      return `No reply from the server to ${event.request} ${event.rq} after ${event.attempts} attempts: is it running, and is --server right?`;
    case "error":
      return `Error: ${plainWords(maskCardNumbers(event.error))}`;
    case "subscribing":
      return `[${event.item}] Subscribing first, to hear the other bids and the close.`;
    case "autobid":
      switch (event.action) {
        case "started":
          return `[${event.item}] autobid on: up to ${formatPrice(event.maxCents)}, step ${
            formatPrice(event.stepCents)
          }`;
        case "bid":
          return `[${event.item}] autobid bids ${formatPrice(event.amountCents)}`;
        case "max_reached":
          return `[${event.item}] autobid stopped: ${
            maxReachedReason(event.priceCents, event.maxCents)
          }`;
        case "stopped":
          return `[${event.item}] autobid stopped: ${event.reason}`;
      }
      break;
    case "payment":
      switch (event.action) {
        case "sent":
          return `[${event.item}] Payment details sent (card ${event.card}).`;
        case "needed": {
          // One line says what is needed and by when; the questions follow, item by item.
          // Both parties answer INFORM_Req: the buyer pays, the seller is paid out.
          const price = formatPrice(event.finalPrice);
          const labels = event.missing.map((key) =>
            PAYMENT_DETAILS[key as keyof PaymentProfile]?.label ?? key
          );
          const needed = `[${event.item}] Sale at ${price}: your payment details are needed`;
          if (event.deadlineFromFlag) {
            return `${needed} by about ${clockTime(event.deadlineMs)} (${labels.join(", ")}).`;
          }
          // INFORM_Req carries no deadline: the time is a guess from the server's default.
          return `${needed} (${labels.join(", ")}) before the server's deadline: by about ${
            clockTime(event.deadlineMs).slice(0, 5)
          } if it waits the default ${DEFAULT_INFORM_TIMEOUT_SECONDS} s.`;
        }
        case "failed":
          return `[${event.item}] ${plainWords(event.error)}`;
      }
  }
  return describeIdentityEvent(event) ?? JSON.stringify(event);
}
