import assert from "node:assert/strict";
import { FakeClock } from "../../server/clock.ts";
import { TcpConnector } from "../../server/peer_connection.ts";

const LOCAL = "127.0.0.1";

Deno.test("TcpConnector tries three times with backoff, then gives up with the reason", async () => {
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
  assert.ok(dialed[2]! - dialed[1]! >= dialed[1]! - dialed[0]!, "the wait doubles");
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
