import assert from "node:assert/strict";
import { admitConnection } from "../../../server/net/tcp_admission.ts";
import { pure } from "../../_support/pure.ts";
import { Random } from "../../_support/random.ts";

const LIMITS = { maxConnections: 128, maxPerIp: 16 };

/** A held connection whose activity a test can move. */
type Held = { ip: string; lastActiveMs: number };

/** `count` connections from each of `ips`, one a second from `startMs`, oldest first. */
function holding(ips: readonly string[], count: number, startMs = 0): Held[] {
  const held: Held[] = [];
  for (const ip of ips) {
    for (let index = 0; index < count; index++) {
      held.push({ ip, lastActiveMs: startMs + held.length * 1000 });
    }
  }
  return held;
}

const ATTACKERS = Array.from({ length: 8 }, (_, index) => `10.0.0.${index + 1}`);

Deno.test("admitConnection() serves anyone under both caps", pure, () => {
  assert.deepEqual(admitConnection("10.0.0.1", [], LIMITS), { verdict: "accept" });
  const held = holding(["10.0.0.1"], 15);
  assert.deepEqual(admitConnection("10.0.0.1", held, LIMITS), { verdict: "accept" });
});

Deno.test(
  "admitConnection() refuses an IP at its own cap, even with room on the port",
  pure,
  () => {
    const held = holding(["10.0.0.1"], 16);
    assert.deepEqual(admitConnection("10.0.0.1", held, LIMITS), {
      verdict: "refuse",
      reason: "address",
    });
    assert.deepEqual(admitConnection("10.0.0.1", held, { ...LIMITS, maxPerIp: 0 }), {
      verdict: "accept",
    });
  },
);

Deno.test(
  "admitConnection() gives a newcomer the place of the fullest IP's longest idle connection",
  pure,
  () => {
    // 8 IPs hold 14 each, idle for long; 10.0.0.9 holds 16, busy, its fifth the least.
    const held = [...holding(ATTACKERS, 14), ...holding(["10.0.0.9"], 16, 500_000)];
    const fifth = held[8 * 14 + 4]!;
    fifth.lastActiveMs = 400_000;
    assert.equal(held.length, 128);
    assert.deepEqual(admitConnection("192.0.2.7", held, LIMITS), {
      verdict: "accept",
      evict: fifth,
    });
  },
);

Deno.test(
  "admitConnection() between IPs tied for the most, takes the idlest connection",
  pure,
  () => {
    // The attack: 8 IPs x 16 connections hold all 128 places; 10.0.0.3's tenth is the idlest.
    const held = holding(ATTACKERS, 16, 100_000);
    const idlest = held[2 * 16 + 9]!;
    idlest.lastActiveMs = 0;
    assert.deepEqual(admitConnection("192.0.2.7", held, LIMITS), {
      verdict: "accept",
      evict: idlest,
    });
    // Idle equally long: the first held (the oldest).
    for (const connection of held) connection.lastActiveMs = 0;
    assert.deepEqual(admitConnection("192.0.2.7", held, LIMITS), {
      verdict: "accept",
      evict: held[0],
    });
  },
);

Deno.test("admitConnection() never lets two IPs take a place back and forth", pure, () => {
  const limits = { maxConnections: 5, maxPerIp: 0 };
  // A holds 3, B 2: B's newcomer would leave A with 2 and B with 3, and A would take it back.
  const held = [...holding(["A"], 3), ...holding(["B"], 2, 10_000)];
  assert.deepEqual(admitConnection("B", held, limits), { verdict: "refuse", reason: "full" });
  assert.deepEqual(admitConnection("A", held, limits), { verdict: "refuse", reason: "full" });
  // A newcomer from C (none yet) takes A's idlest: A 2, B 2, C 1.
  assert.deepEqual(admitConnection("C", held, limits), { verdict: "accept", evict: held[0] });
});

Deno.test("admitConnection() never takes an IP's only connection", pure, () => {
  const limits = { maxConnections: 4, maxPerIp: 0 };
  const held = holding(["A", "B", "C", "D"], 1);
  assert.deepEqual(admitConnection("E", held, limits), { verdict: "refuse", reason: "full" });
});

Deno.test(
  "admitConnection(): an attacker on many IPs, connecting and closing at random, never keeps a new address out while any IP holds 2",
  pure,
  async (t) => {
    for (const seed of [1, 2, 3, 4, 5]) {
      await t.step(`seed ${seed}`, () => {
        const random = new Random(seed);
        const limits = { maxConnections: 32, maxPerIp: 8 };
        const ips = Array.from({ length: 12 }, (_, index) => `attacker${index}`);
        const held: Held[] = [];
        for (let step = 0; step < 2000; step++) {
          if (held.length > 0 && random.chance(0.2)) {
            held.splice(random.int(0, held.length - 1), 1);
            continue;
          }
          const ip = random.pick(ips);
          const admission = admitConnection(ip, held, limits);
          if (admission.verdict === "refuse") continue;
          if (admission.evict) held.splice(held.indexOf(admission.evict), 1);
          held.push({ ip, lastActiveMs: step });
          const counts = new Map<string, number>();
          for (const connection of held) {
            counts.set(connection.ip, (counts.get(connection.ip) ?? 0) + 1);
          }
          assert.ok(held.length <= limits.maxConnections);
          assert.ok(Math.max(...counts.values()) <= limits.maxPerIp);
          if (Math.max(...counts.values()) >= 2) {
            assert.equal(admitConnection("honest", held, limits).verdict, "accept", `step ${step}`);
          }
        }
      });
    }
  },
);

Deno.test(
  "admitConnection(): an attacker holding one connection from each of 128 IPs keeps a newcomer out (the remaining risk)",
  pure,
  () => {
    const ips = Array.from({ length: 128 }, (_, index) => `10.0.${index >> 8}.${index & 255}`);
    assert.deepEqual(admitConnection("192.0.2.7", holding(ips, 1), LIMITS), {
      verdict: "refuse",
      reason: "full",
    });
  },
);
