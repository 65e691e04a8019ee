import assert from "node:assert/strict";
import { FakeClock } from "../../../server/clock.ts";
import { TcpConnector } from "../../../server/sale/peer_connection.ts";

const LOCAL = "127.0.0.1";

Deno.test("TcpConnector tries three times, then gives up with the reason", async () => {
  const listener = Deno.listen({ hostname: LOCAL, port: 0 });
  const port = listener.addr.port;
  listener.close(); // Nothing listens there now: connection refused.
  const dialed: number[] = [];
  const connector = new TcpConnector({
    backoffMs: 20,
    dial: (address, signal) => {
      dialed.push(Date.now());
      return Deno.connect({ ...address, signal });
    },
  });
  await assert.rejects(
    connector.connect({ hostname: LOCAL, port }),
    new RegExp(`Cannot connect to 127.0.0.1:${port} after 3 attempts: .*refused`, "i"),
  );
  assert.equal(dialed.length, 3);
});

/**
 * Lets the connector's promise chain run (at least one macrotask, so every pending microtask has
 * run) until `condition` holds, ten macrotasks at most.
 */
async function settle(condition: () => boolean = () => false): Promise<void> {
  let spins = 0;
  do {
    await new Promise((resolve) => setTimeout(resolve, 0));
  } while (++spins < 10 && !condition());
}

Deno.test("TcpConnector waits the backoff before the second attempt, and the wait doubles", async () => {
  const clock = new FakeClock();
  const dialed: number[] = [];
  const connector = new TcpConnector({
    clock,
    attempts: 3,
    backoffMs: 1000,
    dial: () => {
      dialed.push(clock.now());
      return Promise.reject(new Deno.errors.ConnectionRefused("Connection refused"));
    },
  });
  const outcome = connector.connect({ hostname: LOCAL, port: 9 }).catch((error) => error);
  await settle(() => dialed.length === 1);
  assert.equal(dialed.length, 1, "the first attempt is at once");
  clock.advance(999);
  await settle();
  assert.equal(dialed.length, 1, "no second attempt before the backoff");
  clock.advance(1);
  await settle(() => dialed.length === 2);
  assert.equal(dialed.length, 2, "the second attempt after the backoff");
  clock.advance(1999);
  await settle();
  assert.equal(dialed.length, 2, "the wait doubles: no third attempt before twice the backoff");
  clock.advance(1);
  await settle(() => dialed.length === 3);
  assert.deepEqual(dialed, [0, 1000, 3000].map((ms) => dialed[0]! + ms));
  assert.match(String(await outcome), /after 3 attempts: Connection refused/);
});

Deno.test("TcpConnector gives up on an attempt that hangs after the connect timeout", async () => {
  const clock = new FakeClock();
  let aborted = 0;
  const connector = new TcpConnector({
    clock,
    attempts: 2,
    backoffMs: 1000,
    dial: (_address, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          aborted++;
          reject(new Error("aborted"));
        });
      }),
  });
  const connecting = connector.connect({ hostname: "192.0.2.1", port: 9 });
  const outcome = connecting.catch((error) => error);
  clock.advance(5000); // First attempt times out.
  await Promise.resolve();
  for (let spins = 0; spins < 10 && clock.pendingTimers === 0; spins++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  clock.advance(1000); // Backoff.
  for (let spins = 0; spins < 10 && clock.pendingTimers === 0; spins++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  clock.advance(5000); // Second attempt times out.
  const error = await outcome;
  assert.match(String(error), /after 2 attempts: connect timed out after 5000 ms/);
  assert.equal(aborted, 2);
});
