import assert from "node:assert/strict";
import { AnnouncementNotices } from "../../client/announcement_notices.ts";
import { message } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

const announce = (currentPrice: number, timeLeft: number, item = "Kite") =>
  message("AUCTION_ANNOUNCE", 1, { item, description: "Red", currentPrice, timeLeft });

Deno.test("AnnouncementNotices shows the first announcement, then only changes", pure, () => {
  const notices = new AnnouncementNotices();
  assert.equal(notices.shouldShow(announce(2000, 1800)), true, "the first");
  assert.equal(notices.shouldShow(announce(2000, 1740)), false, "same price a minute later");
  assert.equal(notices.shouldShow(announce(2000, 1680)), false);
  assert.equal(notices.shouldShow(announce(2000, 1800, "Lamp")), true, "another item's first");
  assert.equal(notices.shouldShow(announce(2500, 1620)), true, "a new price");
  // A bid line already showed 30.00: its announcement adds nothing.
  notices.observe(
    message("BID_UPDATE", 2, { item: "Kite", highestBid: 3000, bidder: "bob", timeLeft: 1600 }),
  );
  assert.equal(notices.shouldShow(announce(3000, 1560)), false);
  assert.equal(notices.shouldShow(announce(3000, 0)), true, "the close");
});

Deno.test("AnnouncementNotices shows the end coming near: 10 min, 5 min, 1 min left", pure, () => {
  const notices = new AnnouncementNotices();
  const shown = [700, 640, 580, 520, 340, 280, 220, 100, 40, 0].filter((seconds) =>
    notices.shouldShow(announce(2000, seconds))
  );
  assert.deepEqual(shown, [700, 580, 280, 40, 0]);
});

Deno.test("AnnouncementNotices shows the next announcement after a new subscription", pure, () => {
  const notices = new AnnouncementNotices();
  notices.shouldShow(announce(2000, 1800));
  notices.forget("kite");
  assert.equal(notices.shouldShow(announce(2000, 1790)), true);
});
