import assert from "node:assert/strict";
import { applyEvent } from "../../auction/apply.ts";
import { findOpenItem, isNameOf } from "../../auction/lookup.ts";
import { emptyState } from "../../auction/state.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "findOpenItem() finds a running auction by name in any case, else says why not",
  pure,
  async (t) => {
    const state = emptyState();
    applyEvent(state, {
      type: "item_listed",
      atMs: 0,
      id: 1,
      name: "Kite",
      description: "red",
      seller: "sam",
      startPriceCents: 100,
      durationMs: 1000,
      endsAtMs: 1000,
    });
    await t.step("running", () => assert.equal(findOpenItem(state, "kITE", 999).item?.id, 1));
    await t.step("no such name", () => {
      assert.deepEqual(findOpenItem(state, "Lamp", 0), { missing: "unknown" });
    });
    await t.step("its end time has come", () => {
      assert.deepEqual(findOpenItem(state, "Kite", 1000), { missing: "ended" });
    });
  },
);

Deno.test("isNameOf() compares a claimed name with a user's in any case", pure, () => {
  const user = { name: "Ann" } as Parameters<typeof isNameOf>[0];
  assert.equal(isNameOf(user, "aNN"), true);
  assert.equal(isNameOf(user, "Bob"), false);
});
