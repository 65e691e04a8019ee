import assert from "node:assert/strict";
import { DeadlineQueue } from "../../server/deadline_queue.ts";
import { pure } from "../_support/pure.ts";

Deno.test("DeadlineQueue takes due deadlines earliest first and keeps the rest", pure, () => {
  const queue = new DeadlineQueue<string>();
  queue.set("c", 30, "third");
  queue.set("a", 10, "first");
  queue.set("b", 20, "second");
  assert.equal(queue.earliestMs(), 10);
  assert.deepEqual(queue.takeDue(20).map((entry) => entry.value), ["first", "second"]);
  assert.equal(queue.size, 1);
  assert.equal(queue.earliestMs(), 30);
});

Deno.test("DeadlineQueue moves a deadline set again under the same key", pure, () => {
  const queue = new DeadlineQueue<string>();
  queue.set("close", 10, "old");
  queue.set("close", 50, "new");
  assert.deepEqual(queue.takeDue(40), []);
  assert.deepEqual(queue.takeDue(50).map((entry) => entry.value), ["new"]);
  assert.equal(queue.earliestMs(), undefined);
});

Deno.test("DeadlineQueue forgets a deleted deadline", pure, () => {
  const queue = new DeadlineQueue<number>();
  queue.set("x", 5, 1);
  queue.delete("x");
  queue.delete("never set");
  assert.equal(queue.get("x"), undefined);
  assert.deepEqual(queue.takeDue(100), []);
});

Deno.test("DeadlineQueue takes numbers as keys: set, moved, deleted", pure, () => {
  const queue = new DeadlineQueue<string, number>();
  queue.set(7, 30, "seven");
  queue.set(8, 10, "eight");
  queue.set(7, 5, "seven moved");
  queue.delete(8);
  assert.equal(queue.size, 1);
  assert.equal(queue.get(7)?.atMs, 5);
  assert.deepEqual(queue.takeDue(100).map((entry) => [entry.key, entry.value]), [
    [7, "seven moved"],
  ]);
});

Deno.test(
  "DeadlineQueue agrees with a plain scan over thousands of random operations",
  pure,
  () => {
    // A small deterministic generator, so a failure replays the same way.
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    const queue = new DeadlineQueue<number>();
    const model = new Map<string, { atMs: number; value: number }>();
    let nowMs = 0;
    for (let step = 0; step < 20_000; step++) {
      const key = `k${random(500)}`;
      const choice = random(10);
      if (choice < 6) {
        const atMs = nowMs + random(1_000);
        queue.set(key, atMs, step);
        model.set(key, { atMs, value: step });
      } else if (choice < 8) {
        queue.delete(key);
        model.delete(key);
      } else {
        nowMs += random(200);
        const expected = [...model.entries()]
          .filter(([, entry]) => entry.atMs <= nowMs)
          .sort(([keyA, a], [keyB, b]) => a.atMs - b.atMs || keyA.localeCompare(keyB));
        for (const [dueKey] of expected) model.delete(dueKey);
        const taken = queue.takeDue(nowMs, (a, b) => a.atMs - b.atMs || a.key.localeCompare(b.key));
        assert.deepEqual(
          taken.map((entry) => [entry.key, entry.atMs, entry.value]),
          expected.map(([dueKey, entry]) => [dueKey, entry.atMs, entry.value]),
        );
      }
      assert.equal(queue.size, model.size);
      const earliest = Math.min(...[...model.values()].map((entry) => entry.atMs));
      assert.equal(queue.earliestMs(), model.size === 0 ? undefined : earliest);
      assert.equal(queue.get(key)?.atMs, model.get(key)?.atMs);
    }
  },
);

Deno.test("DeadlineQueue takes at most `limit` due deadlines, earliest first", pure, () => {
  const queue = new DeadlineQueue<number>();
  for (let index = 0; index < 10; index++) queue.set(`k${index}`, 100 - index, index);
  const first = queue.takeDue(1000, undefined, 3);
  assert.deepEqual(first.map((entry) => entry.atMs), [91, 92, 93]);
  assert.equal(queue.size, 7);
  assert.equal(queue.earliestMs(), 94);
  assert.equal(queue.takeDue(1000).length, 7);
});
