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
