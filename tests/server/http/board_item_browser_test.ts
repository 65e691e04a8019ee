import assert from "node:assert/strict";
import { launchBrowser } from "../../_support/browser.ts";
import { startServerProcess } from "../../_support/server_process.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

Deno.test({
  name: "the item page in Chromium tells a price the seller lowered apart from the bids",
  // Playwright's pipes and Chromium's own timers outlive a test's sanitizer window.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServerProcess({
      args: ["--duration-unit", "seconds", "--announce-interval", "0", "--inform-timeout", "2"],
    });
    const seller = new UdpPeer({ port: server.udpPort });
    const buyer = new UdpPeer({ port: server.udpPort });
    const browser = await launchBrowser();
    try {
      assert.equal(
        (await seller.request("REGISTER 1 jas seller 127.0.0.1 1 1")).type,
        "REGISTERED",
      );
      assert.equal(
        (await buyer.request("REGISTER 1 scott buyer 127.0.0.1 1 1")).type,
        "REGISTERED",
      );
      assert.equal(
        (await seller.request('LIST_ITEM 2 Drachen "A green dragon kite" 20 8')).type,
        "ITEM_LISTED",
      );
      const problems: string[] = [];
      const board = await browser.context.newPage();
      board.on("pageerror", (error) => problems.push(String(error)));
      await board.goto(`http://127.0.0.1:${server.httpPort}/`);
      await board.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
      const page = await browser.context.newPage();
      page.on("pageerror", (error) => problems.push(String(error)));
      await page.goto(`http://127.0.0.1:${server.httpPort}/items/Drachen`);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
      assert.match(
        await page.locator("figcaption").textContent() ?? "",
        /after each accepted bid,\s+where\s+the seller lowered it/,
      );

      // No bid at half time: the seller lowers the price, then a bid comes; the page is live.
      await seller.waitForType("NEGOTIATE_REQ", { item: "Drachen", timeoutMs: 6000 });
      await seller.send("ACCEPT 3 Drachen 15.50");
      await seller.waitForType("PRICE_ADJUSTMENT", { item: "Drachen" });
      await page.locator('#history tr[data-kind="price_adjusted"]').waitFor({ timeout: 2000 });
      assert.equal((await buyer.request("BID 2 Drachen 16")).type, "BID_ACCEPTED");
      await page.locator('#history tr[data-kind="bid"]').waitFor({ timeout: 2000 });

      const expectHistory = async (when: string) => {
        const rows = await page.locator("#history tr").evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].slice(1).map((td) => td.textContent))
        );
        assert.deepEqual(rows, [
          ["scott", "16.00"],
          ["Price lowered by the seller", "15.50"],
        ], when);
        assert.equal(await page.locator("#item-chart svg circle.big-dot").count(), 1, when);
        assert.equal(await page.locator("#item-chart svg rect.big-adjust").count(), 1, when);
        assert.match(
          await page.locator("#item-chart svg").getAttribute("aria-label") ?? "",
          /from 20\.00 to 16\.00: 1 bid and 1 price cut by the seller/,
          when,
        );
      };
      await expectHistory("live");
      await page.reload();
      await page.locator("#history tr").nth(1).waitFor({ timeout: 5000 });
      await expectHistory("loaded");

      // The board's small chart goes through the lowered price too, live and loaded.
      const card = board.locator('#open-list li[data-item="Drachen"]');
      await card.locator(".price").filter({ hasText: "16.00" }).waitFor({ timeout: 2000 });
      const spark = card.locator("svg.spark");
      assert.match(await spark.getAttribute("aria-label") ?? "", /from 20\.00 to 16\.00 over 2/);
      await board.reload();
      await card.locator(".price").filter({ hasText: "16.00" }).waitFor({ timeout: 5000 });
      assert.match(await spark.getAttribute("aria-label") ?? "", /from 20\.00 to 16\.00 over 2/);
      assert.deepEqual(problems, [], "no script error on the page");
    } finally {
      await browser.close();
      await seller.close();
      await buyer.close();
      await server.stop();
    }
  },
});
