/**
 * A test-only crash hook: with the environment variable `AUCTION_TEST_CRASH_AFTER` set to a
 * sale step (`charged`, `settled`, ... see {@linkcode SALE_STEPS}), the server kills itself
 * with SIGKILL right after the first sale reaches that step, so a test can check what a crash
 * at exactly that point leaves behind. Unset (always, in production), it does nothing.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { SALE_STEPS, type SaleStep, type SaleStepHook } from "./sale/steps.ts";

/** The environment variable that arms the hook. */
export const CRASH_AFTER_VARIABLE = "AUCTION_TEST_CRASH_AFTER";

/** The hook named by `AUCTION_TEST_CRASH_AFTER`, or `undefined` when it is not set. */
export function testCrashHook(): SaleStepHook | undefined {
  if (
    Deno.permissions.querySync({ name: "env", variable: CRASH_AFTER_VARIABLE }).state !== "granted"
  ) {
    return undefined;
  }
  const target = Deno.env.get(CRASH_AFTER_VARIABLE);
  if (!target) return undefined;
  if (!(SALE_STEPS as readonly string[]).includes(target)) {
    throw new RangeError(
      `Cannot arm the test crash hook: ${CRASH_AFTER_VARIABLE}=${target} is not one of ${
        SALE_STEPS.join(", ")
      }`,
    );
  }
  getLogger(["auction", "server"]).warn(
    "Test-only crash hook armed: the server kills itself after the sale step {step}",
    { step: target },
  );
  return (step: SaleStep) => {
    if (step !== target) return;
    try {
      Deno.kill(Deno.pid, "SIGKILL");
    } catch {
      // Without --allow-run: exit at once, no clean-up runs (to the disk, the same as a kill).
      Deno.exit(137);
    }
  };
}
