import assert from "node:assert/strict";
import { QuitGuard } from "../../client/quit_guard.ts";
import { ItemBook } from "../../client/items.ts";
import { message } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test("QuitGuard warns once about open auctions this client sells or leads", pure, () => {
  const guard = new QuitGuard();
  assert.equal(
    guard.attempt("quit", [], 0, [{ item: "Kite" }]),
    "You lead Kite, still open. At the end the server connects to this client for the sale, " +
      "which is cancelled if nobody answers: type quit again within 3 s to quit anyway.",
  );
  assert.equal(guard.attempt("quit", [], 1_000, [{ item: "Kite" }]), undefined, "confirmed");
  const three = [{ item: "Kite" }, { item: "Vase", listedHere: true }, { item: "Lamp" }];
  assert.match(
    guard.attempt("Ctrl-D", [], 5_000, three) ?? "",
    /^You lead Kite, Lamp and you sell Vase, still open\. /,
  );
  assert.equal(guard.attempt("quit", [], 20_000, []), undefined, "nothing at stake");
  // A sale waiting for answers is named first.
  assert.match(
    guard.attempt("quit", ["Lamp"], 30_000, [{ item: "Kite" }]) ?? "",
    /cancels the sale of Lamp/,
  );
});

Deno.test(
  "ItemBook.sellingOrLeading() lists the open auctions this client listed or leads",
  pure,
  () => {
    const book = new ItemBook({ self: () => "ann" });
    book.record(
      message("AUCTION_ANNOUNCE", 1, {
        item: "Kite",
        description: "red",
        currentPrice: 2000,
        timeLeft: 60,
      }),
      0,
    );
    book.record(
      message("BID_UPDATE", 2, {
        item: "Kite",
        highestBid: 2100,
        bidder: "ann",
        timeLeft: 50,
      }),
      0,
    );
    book.record(
      message("AUCTION_ANNOUNCE", 3, {
        item: "Vase",
        description: "blue",
        currentPrice: 1000,
        timeLeft: 60,
      }),
      0,
    );
    assert.deepEqual(book.sellingOrLeading(10_000).map((entry) => entry.item), ["Kite"]);
    assert.deepEqual(book.sellingOrLeading(60_000), [], "over by the client's clock");
    book.record(
      message("BID_UPDATE", 4, {
        item: "Kite",
        highestBid: 2200,
        bidder: "bob",
        timeLeft: 40,
      }),
      20_000,
    );
    assert.deepEqual(book.sellingOrLeading(21_000), [], "outbid");
  },
);
