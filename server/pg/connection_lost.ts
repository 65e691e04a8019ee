/**
 * Telling a lost database connection (the server restarted, the network cut, the session
 * terminated) from every other failure, and waiting between attempts to reconnect.
 * @module
 */

/** Codes of the driver (`postgres`) and of the socket for a connection that is gone. */
const LOST_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether `error` says the database connection was lost or could not be made: a driver or
 * socket code of {@linkcode LOST_CODES}, SQLSTATE class 08 (connection exception), or 57P01 to
 * 57P03 (the server shutting down, crashed, or starting up). Not `CONNECTION_ENDED`: this node
 * ended the connection itself.
 */
export function isConnectionLost(error: unknown): boolean {
  if (
    error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.ConnectionReset
  ) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return LOST_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code);
}

/** The wait before reconnect attempt `attempt` (0, 1, ...): 100 ms doubling up to 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
}

/** Resolves after `ms`, or at once when `signal` is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
