import assert from "node:assert/strict";
import { buyerFact, clockTime } from "../../../server/http/page/live.js";
import { pure } from "../../_support/pure.ts";

Deno.test("the page writes times of day in 24-hour form, as the shell does", pure, () => {
  assert.equal(clockTime(new Date(2026, 0, 1, 5, 36, 38).toISOString()), "05:36:38");
  assert.equal(clockTime(new Date(2026, 0, 1, 17, 6, 8).toISOString()), "17:06:08");
  assert.equal(clockTime(new Date(2026, 0, 1, 0, 0, 0).toISOString()), "00:00:00");
});

Deno.test("the page names who an item went to by its status", pure, () => {
  const item = (status: string, leader: string | null = "scott") => buyerFact({ status, leader });
  assert.deepEqual(item("open", null), { label: "Leader", text: "nobody yet" });
  assert.deepEqual(item("open"), { label: "Leader", text: "scott" });
  assert.deepEqual(item("pending"), { label: "Winner", text: "scott" });
  assert.deepEqual(item("sold"), { label: "Buyer", text: "scott" });
  assert.deepEqual(item("no_offer", null), { label: "Winner", text: "none" });
  assert.deepEqual(item("cancelled"), { label: "Winner", text: "none (sale cancelled)" });
});
