import assert from "node:assert/strict";
import { CRASH_AFTER_VARIABLE, testCrashHook } from "../../server/crash_hook.ts";

Deno.test("the test-only crash hook is off unless AUCTION_TEST_CRASH_AFTER names a sale step", () => {
  const before = Deno.env.get(CRASH_AFTER_VARIABLE);
  try {
    Deno.env.delete(CRASH_AFTER_VARIABLE);
    assert.equal(testCrashHook(), undefined);
    Deno.env.set(CRASH_AFTER_VARIABLE, "charged");
    const hook = testCrashHook();
    assert.equal(typeof hook, "function");
    hook!("connected", 1); // another step: nothing happens (the process would be gone otherwise)
    Deno.env.set(CRASH_AFTER_VARIABLE, "paid");
    assert.throws(() => testCrashHook(), /AUCTION_TEST_CRASH_AFTER=paid is not one of connected,/);
  } finally {
    if (before === undefined) Deno.env.delete(CRASH_AFTER_VARIABLE);
    else Deno.env.set(CRASH_AFTER_VARIABLE, before);
  }
});

Deno.test({
  name: "the crash hook stays off without permission to read the environment",
  permissions: { env: false },
  fn: () => assert.equal(testCrashHook(), undefined),
});
