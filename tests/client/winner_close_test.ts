/**
 * The winner's close in one line: the closing AUCTION_ANNOUNCE (UDP) and WINNER (TCP) say the
 * same, so the shell prints WINNER's line, which has the seller too, whichever comes first.
 */
import assert from "node:assert/strict";
import { message } from "../../protocol/mod.ts";
import { Shell } from "../../client/shell.ts";
import { WINNER_GRACE_MS } from "../../client/win_notices.ts";
import { ItemBook } from "../../client/items.ts";
import type { AuctionClient } from "../../client/session.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";
import { FakeTimers } from "../_support/fake_timers.ts";

/** Scott's shell, leading Kite at 25.00 by the last BID_UPDATE heard. */
function scottLeadingKite(leader = "scott") {
  const terminal = new FakeTerminal();
  const timers = new FakeTimers();
  const shell = new Shell(terminal, { timers });
  const items = new ItemBook({ self: () => "scott" });
  items.record(
    message("BID_UPDATE", 3, { item: "Kite", highestBid: 2500, bidder: leader, timeLeft: 9 }),
    0,
  );
  const client = {
    name: "scott",
    flags: { serverHost: "127.0.0.1", serverPort: 5000, profile: {} },
    items,
    nowMs: () => 0,
    udpPort: 1,
    tcpPort: 2,
    pendingPayments: [],
  } as unknown as AuctionClient;
  const running = shell.run(client);
  return { terminal, timers, shell, running };
}

const CLOSE = message("AUCTION_ANNOUNCE", 8, {
  item: "Kite",
  description: "Red kite",
  currentPrice: 2500,
  timeLeft: 0,
});
const WINNER = message("WINNER", 9, { item: "Kite", finalPrice: 2500, seller: "jas" });
const ONE_LINE = "[Kite] Auction closed: you won at 25.00! Seller: jas.";

/** The lines printed above the prompt. */
function printed(output: string): string[] {
  return output.split("\n").slice(0, -1).map((line) => line.split("\r\x1b[2K").at(-1)!)
    .filter((line) => !line.startsWith("Server "));
}

Deno.test("the winner reads the close in one line, whichever of the announcement and WINNER comes first", async (t) => {
  for (const order of [[CLOSE, WINNER], [WINNER, CLOSE]]) {
    await t.step(order.map((received) => received.type).join(" then "), async () => {
      const { terminal, timers, shell, running } = scottLeadingKite();
      shell.message(order[0]!, "", order[0]!.type === "WINNER" ? "tcp" : "udp");
      shell.message(order[1]!, "", order[1]!.type === "WINNER" ? "tcp" : "udp");
      await terminal.waitFor(ONE_LINE);
      timers.advance(WINNER_GRACE_MS);
      assert.deepEqual(printed(terminal.output), [ONE_LINE]);
      terminal.end();
      await running;
    });
  }
});

Deno.test("a winner's close prints alone when WINNER has not come within the grace", async () => {
  const { terminal, timers, shell, running } = scottLeadingKite();
  shell.message(CLOSE, "", "udp");
  timers.advance(WINNER_GRACE_MS - 1);
  assert.deepEqual(printed(terminal.output), []);
  timers.advance(1);
  await terminal.waitFor("[Kite] Auction closed: you won at 25.00.");
  // WINNER after all: its line still says who the seller is.
  shell.message(WINNER, "", "tcp");
  await terminal.waitFor(ONE_LINE);
  terminal.end();
  await running;
});

Deno.test("someone else's win prints at once", async () => {
  const { terminal, timers, shell, running } = scottLeadingKite("ann");
  shell.message(CLOSE, "", "udp");
  await terminal.waitFor("[Kite] Auction closed: ann won at 25.00.");
  assert.equal(timers.pendingCount, 0);
  terminal.end();
  await running;
});
