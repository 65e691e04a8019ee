import assert from "node:assert/strict";
import { configure, reset } from "@logtape/logtape";
import { logLevelOn } from "../../commands/_log.ts";

Deno.test("logLevelOn is true when LogTape is not configured (LogTape decides alone)", async () => {
  await reset();
  assert.equal(logLevelOn(["auction", "bid"], "info"), true);
});

Deno.test("logLevelOn follows the lowest level of the loggers whose category is a prefix", async () => {
  try {
    await configure({
      sinks: { none: () => {} },
      loggers: [
        { category: ["logtape", "meta"], lowestLevel: "debug", sinks: ["none"] },
        { category: ["auction"], lowestLevel: "warning", sinks: ["none"] },
      ],
    });
    assert.equal(logLevelOn(["auction", "bid"], "info"), false, "info is off under warning");
    assert.equal(logLevelOn(["auction", "bid"], "warning"), true);
    assert.equal(logLevelOn(["auction", "bid"], "error"), true);
    assert.equal(logLevelOn(["other"], "fatal"), false, "no logger covers the category");
    await configure({
      reset: true,
      sinks: { none: () => {} },
      loggers: [
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["none"] },
        { category: "auction", lowestLevel: "info", sinks: ["none"] },
      ],
    });
    assert.equal(logLevelOn(["auction", "bid"], "info"), true, "a string category is a prefix");
    assert.equal(logLevelOn(["auction", "bid"], "debug"), false);
  } finally {
    await reset();
  }
});
