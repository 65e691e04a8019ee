import assert from "node:assert/strict";
import { inspectDataDir } from "../../server/store/inspect.ts";
import { runCrashTest } from "../_support/crash_driver.ts";
import { bidCrashWorkload, biddenItem } from "../_support/bid_crash_workload.ts";
import { Random } from "../_support/random.ts";

Deno.test("every acknowledged BID survives SIGKILL at random moments, and the final price is the highest acknowledged bid", async () => {
  const workload = bidCrashWorkload();
  const random = new Random(4242);
  const result = await runCrashTest(workload, {
    kills: 8,
    clients: 6,
    random: () => random.next(),
    serverArgs: ["--duration-unit", "seconds", "--snapshot-events", "11"],
  });
  try {
    const item = biddenItem(result.state);
    assert.ok(result.acknowledged.length >= 5, "the clients got acknowledgements");
    // Every request was answered at the end, so nothing durable is unacknowledged.
    assert.equal(item.currentPriceCents, workload.highestAcknowledged(result.acknowledged));
    assert.equal(item.bidCount, result.acknowledged.length, "each bid was done exactly once");
    const report = await inspectDataDir(result.dataDir, { verify: true });
    assert.deepEqual(report.verify?.problems, []);
  } finally {
    await Deno.remove(result.dataDir, { recursive: true });
  }
});
