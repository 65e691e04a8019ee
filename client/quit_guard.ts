/**
 * Quitting the shell while a sale waits for this client's payment details would cancel the
 * sale (the server sees the connection close unanswered); quitting while an auction this client
 * sells or leads is open leaves nobody to answer the sale at its end. The guard makes the first
 * attempt a warning and lets a second one within {@linkcode QUIT_CONFIRM_MS} through. Pure: the
 * caller gives the time, the sales at stake and the open auctions.
 * @module
 */

/** A second quit within this long of the warning leaves even with a sale at stake. */
export const QUIT_CONFIRM_MS = 3_000;

/** How the user asked to quit, to say how to confirm. */
export type QuitKey = "Ctrl-C" | "Ctrl-D" | "quit";

/** An open auction this client sells (listed here) or else leads. */
export interface OpenAuction {
  item: string;
  listedHere?: boolean;
}

/** The shell's quit confirmation. */
export class QuitGuard {
  #warnedAtMs?: number;

  /**
   * Undefined when the shell may quit now; otherwise the warning to print (and the next
   * attempt within {@linkcode QUIT_CONFIRM_MS} quits).
   */
  attempt(
    how: QuitKey,
    atStake: string[],
    nowMs: number,
    open: OpenAuction[] = [],
  ): string | undefined {
    const warned = this.#warnedAtMs;
    if (
      (atStake.length === 0 && open.length === 0) ||
      (warned !== undefined && nowMs - warned <= QUIT_CONFIRM_MS)
    ) {
      this.#warnedAtMs = undefined;
      return undefined;
    }
    this.#warnedAtMs = nowMs;
    const again = how === "quit" ? "type quit again" : `press ${how} again`;
    if (atStake.length > 0) {
      return `Quitting now cancels the sale of ${atStake.join(", ")}: ` +
        `${again} within ${QUIT_CONFIRM_MS / 1000} s to quit anyway, or go on answering.`;
    }
    // An auction this client sells or leads: at its end the server connects to this client.
    const names = (listed: boolean) =>
      open.filter((entry) => (entry.listedHere === true) === listed).map((entry) => entry.item)
        .join(", ");
    const whose = [["lead", names(false)], ["sell", names(true)]]
      .filter(([, items]) => items !== "").map(([verb, items]) => `you ${verb} ${items}`)
      .join(" and ");
    return `${whose[0]!.toUpperCase()}${whose.slice(1)}, still open. At the end the server ` +
      "connects to this client for the sale, which is cancelled if nobody answers: " +
      `${again} within ${QUIT_CONFIRM_MS / 1000} s to quit anyway.`;
  }

  /** The user went on (answered a question): the next quit warns again. */
  reset(): void {
    this.#warnedAtMs = undefined;
  }
}
