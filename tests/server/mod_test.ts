import assert from "node:assert/strict";
import * as server from "../../server/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test("server/mod.ts exports startServer and every seam of its options", pure, () => {
  assert.equal(typeof server.startServer, "function");
  assert.equal(typeof server.MemoryStore, "function");
  assert.equal(typeof server.FileStore, "function");
  assert.equal(typeof server.PostgresStore, "function");
  assert.equal(typeof server.FakeClock, "function");
  assert.equal(typeof server.SimulatedGateway, "function");
  assert.equal(typeof server.systemClock.now(), "number");
  assert.deepEqual(server.splitPrice(2550), { feeCents: 255, payoutCents: 2295 });
});

Deno.test("startServer() refuses an empty dataDir: in memory is said with null", pure, async () => {
  await assert.rejects(
    server.startServer({ dataDir: "", udpPort: 0, tcpPort: 0 }),
    (error: Error) => error instanceof RangeError && /pass null/.test(error.message),
  );
});
