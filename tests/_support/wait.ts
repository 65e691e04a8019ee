/**
 * Polling a condition with a deadline, for tests that cannot await the event itself: never a
 * fixed sleep standing in for it.
 * @module
 */

/**
 * Waits for `condition` to hold, checking after each macrotask; fails after `timeoutMs`.
 * The deadline is only a safety net, so its default is generous: a loaded CI machine can hold
 * the loop for seconds, and a client's no-reply request alone takes 1 to 1.5 s of real time.
 */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
