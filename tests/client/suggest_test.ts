import assert from "node:assert/strict";
import { closestWord, editDistance, itemNotFoundHint } from "../../client/suggest.ts";
import { ShellLines } from "../../client/shell_lines.ts";
import { message } from "../../protocol/mod.ts";
import { COMMAND_USAGE, parseCommand } from "../../client/commands.ts";

const pure = { permissions: "none" } as const;

Deno.test("editDistance() counts additions, removals, changes and swaps, case aside", pure, () => {
  assert.equal(editDistance("regster", "register"), 1);
  assert.equal(editDistance("Kiet", "Kite"), 1);
  assert.equal(editDistance("kite", "KITE"), 0);
  assert.equal(editDistance("sbuscribe", "subscribe"), 1);
  assert.equal(editDistance("", "bid"), 3);
});

Deno.test(
  "closestWord() suggests a word at most 2 edits away, and none for a short guess",
  pure,
  () => {
    const commands = Object.keys(COMMAND_USAGE);
    assert.equal(closestWord("regster", commands), "register");
    assert.equal(closestWord("lsit", commands), "list");
    assert.equal(closestWord("autobod", commands), "autobid");
    assert.equal(closestWord("fly", commands), undefined);
    assert.equal(closestWord("x", commands), undefined);
    assert.equal(closestWord("Kite", ["Kite", "Kits"]), undefined);
  },
);

Deno.test("an unknown command suggests the command it is closest to", pure, () => {
  assert.throws(() => parseCommand("regster ann buyer"), {
    message: 'Unknown command "regster": did you mean register? (type help for the list)',
  });
  assert.throws(() => parseCommand("fly Kite"), {
    message: 'Unknown command "fly": type help for the list',
  });
});

Deno.test(
  "a refusal 'Item not found' suggests the known item closest to the one asked",
  pure,
  () => {
    const lines = new ShellLines(() => 0, { timers: { setTimeout: () => 0 }, print: () => {} });
    const context = { leaderOf: () => undefined, itemNames: () => ["Kite", "Vase"] };
    const bid = parseCommand("bid Kiet 30")!;
    lines.sending(bid, () => undefined);
    const notFound = message("BID_REJECTED", 7, { reason: "Item not found" });
    assert.equal(
      lines.message(notFound, context),
      "Bid refused: Item not found (did you mean Kite?)",
    );
    lines.answered(bid);
    // Answered: a later refusal is no longer this command's.
    assert.equal(lines.message(notFound, context), "Bid refused: Item not found");

    const far = parseCommand("subscribe Lamp")!;
    lines.sending(far, () => undefined);
    const denied = message("SUBSCRIPTION-DENIED", 8, { reason: "Item not found" });
    assert.equal(lines.message(denied, context), "Subscription refused: Item not found");
    lines.answered(far);
  },
);

Deno.test("itemNotFoundHint() suggests nothing when two unknown names wait", pure, () => {
  assert.equal(itemNotFoundHint(["Kiet"], ["Kite"]), " (did you mean Kite?)");
  assert.equal(itemNotFoundHint(["Kiet", "Vsae"], ["Kite", "Vase"]), "");
  assert.equal(itemNotFoundHint(["Kiet", "Kite"], ["Kite"]), " (did you mean Kite?)");
});
