/**
 * What a sale's exchange works with: its context, and the small steps on its connections
 * (connect to a user, send a line with a log, finish with a grace, stop at shutdown).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { encodeMessage, redactSecrets, type ServerMessage } from "../../protocol/mod.ts";
import type { CoreView, TransactionRunner } from "../core.ts";
import type { PaymentGateway } from "./payment.ts";
import type { LineChannel } from "./line_channel.ts";
import { type Connector, OutOfDescriptorsError } from "./peer_connection.ts";

const logger = getLogger(["auction", "sale"]);

/** What a sale needs of the core: the state, time and settings, and transactions. */
export type SaleCore = CoreView & TransactionRunner;

/** What an exchange needs; the finalizer builds it once. */
export interface ExchangeContext {
  /** The core: state, clock, config and transactions. */
  core: SaleCore;
  /** Pays sales. */
  gateway: PaymentGateway;
  /** Opens connections to parties. */
  connector: Connector;
  /** How long the seller may keep its connection after Shipping_Info, in ms. */
  sellerGraceMs: number;
  /** How long a peer may take to close after the server's last line, in ms. */
  closeGraceMs: number;
  /** Aborts when the server shuts down: the sale then stays pending for the next start. */
  shutdown: AbortSignal;
  /** Called right after each step of a sale (tests; the crash hook of `crash_hook.ts`). */
  onStep?: SaleStepHook;
}

/** The steps of a sale after which {@linkcode ExchangeContext.onStep} is called. */
export const SALE_STEPS = [
  "connected",
  "inform_requested",
  "informs_read",
  "payment_started",
  "charged",
  "settled",
  "shipping_sent",
  "seller_notified",
  "paid_sent",
  "buyer_notified",
] as const;

/** One of {@linkcode SALE_STEPS}. */
export type SaleStep = (typeof SALE_STEPS)[number];

/** Sees each step of a sale as it is done. */
export type SaleStepHook = (step: SaleStep, itemId: number) => void;

/** The server is stopping: leave the sale as it is on disk. */
export class ShutdownError extends Error {
  constructor() {
    super("Server is shutting down");
    this.name = "ShutdownError";
  }
}

/** Connects to a user's session IP and declared TCP port; rejects if there is none. */
export async function connectToUser(
  context: ExchangeContext,
  userKey: string,
): Promise<LineChannel> {
  const user = context.core.state.users[userKey];
  if (!user) throw new Error(`${userKey} is no longer registered`);
  if (!user.session) throw new Error(`${user.name} has no session address`);
  const connecting = context.connector.connect({
    hostname: user.session.hostname,
    port: user.tcpPort,
  });
  const aborted = Promise.withResolvers<never>();
  const onAbort = () => aborted.reject(new ShutdownError());
  if (context.shutdown.aborted) onAbort();
  context.shutdown.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([connecting, aborted.promise]);
  } catch (error) {
    if (error instanceof ShutdownError) connecting.then((channel) => channel.close(), () => {});
    throw error;
  } finally {
    context.shutdown.removeEventListener("abort", onAbort);
  }
}

/** Options of {@linkcode finishChannel}. */
export interface FinishChannelOptions {
  /** How long the peer may take to close. @default context.closeGraceMs */
  graceMs?: number;
  /** Shut down writing first; `false` leaves the peer to close first. @default true */
  halfClose?: boolean;
}

/** Ends a channel with a grace for the peer to close first; a shutdown cuts the grace short. */
export function finishChannel(
  context: ExchangeContext,
  channel: LineChannel,
  options: FinishChannelOptions = {},
): Promise<void> {
  if (context.shutdown.aborted) {
    channel.close();
    return Promise.resolve();
  }
  const onAbort = () => channel.close();
  context.shutdown.addEventListener("abort", onAbort, { once: true });
  const graceMs = options.graceMs ?? context.closeGraceMs;
  return channel.finish(graceMs, { halfClose: options.halfClose }).finally(() => {
    context.shutdown.removeEventListener("abort", onAbort);
  });
}

/** Records that the seller's last message (NON_OFFER or Shipping_Info) is done with. */
export async function recordSellerNotice(
  context: ExchangeContext,
  notice: { itemId: number; delivered: boolean },
): Promise<void> {
  await context.core.run((transaction) => {
    transaction.emit({ type: "seller_notified", atMs: transaction.nowMs, ...notice });
  });
  context.onStep?.("seller_notified", notice.itemId);
}

/** Records that the buyer's PAID is done with. */
export async function recordBuyerNotice(
  context: ExchangeContext,
  notice: { itemId: number; delivered: boolean },
): Promise<void> {
  await context.core.run((transaction) => {
    transaction.emit({ type: "buyer_notified", atMs: transaction.nowMs, ...notice });
  });
  context.onStep?.("buyer_notified", notice.itemId);
}

/**
 * Connects to `userKey` and runs `deliver` on the connection; an unreachable party or a failed
 * delivery is logged and recorded with `record(false)` (never retried forever).
 */
export async function notifyParty(
  context: ExchangeContext,
  target: { itemId: number; userKey: string; role: string },
  deliver: (channel: LineChannel) => Promise<void>,
  record: (delivered: boolean) => Promise<void>,
): Promise<void> {
  let channel;
  try {
    channel = await connectToUser(context, target.userKey);
  } catch (error) {
    if (error instanceof ShutdownError) return;
    // Not the party's fault: the finalizer puts the sale back in line (`--max-sales-in-flight`).
    if (error instanceof OutOfDescriptorsError) throw error;
    logger.warn("The {role} of item {item} is unreachable: {reason}", {
      role: target.role,
      item: target.itemId,
      reason: describe(error),
    });
    return await record(false);
  }
  try {
    await deliver(channel);
  } catch (error) {
    channel.close();
    if (context.shutdown.aborted) return;
    logger.warn("Notice to the {role} of item {item} failed: {reason}", {
      role: target.role,
      item: target.itemId,
      reason: describe(error),
    });
    await record(false);
  }
}

/** Sends one message on a channel, logging it. */
export async function send(channel: LineChannel, outgoing: ServerMessage): Promise<void> {
  const line = encodeMessage(outgoing);
  await channel.send(line);
  logger.info("Sent {line} to {peer}", { line: redactSecrets(line), peer: channel.remote });
}

/** The message of an error, for reasons and logs. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
