/**
 * The shell's notice for a network command whose answer is slow: retransmissions are silent,
 * so after a while without an answer the shell says it is still trying, and what may be wrong.
 * @module
 */

/** What {@linkcode watchSlowCommand} needs. */
export interface SlowCommandOptions {
  /** How long without an answer before the notice. */
  delayMs: number;
  /** Whether the command waits for an answer typed at the shell (a role, a password). */
  asking(): boolean;
  /** Prints the notice. */
  notify(): void;
}

/**
 * Calls `notify` once `delayMs` passes, or later while the command waits for a typed answer
 * (nothing is sent then); returns the function that stops the watch, for when the command ends.
 */
export function watchSlowCommand(options: SlowCommandOptions): () => void {
  const fire = () => {
    if (options.asking()) {
      timer = setTimeout(fire, options.delayMs);
      return;
    }
    options.notify();
  };
  let timer = setTimeout(fire, options.delayMs);
  return () => clearTimeout(timer);
}

/** The notice for `command`, unanswered by `server` (`host:port`). */
export function slowCommandNotice(command: string, server: string): string {
  return `No answer yet to ${command}: still trying ${server} (up to 46 s). ` +
    `Is the server running, and is --server right?`;
}
