/**
 * A budget for the log lines written per request (`Received ...`, `Sent ...`, `Refused
 * undecodable ...`, at info): at most so many a second, so that a flood of datagrams, junk or
 * not, cannot fill the disk through the log. The lines over the budget are counted, and the
 * count is logged (a warning) with the next line that fits, so the log says how many it left out.
 * @module
 */

import { getLogger } from "@logtape/logtape";

const logger = getLogger(["auction", "dispatch"]);

/** Per-request log lines a second, by default: about 50 requests a second logged in full. */
export const REQUEST_LOG_LINES_PER_SECOND = 100;

/** Decides, line by line, whether a per-request log line is written. */
export class LogBudget {
  readonly #perSecond: number;
  readonly #nowMs: () => number;
  #second = -1;
  #used = 0;
  #leftOut = 0;

  constructor(perSecond = REQUEST_LOG_LINES_PER_SECOND, nowMs = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#nowMs = nowMs;
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
      logger.warn(
        "{count} request log lines were left out (more than {perSecond} a second)",
        { count: this.#leftOut, perSecond: this.#perSecond },
      );
      this.#leftOut = 0;
    }
    return true;
  }
}
