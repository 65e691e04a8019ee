/**
 * What arrives on the sale's TCP connections: each message is recorded in the item book and
 * reported; an INFORM_Req waits here for its answer (sent at once when the payment profile is
 * complete), and a CANCEL of that sale drops it. An INFORM_Req is answered only for an ended
 * auction this client won or listed, and never takes the place of one still waiting on another
 * open connection: the card goes only where the sale is this client's.
 * @module
 */

import type { Message } from "../protocol/mod.ts";
import { fail } from "./execute.ts";
import type { ClientFlags } from "./flags.ts";
import type { ItemBook } from "./items.ts";
import type { Logger } from "./log.ts";
import type { ClientOutput, CommandResult } from "./output.ts";
import { SaleConnectionClosedError } from "./tcp.ts";
import {
  answerPayment,
  type InformRequest,
  missingDetails,
  type PaymentDetails,
} from "./payment.ts";

/** What a {@linkcode SaleInbox} needs of the client. */
export interface SaleInboxOptions {
  readonly flags: Pick<ClientFlags, "informTimeoutSeconds" | "informTimeoutGiven" | "profile">;
  readonly items: ItemBook;
  /** The client's clock, in ms since the epoch. */
  nowMs(): number;
  /** Where to report (the output may be swapped while the client runs). */
  output(): ClientOutput;
  /** Keeps a payment sent without a command among the client's running tasks. */
  track(task: Promise<unknown>): void;
  /** Where refused INFORM_Reqs are logged. @default none */
  readonly logger?: Logger;
}

/** The sale connections' messages and the INFORM_Reqs waiting for an answer. */
export class SaleInbox {
  readonly #options: SaleInboxOptions;
  readonly #payments = new Map<string, InformRequest>();
  readonly #saleItems = new WeakMap<InformRequest["connection"], string>();
  /** Answers that found their connection closed, by item: sent when the same RQ# asks again. */
  readonly #unsent = new Map<string, { rq: number; details: PaymentDetails }>();

  constructor(options: SaleInboxOptions) {
    this.#options = options;
  }

  /** INFORM_Reqs waiting for an answer. */
  get pendingPayments(): InformRequest[] {
    return [...this.#payments.values()];
  }

  /** Answers the INFORM_Req for `item` with `details`. */
  async pay(item: string, details: PaymentDetails): Promise<CommandResult> {
    const output = this.#options.output;
    const request = this.#payments.get(item.toLowerCase());
    if (!request) {
      return fail(
        { report: (event) => output().event(event) },
        `No payment request for "${item}" is waiting`,
      );
    }
    this.#payments.delete(item.toLowerCase());
    try {
      const card = await answerPayment(request, details);
      output().event({
        type: "payment",
        action: "sent",
        item: request.item,
        rq: request.rq,
        card,
      });
      return "ok";
    } catch (error) {
      let text = `Cannot send the payment details: ${(error as Error).message}`;
      if (error instanceof SaleConnectionClosedError) {
        // A server that restarts connects again and resends the INFORM_Req with its RQ#.
        this.#unsent.set(item.toLowerCase(), { rq: request.rq, details });
        text = "The server's connection closed before the payment details went out; " +
          "they are kept and sent when it asks again.";
      }
      output().event({ type: "payment", action: "failed", item: request.item, error: text });
      return "error";
    }
  }

  /** Takes one message from a sale connection. */
  receive(
    received: Message,
    raw: string,
    connection: InformRequest["connection"],
  ): void {
    const { flags, items, nowMs, output } = this.#options;
    if (received.type === "INFORM_Req" && !this.#mayAnswer(received.item, connection)) return;
    if ("item" in received) this.#saleItems.set(connection, received.item);
    if (received.type === "CANCEL" && !this.#saleItems.has(connection)) {
      // The first message on its connection (the other party could not be reached): the item
      // is the one sale this client waits for, if there is exactly one.
      const [only, ...others] = items.awaitingSale(nowMs());
      if (only && others.length === 0) this.#saleItems.set(connection, only.item);
    }
    const saleItem = this.#saleItems.get(connection);
    items.record(received, nowMs(), { saleItem });
    if (received.type === "CANCEL" && saleItem !== undefined) {
      // The sale is over: its INFORM_Req no longer waits for an answer.
      const key = saleItem.toLowerCase();
      if (this.#payments.get(key)?.connection === connection) this.#payments.delete(key);
      this.#unsent.delete(key);
    }
    output().message(received, raw, "tcp", saleItem);
    if (received.type !== "INFORM_Req") return;
    const request: InformRequest = {
      item: received.item,
      finalPriceCents: received.finalPrice,
      rq: received.rq,
      deadlineMs: nowMs() + flags.informTimeoutSeconds * 1000,
      connection,
    };
    const key = received.item.toLowerCase();
    this.#payments.set(key, request);
    const unsent = this.#unsent.get(key);
    this.#unsent.delete(key);
    if (unsent?.rq === received.rq) {
      // Asked again after a restart: the answers that could not go out go now, unasked.
      this.#options.track(this.pay(received.item, unsent.details));
      return;
    }
    const missing = missingDetails(flags.profile);
    if (missing.length === 0) {
      this.#options.track(this.pay(received.item, flags.profile as PaymentDetails));
      return;
    }
    output().event({
      type: "payment",
      action: "needed",
      item: received.item,
      rq: received.rq,
      finalPrice: received.finalPrice,
      deadlineMs: request.deadlineMs,
      deadlineFromFlag: flags.informTimeoutGiven,
      missing,
    });
  }

  /**
   * Whether an INFORM_Req for `item` on `connection` is one to answer: its auction ended, this
   * client won or listed it, and no INFORM_Req for it waits on another connection still open (a
   * server that restarted asks again on a new connection once the old one closed). Otherwise
   * the connection is closed and nothing is reported.
   */
  #mayAnswer(item: string, connection: InformRequest["connection"]): boolean {
    const waiting = this.#payments.get(item.toLowerCase());
    let reason: string | undefined;
    if (!this.#options.items.isOwnEndedSale(item, this.#options.nowMs())) {
      reason = "not an ended auction this client won or listed";
    } else if (waiting && waiting.connection !== connection && !waiting.connection.closed) {
      reason = "one for this item already waits on another connection";
    }
    if (reason === undefined) return true;
    this.#options.logger?.warn("Ignoring an INFORM_Req", { peer: connection.peer, item, reason });
    connection.close();
    return false;
  }
}
