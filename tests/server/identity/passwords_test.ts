import assert from "node:assert/strict";
import {
  LEGACY_ITERATIONS,
  PASSWORD_ITERATIONS,
  PasswordHasher,
  pbkdf2Sha256,
  ServerBusyError,
} from "../../../server/identity/passwords.ts";
import { fakeDerive } from "../../_support/fake_derive.ts";
import { pure } from "../../_support/pure.ts";

/** A derivation that waits for `release` before answering. */
function heldDerive() {
  const inner = fakeDerive();
  const held = Promise.withResolvers<void>();
  const derive = async (password: string, salt: Uint8Array, iterations: number) => {
    await held.promise;
    return inner(password, salt, iterations);
  };
  return { derive, release: () => held.resolve(), calls: inner.calls };
}

Deno.test(
  "PasswordHasher hashes at 600,000 iterations with a fresh salt, and verifies",
  pure,
  async () => {
    const derive = fakeDerive();
    const hasher = new PasswordHasher({ derive });
    const first = await hasher.hash("pw", "ip");
    const second = await hasher.hash("pw", "ip");
    assert.equal(first.iterations, PASSWORD_ITERATIONS);
    assert.notEqual(first.salt, second.salt);
    assert.notEqual(first.hash, second.hash);
    assert.deepEqual(await hasher.verify("pw", { stored: first, ip: "ip" }), { match: true });
    assert.deepEqual(await hasher.verify("PW", { stored: first, ip: "ip" }), { match: false });
  },
);

Deno.test("PasswordHasher spends one full hash on an unknown name", pure, async () => {
  const derive = fakeDerive();
  const hasher = new PasswordHasher({ derive });
  assert.deepEqual(await hasher.verify("pw", { stored: undefined, ip: "ip" }), { match: false });
  assert.deepEqual(derive.calls.map((call) => call.iterations), [PASSWORD_ITERATIONS]);
});

Deno.test(
  "PasswordHasher upgrades a matching legacy hash and tops up a failing one",
  pure,
  async () => {
    const derive = fakeDerive();
    const legacy = await new PasswordHasher({ derive, iterations: LEGACY_ITERATIONS }).hash(
      "pw",
      "ip",
    );
    const hasher = new PasswordHasher({ derive });
    derive.calls.length = 0;
    const verdict = await hasher.verify("pw", { stored: legacy, ip: "ip" });
    assert.equal(verdict.match, true);
    assert.equal(verdict.upgraded?.iterations, PASSWORD_ITERATIONS);
    assert.deepEqual(await hasher.verify("pw", { stored: verdict.upgraded, ip: "ip" }), {
      match: true,
    });
    derive.calls.length = 0;
    assert.deepEqual(await hasher.verify("nope", { stored: legacy, ip: "ip" }), { match: false });
    assert.equal(derive.calls.reduce((sum, call) => sum + call.iterations, 0), PASSWORD_ITERATIONS);
  },
);

Deno.test(
  "PasswordHasher admits one hash per IP and maxInFlight in all, refusing at once",
  pure,
  async () => {
    const { derive, release } = heldDerive();
    const hasher = new PasswordHasher({ derive, maxInFlight: 2 });
    const a = hasher.hash("pw", "10.0.0.1");
    await assert.rejects(hasher.hash("pw", "10.0.0.1"), ServerBusyError, "same IP");
    await assert.rejects(
      hasher.verify("pw", { stored: undefined, ip: "10.0.0.1" }),
      ServerBusyError,
    );
    const b = hasher.verify("pw", { stored: undefined, ip: "10.0.0.2" });
    assert.equal(hasher.inFlight, 2);
    await assert.rejects(hasher.hash("pw", "10.0.0.3"), /Server busy: try again/, "global cap");
    release();
    await Promise.all([a, b]);
    assert.equal(hasher.inFlight, 0);
    await hasher.hash("pw", "10.0.0.1");
  },
);

Deno.test(
  "PasswordHasher runs maxRunning hashes at a time, the others in arrival order",
  pure,
  async () => {
    const held: (() => void)[] = [];
    const order: string[] = [];
    const hasher = new PasswordHasher({
      derive: async (password) => {
        order.push(password);
        await new Promise<void>((release) => held.push(release));
        return new Uint8Array(32);
      },
      maxInFlight: 3,
      maxRunning: 1,
    });
    const hashes = ["a", "b", "c"].map((ip) => hasher.hash(ip, `10.0.0.${ip}`));
    await assert.rejects(hasher.hash("d", "10.0.0.d"), ServerBusyError, "over maxInFlight");
    await Promise.resolve();
    assert.equal(hasher.running, 1);
    assert.deepEqual(order, ["a"]);
    held.shift()!();
    await hashes[0];
    assert.deepEqual(order, ["a", "b"]);
    assert.equal(hasher.running, 1);
    // The first IP's next request goes behind the one still waiting.
    const again = hasher.hash("a2", "10.0.0.a");
    held.shift()!();
    await hashes[1];
    assert.deepEqual(order, ["a", "b", "c"]);
    held.shift()!();
    await hashes[2];
    held.shift()!();
    await again;
    assert.deepEqual(order, ["a", "b", "c", "a2"]);
    assert.equal(hasher.running, 0);
    assert.equal(hasher.inFlight, 0);
  },
);

Deno.test("PasswordHasher frees the slot of a hash that failed", pure, async () => {
  const hasher = new PasswordHasher({
    derive: () => Promise.reject(new Error("boom")),
    maxInFlight: 1,
  });
  await assert.rejects(hasher.hash("pw", "ip"), /boom/);
  assert.equal(hasher.inFlight, 0);
});

Deno.test("PBKDF2 at 600,000 iterations runs off the event loop", pure, async () => {
  const salt = new Uint8Array(16);
  // Timers keep firing while a hash is in flight: a hash on the loop would let none through.
  let ticks = 0;
  let longestGapMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks++;
  }, 1);
  const started = performance.now();
  try {
    await pbkdf2Sha256("correct horse", salt, PASSWORD_ITERATIONS);
  } finally {
    clearInterval(timer);
  }
  const hashMs = performance.now() - started;
  assert.ok(hashMs >= 20, `a real hash takes time (${hashMs.toFixed(0)} ms)`);
  assert.ok(ticks >= 5, `${ticks} timer ticks during a ${hashMs.toFixed(0)} ms hash`);
  assert.ok(
    longestGapMs < hashMs * 0.8,
    `the loop was never held for the hash (${longestGapMs.toFixed(1)} of ${hashMs.toFixed(0)} ms)`,
  );
});
