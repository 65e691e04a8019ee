import assert from "node:assert/strict";
import { join } from "node:path";
import { readinessCheck } from "../../../server/http/readiness.ts";

Deno.test("readinessCheck() is ready only once recovered, while writable and not failed", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "board-ready-" });
  try {
    let recovered = false;
    let failed = false;
    const check = readinessCheck({
      dataDir: dir,
      recovered: () => recovered,
      failed: () => failed,
      probeEveryMs: 0,
    });
    await t.step("recovering", async () => {
      assert.deepEqual(await check(), { ready: false, reason: "Recovering the data" });
    });
    await t.step("ready, and the probe file is gone", async () => {
      recovered = true;
      assert.deepEqual(await check(), { ready: true });
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
    await t.step("not writable", async () => {
      const missing = readinessCheck({
        dataDir: join(dir, "gone", "away"),
        recovered: () => true,
        failed: () => false,
      });
      assert.deepEqual(await missing(), {
        ready: false,
        reason: "The data folder is not writable",
      });
    });
    await t.step("the store failed", async () => {
      failed = true;
      assert.deepEqual(await check(), { ready: false, reason: "The data cannot be saved" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readinessCheck() of a store with a database is ready only while it answers", async () => {
  let answers = true;
  let pings = 0;
  const check = readinessCheck({
    dataDir: null,
    recovered: () => true,
    failed: () => false,
    reachable: () => {
      pings++;
      return answers ? Promise.resolve(true) : Promise.reject(new Error("connection lost"));
    },
    probeEveryMs: 0,
  });
  assert.deepEqual(await check(), { ready: true });
  answers = false;
  assert.deepEqual(await check(), { ready: false, reason: "The database does not answer" });
  answers = true;
  assert.deepEqual(await check(), { ready: true });
  assert.equal(pings, 3);

  const rarely = readinessCheck({
    dataDir: null,
    recovered: () => true,
    failed: () => false,
    reachable: () => Promise.resolve(pings++ < 0),
  });
  pings = 0;
  await rarely();
  await rarely();
  assert.equal(pings, 1, "polling /readyz does not become a stream of queries");
});
