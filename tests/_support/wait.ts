/**
 * Polling a condition with a deadline, for tests that cannot await the event itself: never a
 * fixed sleep standing in for it.
 * @module
 */

/** Waits for `condition` to hold, checking after each macrotask; fails after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
