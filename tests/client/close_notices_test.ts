/**
 * The close of this client's own sale in one line: the closing AUCTION_ANNOUNCE (UDP) and WINNER
 * (the winner's, TCP) or SOLD / NON_OFFER (the seller's) say the same, so the shell prints the
 * sale message's line, which says more, whichever comes first.
 */
import assert from "node:assert/strict";
import { message } from "../../protocol/mod.ts";
import { Shell } from "../../client/shell.ts";
import { SALE_GRACE_MS } from "../../client/close_notices.ts";
import { ItemBook } from "../../client/items.ts";
import type { AuctionClient } from "../../client/session.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";
import { FakeTimers } from "../_support/fake_timers.ts";

/** Scott's shell, leading Kite at 25.00 by the last BID_UPDATE heard. */
function scottLeadingKite(leader = "scott") {
  return shellOf("scott", (items) => {
    items.record(
      message("BID_UPDATE", 3, { item: "Kite", highestBid: 2500, bidder: leader, timeLeft: 9 }),
      0,
    );
  });
}

/** Jas's shell, who listed Kite at 25.00 (and heard `bidder` lead, if given). */
function jasSellingKite(bidder?: string) {
  return shellOf("jas", (items) => {
    items.listed({
      item: "Kite",
      description: "Red kite",
      startPriceCents: 2500,
      duration: { amount: 9, unit: "s" },
      durationUnit: "s",
    }, 0);
    if (bidder === undefined) return;
    items.record(
      message("BID_UPDATE", 3, { item: "Kite", highestBid: 2500, bidder, timeLeft: 9 }),
      0,
    );
  });
}

/** `name`'s shell, running, with an item book `heard` has filled. */
function shellOf(name: string, heard: (items: ItemBook) => void) {
  const terminal = new FakeTerminal();
  const timers = new FakeTimers();
  const shell = new Shell(terminal, { timers });
  const items = new ItemBook({ self: () => name });
  heard(items);
  const client = {
    name,
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
      timers.advance(SALE_GRACE_MS);
      assert.deepEqual(printed(terminal.output), [ONE_LINE]);
      terminal.end();
      await running;
    });
  }
});

Deno.test("a winner's close prints alone when WINNER has not come within the grace", async () => {
  const { terminal, timers, shell, running } = scottLeadingKite();
  shell.message(CLOSE, "", "udp");
  timers.advance(SALE_GRACE_MS - 1);
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

const SOLD = message("SOLD", 10, { item: "Kite", finalPrice: 2500, buyer: "scott" });
const NON_OFFER = message("NON_OFFER", 11, { item: "Kite" });

Deno.test("the seller reads the close of its auction in one line: SOLD's, or NON_OFFER's, whichever comes first", async (t) => {
  const cases = [
    { bidder: "scott", sale: SOLD, line: "[Kite] Sold to scott at 25.00." },
    {
      bidder: undefined,
      sale: NON_OFFER,
      line: "[Kite] Auction ended with no bid: the item is not sold.",
    },
  ];
  for (const { bidder, sale, line } of cases) {
    for (const order of [[CLOSE, sale], [sale, CLOSE]]) {
      await t.step(order.map((received) => received.type).join(" then "), async () => {
        const { terminal, timers, shell, running } = jasSellingKite(bidder);
        for (const received of order) shell.message(received, "", "udp");
        await terminal.waitFor(line);
        timers.advance(SALE_GRACE_MS);
        assert.deepEqual(printed(terminal.output), [line]);
        terminal.end();
        await running;
      });
    }
  }
});

Deno.test("a seller's close prints alone when SOLD has not come within the grace", async () => {
  const { terminal, timers, shell, running } = jasSellingKite("scott");
  shell.message(CLOSE, "", "udp");
  timers.advance(SALE_GRACE_MS - 1);
  assert.deepEqual(printed(terminal.output), []);
  timers.advance(1);
  await terminal.waitFor("[Kite] Auction closed: scott won at 25.00.");
  terminal.end();
  await running;
});
