import assert from "node:assert/strict";
import { LoginThrottle } from "../../server/login_throttle.ts";
import { pure } from "../_support/pure.ts";

Deno.test("LoginThrottle lets the free failures through, then doubles the wait", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 5000 });
  assert.equal(throttle.waitMs("Alice", "10.0.0.1", 0), 0);
  throttle.fail("alice", "10.0.0.1", 0);
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 0), 0);
  throttle.fail("ALICE", "10.0.0.1", 0);
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 0), 1000, "names match in any case");
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 999), 1);
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 1000), 0);
  throttle.fail("alice", "10.0.0.1", 1000);
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 1000), 2000);
  throttle.fail("alice", "10.0.0.1", 3000);
  throttle.fail("alice", "10.0.0.1", 3000);
  assert.equal(throttle.waitMs("alice", "10.0.0.1", 3000), 5000, "capped at maxDelayMs");
});

Deno.test("LoginThrottle keys on (name, IP): other IPs and names are not locked", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 1, baseDelayMs: 1000 });
  throttle.fail("alice", "10.0.0.1", 0);
  assert.ok(throttle.waitMs("alice", "10.0.0.1", 0) > 0);
  assert.equal(throttle.waitMs("alice", "10.0.0.2", 0), 0);
  assert.equal(throttle.waitMs("bob", "10.0.0.1", 0), 0);
});

Deno.test("LoginThrottle forgets on success and after a long quiet", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 1, baseDelayMs: 1000, maxDelayMs: 4000 });
  throttle.fail("alice", "ip", 0);
  throttle.succeed("alice", "ip");
  assert.equal(throttle.waitMs("alice", "ip", 0), 0);
  throttle.fail("alice", "ip", 0);
  throttle.fail("alice", "ip", 0);
  assert.equal(throttle.waitMs("alice", "ip", 4000), 0);
  throttle.fail("alice", "ip", 4000);
  assert.equal(throttle.waitMs("alice", "ip", 4000), 1000, "the count started again");
  const free = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 4000 });
  free.fail("bob", "ip", 0);
  assert.equal(free.waitMs("bob", "ip", 4000), 0);
  free.fail("bob", "ip", 4000);
  free.fail("bob", "ip", 4000);
  assert.equal(free.waitMs("bob", "ip", 4000), 1000, "a free failure long ago was forgotten");
});

Deno.test("LoginThrottle remembers at most maxEntries pairs", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 0, baseDelayMs: 1000, maxEntries: 2 });
  throttle.fail("a", "ip", 0);
  throttle.fail("b", "ip", 0);
  throttle.fail("c", "ip", 0);
  assert.equal(throttle.waitMs("a", "ip", 0), 0, "the oldest was forgotten");
  assert.ok(throttle.waitMs("c", "ip", 0) > 0);
});
