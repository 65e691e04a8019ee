/**
 * The shell's payment questions for INFORM_Req: one questionnaire at a time (their questions
 * must not interleave), skipped when its item was answered meanwhile, dropped when its sale
 * is cancelled. The details given for one sale are offered again at the next, in one y/n
 * question (kept in memory only, never written anywhere), unless their card was refused.
 * @module
 */

import { cardLastFour, isCardExpired } from "../protocol/mod.ts";
import { missingDetails, PAYMENT_DETAILS, type PaymentDetails } from "./payment.ts";
import type { AuctionClient } from "./session.ts";

/** How the questions reach the terminal (the shell's). */
export interface Asker {
  /**
   * Asks until `parse` accepts the answer; rejects with the signal's reason when aborted.
   * `help` is what `help` or `?` typed there prints.
   */
  ask<T>(
    prompt: string,
    parse: (text: string) => T,
    options: { secret: boolean; signal: AbortSignal; help: string },
  ): Promise<T>;
  /** Prints a line above the prompt. */
  print(text: string): void;
}

/** The payment questionnaires of one shell. */
export class PaymentQuestions {
  readonly #asker: Asker;
  #queue: Promise<void> = Promise.resolve();
  #current?: { item: string; abort: AbortController };
  /** The answers given for each item's INFORM_Req, by its RQ# (kept in memory only). */
  readonly #answers = new Map<string, { rq: number; details: PaymentDetails }>();
  /** The details given last, offered again at the next sale (in memory only). */
  #last?: { item: string; details: PaymentDetails };

  constructor(asker: Asker) {
    this.#asker = asker;
  }

  /**
   * Asks for `item`'s payment details (INFORM_Req `rq`) after the questionnaires already
   * queued. The same request asked again (the server restarted after the answers were sent)
   * is answered with them, without asking.
   */
  enqueue(client: AuctionClient, item: string, rq: number): void {
    this.#queue = this.#queue.then(() => this.#run(client, item, rq))
      .catch((error) => this.#asker.print(`Error: ${error}`));
  }

  /** Whether a questionnaire for `item` is being asked. */
  isAsking(item: string): boolean {
    return this.#current?.item.toLowerCase() === item.toLowerCase();
  }

  /** The shipping address answered for `item`, if the questions asked it. */
  address(item: string): string | undefined {
    return this.#answers.get(item.toLowerCase())?.details.address;
  }

  /**
   * Drops the running questions when they are `item`'s: its sale was cancelled. When `reason`
   * says the card given for it was refused (declined, invalid, expired), those details are not
   * offered again.
   */
  cancel(item: string, reason = ""): void {
    if (this.#current?.item.toLowerCase() === item.toLowerCase()) this.#current.abort.abort();
    const refused = /\bcard ending (\d{4}) (?:was declined|is not a valid|has expired)/i.exec(
      reason,
    );
    const given = this.#answers.get(item.toLowerCase())?.details.card;
    if (!refused || given === undefined || cardLastFour(given) !== refused[1]) return;
    if (this.#last?.details.card === given) this.#last = undefined;
  }

  /**
   * Asks for the missing details and answers `item`'s waiting INFORM_Req. Skips when none
   * waits: the one before answered it (a server that restarted mid-sale asks again on a new
   * connection, and the answer goes to the newest) or its sale was cancelled.
   */
  async #run(client: AuctionClient, item: string, rq: number): Promise<void> {
    const waiting = (request: { item: string }) =>
      request.item.toLowerCase() === item.toLowerCase();
    if (!client.pendingPayments.some(waiting)) return;
    const answered = this.#answers.get(item.toLowerCase());
    if (answered?.rq === rq) {
      await client.pay(item, answered.details);
      return;
    }
    const profile = { ...client.flags.profile };
    let missing = missingDetails(profile);
    // The "needed" line said which details and by when; each question names its item.
    const details: Record<string, unknown> = { ...profile };
    const abort = new AbortController();
    this.#current = { item, abort };
    try {
      const last = this.#last;
      if (last && missing.length > 0 && !isCardExpired(last.details.expiry, Date.now())) {
        const reuse = await this.#asker.ask(
          `[${item}] ${reuseQuestion(last.item, last.details)}`,
          parseYesNo,
          {
            secret: false,
            signal: abort.signal,
            help: `[${item}] Enter or y sends the details you gave for ${last.item} again; ` +
              `n asks each one. ${LEAVING}`,
          },
        );
        if (reuse) {
          for (const key of missing) details[key] = last.details[key];
          missing = [];
        }
      }
      for (const key of missing) {
        const { question, label, parse, secret } = PAYMENT_DETAILS[key];
        const answer = (value: string) => parse(value, label);
        const help = `[${item}] The sale of ${item} needs your payment details (the buyer ` +
          `pays, the seller is paid out): type your ${asked(question)}. ${LEAVING}`;
        details[key] = await this.#asker.ask(`[${item}] ${question}`, answer, {
          secret,
          signal: abort.signal,
          help,
        });
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      this.#asker.print(`[${item}] No more payment questions: the sale was cancelled.`);
      return;
    } finally {
      this.#current = undefined;
    }
    this.#answers.set(item.toLowerCase(), { rq, details: details as PaymentDetails });
    this.#last = { item, details: details as PaymentDetails };
    await client.pay(item, details as PaymentDetails);
  }
}

/** `Card expiry (MM/YY): ` as `card expiry (MM/YY)`, for the help. */
function asked(question: string): string {
  const text = question.replace(/:\s*$/, "");
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** How to leave a payment question, for its help. */
const LEAVING = "A command with a / first (/items) runs while it waits. There is no skipping " +
  "it: quitting (Ctrl-C twice) cancels the sale.";

/**
 * The question that offers the details given for `item` again: the card by its last four
 * digits only, the expiry left out.
 */
export function reuseQuestion(item: string, details: PaymentDetails): string {
  const card = cardLastFour(details.card);
  return `Use the details you gave for ${item} (${details.fullName}, card ending ${card}, ` +
    `${details.address})? [Y/n] `;
}

/** A yes or no answer; an empty one is yes. */
export function parseYesNo(text: string): boolean {
  const answer = text.trim().toLowerCase();
  if (answer === "" || answer === "y" || answer === "yes") return true;
  if (answer === "n" || answer === "no") return false;
  throw new RangeError("Type y (or just Enter) for yes, or n for no.");
}
