import assert from "node:assert/strict";
import { LoginThrottle } from "../../../server/identity/login_throttle.ts";
import { pure } from "../../_support/pure.ts";

Deno.test("LoginThrottle lets the free failures through, then doubles the wait", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 5000 });
  assert.equal(throttle.waitMs({ name: "Alice", ip: "10.0.0.1" }, 0), 0);
  throttle.fail({ name: "alice", ip: "10.0.0.1" }, 0);
  assert.equal(throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 0), 0);
  throttle.fail({ name: "ALICE", ip: "10.0.0.1" }, 0);
  assert.equal(
    throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 0),
    1000,
    "names match in any case",
  );
  assert.equal(throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 999), 1);
  assert.equal(throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 1000), 0);
  throttle.fail({ name: "alice", ip: "10.0.0.1" }, 1000);
  assert.equal(throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 1000), 2000);
  throttle.fail({ name: "alice", ip: "10.0.0.1" }, 3000);
  throttle.fail({ name: "alice", ip: "10.0.0.1" }, 3000);
  assert.equal(
    throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 3000),
    5000,
    "capped at maxDelayMs",
  );
});

Deno.test("LoginThrottle keys on (name, IP): other IPs and names are not locked", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 1, baseDelayMs: 1000 });
  throttle.fail({ name: "alice", ip: "10.0.0.1" }, 0);
  assert.ok(throttle.waitMs({ name: "alice", ip: "10.0.0.1" }, 0) > 0);
  assert.equal(throttle.waitMs({ name: "alice", ip: "10.0.0.2" }, 0), 0);
  assert.equal(throttle.waitMs({ name: "bob", ip: "10.0.0.1" }, 0), 0);
});

Deno.test("LoginThrottle forgets on success and after a long quiet", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 1, baseDelayMs: 1000, maxDelayMs: 4000 });
  throttle.fail({ name: "alice", ip: "ip" }, 0);
  throttle.succeed({ name: "alice", ip: "ip" });
  assert.equal(throttle.waitMs({ name: "alice", ip: "ip" }, 0), 0);
  throttle.fail({ name: "alice", ip: "ip" }, 0);
  throttle.fail({ name: "alice", ip: "ip" }, 0);
  assert.equal(throttle.waitMs({ name: "alice", ip: "ip" }, 4000), 0);
  throttle.fail({ name: "alice", ip: "ip" }, 4000);
  assert.equal(throttle.waitMs({ name: "alice", ip: "ip" }, 4000), 1000, "the count started again");
  const free = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 4000 });
  free.fail({ name: "bob", ip: "ip" }, 0);
  assert.equal(free.waitMs({ name: "bob", ip: "ip" }, 4000), 0);
  free.fail({ name: "bob", ip: "ip" }, 4000);
  free.fail({ name: "bob", ip: "ip" }, 4000);
  assert.equal(
    free.waitMs({ name: "bob", ip: "ip" }, 4000),
    1000,
    "a free failure long ago was forgotten",
  );
});

Deno.test("LoginThrottle remembers at most maxEntries pairs", pure, () => {
  const throttle = new LoginThrottle({ freeFailures: 0, baseDelayMs: 1000, maxEntries: 2 });
  throttle.fail({ name: "a", ip: "ip" }, 0);
  throttle.fail({ name: "b", ip: "ip" }, 0);
  throttle.fail({ name: "c", ip: "ip" }, 0);
  assert.equal(throttle.waitMs({ name: "a", ip: "ip" }, 0), 0, "the oldest was forgotten");
  assert.ok(throttle.waitMs({ name: "c", ip: "ip" }, 0) > 0);
});
