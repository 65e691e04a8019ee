import assert from "node:assert/strict";
import { SaleQueue } from "../../../server/sale/queue.ts";
import { pure } from "../../_support/pure.ts";

/** Takes every sale that may start now. */
function drain(queue: SaleQueue): number[] {
  const started: number[] = [];
  for (let id = queue.next(); id !== undefined; id = queue.next()) started.push(id);
  return started;
}

Deno.test("SaleQueue starts at most maxInFlight sales, the rest wait their turn", pure, () => {
  const queue = new SaleQueue({ maxInFlight: 2, maxPerKey: 2 });
  for (const id of [1, 2, 3]) queue.enqueue(id, "a");
  assert.deepEqual(drain(queue), [1, 2]);
  assert.equal(queue.waiting, 1);
  queue.done(1);
  assert.deepEqual(drain(queue), [3]);
  assert.equal(queue.running, 2);
});

Deno.test("SaleQueue serves waiting sales round-robin by key", pure, () => {
  const queue = new SaleQueue({ maxInFlight: 1 });
  for (const id of [1, 2, 3, 4]) queue.enqueue(id, "attacker");
  queue.enqueue(10, "honest");
  queue.enqueue(11, "other");
  const order: number[] = [];
  for (let id = queue.next(); id !== undefined; id = queue.next()) {
    order.push(id);
    queue.done(id);
  }
  assert.deepEqual(order, [1, 10, 11, 2, 3, 4]);
});

Deno.test("SaleQueue never lets one key hold more than half the slots", pure, () => {
  const queue = new SaleQueue({ maxInFlight: 4 });
  for (let id = 1; id <= 100; id++) queue.enqueue(id, "attacker");
  assert.deepEqual(drain(queue), [1, 2], "two of four slots stay free for others");
  queue.enqueue(500, "honest");
  assert.deepEqual(drain(queue), [500], "a sale of other parties starts at once");
});

Deno.test("SaleQueue with 0 has no cap and ignores a sale already in line", pure, () => {
  const queue = new SaleQueue({ maxInFlight: 0 });
  for (let id = 1; id <= 200; id++) queue.enqueue(id, "a");
  queue.enqueue(1, "a");
  assert.equal(drain(queue).length, 200);
  assert.ok(queue.has(1));
});

Deno.test("SaleQueue.throttle() lowers the ceiling until unthrottle(), never below 1", pure, () => {
  const queue = new SaleQueue({ maxInFlight: 0 });
  for (let id = 1; id <= 10; id++) queue.enqueue(id, id % 2 === 0 ? "a" : "b");
  queue.throttle(0);
  assert.deepEqual(drain(queue), [1], "one at a time");
  queue.done(1);
  assert.deepEqual(drain(queue), [2], "round-robin: the other key next");
  queue.unthrottle();
  assert.equal(drain(queue).length, 8);
});
