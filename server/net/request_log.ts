/**
 * The log lines written per request, at info (`Received ...`, `Sent ...`, `Dropped ...`,
 * `Refused undecodable ...`), made safe to log (no password, card or session key) and kept within
 * a budget: at most so many a second, so that a flood of datagrams, junk or not, cannot fill the
 * disk through the log. The lines over the budget are counted, and the count is logged (a
 * warning) with the next line that fits, so the log says how many it left out.
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";
import { redactSecrets, withoutSessionKey } from "../../protocol/mod.ts";
import { logEnabled } from "../logging.ts";

const logger = getLogger(["auction", "dispatch"]);

/** Per-request log lines a second, by default: about 50 requests a second logged in full. */
export const REQUEST_LOG_LINES_PER_SECOND = 100;

/** Options of {@linkcode LogBudget}. */
export interface LogBudgetOptions {
  /** The clock of the one-second steps. @default performance.now */
  nowMs?: () => number;
  /** What the lines are, in the warning that counts those left out. @default "request log lines" */
  lines?: string;
  /** Where that warning goes. @default the dispatcher's logger */
  logger?: Logger;
}

/** Decides, line by line, whether a log line kept within a budget is written. */
export class LogBudget {
  readonly #perSecond: number;
  readonly #nowMs: () => number;
  readonly #leftOutMessage: string;
  readonly #logger: Logger;
  #second = -1;
  #used = 0;
  #leftOut = 0;

  constructor(perSecond = REQUEST_LOG_LINES_PER_SECOND, options: LogBudgetOptions = {}) {
    this.#perSecond = perSecond;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    const lines = options.lines ?? "request log lines";
    this.#leftOutMessage = `{count} ${lines} were left out (more than {perSecond} a second)`;
    this.#logger = options.logger ?? logger;
  }

  /** Lines left out since the last report. */
  get leftOut(): number {
    return this.#leftOut;
  }

  /** Whether one more line may be written now; counts it either way. */
  allow(): boolean {
    const second = Math.floor(this.#nowMs() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#used = 0;
    }
    if (this.#used >= this.#perSecond) {
      this.#leftOut++;
      return false;
    }
    this.#used++;
    if (this.#leftOut > 0) {
      this.#logger.warn(this.#leftOutMessage, { count: this.#leftOut, perSecond: this.#perSecond });
      this.#leftOut = 0;
    }
    return true;
  }
}

/** The per-request lines of the dispatcher, within a {@linkcode LogBudget}. */
export class RequestLog {
  readonly #budget: LogBudget;

  constructor(budget = new LogBudget()) {
    this.#budget = budget;
  }

  /** A request was read from `peer`. */
  received(line: string, peer: string): void {
    if (this.#writes()) logger.info("Received {line} from {peer}", { line: loggable(line), peer });
  }

  /** A datagram from `peer` could not be read as a request; `alsoHide`: its secrets. */
  undecodable(peer: string, reason: string, alsoHide: string[]): void {
    if (!this.#writes()) return;
    logger.info("Refused undecodable request from {peer}: {reason}", {
      peer,
      reason: redactSecrets(reason, { alsoHide }),
    });
  }

  /** A reply went to `peer`, or was dropped (`sent` false: over the reply budget). */
  replied(line: string, peer: string, sent: boolean, alsoHide?: string[]): void {
    if (!this.#writes()) return;
    logger.info(
      sent ? "Sent {line} to {peer}" : "Dropped {line} to {peer}: over the reply budget",
      { line: loggable(line, alsoHide), peer },
    );
  }

  #writes(): boolean {
    return logEnabled("info") && this.#budget.allow();
  }
}

/** A line made safe to log: no password, card or session key in it. */
function loggable(line: string, alsoHide?: string[]): string {
  const bare = withoutSessionKey(line);
  return redactSecrets(bare, { alsoHide }) + (bare.length === line.length ? "" : " key=***");
}
