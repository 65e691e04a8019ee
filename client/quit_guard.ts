/**
 * Quitting the shell while a sale waits for this client's payment details would cancel the
 * sale (the server sees the connection close unanswered). The guard makes the first attempt a
 * warning and lets a second one within {@linkcode QUIT_CONFIRM_MS} through. Pure: the caller
 * gives the time and the sales at stake.
 * @module
 */

/** A second quit within this long of the warning leaves even with a sale at stake. */
export const QUIT_CONFIRM_MS = 3_000;

/** How the user asked to quit, to say how to confirm. */
export type QuitKey = "Ctrl-C" | "Ctrl-D" | "quit";

/** The shell's quit confirmation. */
export class QuitGuard {
  #warnedAtMs?: number;

  /**
   * Undefined when the shell may quit now; otherwise the warning to print (and the next
   * attempt within {@linkcode QUIT_CONFIRM_MS} quits).
   */
  attempt(how: QuitKey, atStake: string[], nowMs: number): string | undefined {
    const warned = this.#warnedAtMs;
    if (atStake.length === 0 || (warned !== undefined && nowMs - warned <= QUIT_CONFIRM_MS)) {
      this.#warnedAtMs = undefined;
      return undefined;
    }
    this.#warnedAtMs = nowMs;
    const again = how === "quit" ? "type quit again" : `press ${how} again`;
    return `Quitting now cancels the sale of ${atStake.join(", ")}: ` +
      `${again} within ${QUIT_CONFIRM_MS / 1000} s to quit anyway, or go on answering.`;
  }

  /** The user went on (answered a question): the next quit warns again. */
  reset(): void {
    this.#warnedAtMs = undefined;
  }
}
