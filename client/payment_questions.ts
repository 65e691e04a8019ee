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
  /** Asks until `parse` accepts the answer; rejects with the signal's reason when aborted. */
  ask<T>(
    prompt: string,
    parse: (text: string) => T,
    secret: boolean,
    signal: AbortSignal,
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
          false,
          abort.signal,
        );
        if (reuse) {
          for (const key of missing) details[key] = last.details[key];
          missing = [];
        }
      }
      for (const key of missing) {
        const { question, label, parse, secret } = PAYMENT_DETAILS[key];
        const answer = (value: string) => parse(value, label);
        details[key] = await this.#asker.ask(`[${item}] ${question}`, answer, secret, abort.signal);
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
