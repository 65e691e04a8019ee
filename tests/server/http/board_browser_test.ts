import assert from "node:assert/strict";
import { artifactPath, launchBrowser, requireChromium } from "../../_support/browser.ts";
import { startServerProcess } from "../../_support/server_process.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

Deno.test({
  name: "the board in Chromium: lists, bids live within 1 s, counts down, moves closed auctions",
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
        (await seller.request('LIST_ITEM 2 Kite "A red kite, barely flown" 20 12')).type,
        "ITEM_LISTED",
      );

      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(String(error)));
      await page.goto(`http://127.0.0.1:${server.httpPort}/`);
      const kite = page.locator('#open-list li[data-item="Kite"]');
      await kite.waitFor({ timeout: 5000 });
      assert.equal(await kite.locator(".price").textContent(), "20.00");
      assert.equal(await kite.locator(".price").getAttribute("aria-live"), "polite");
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
      await page.evaluate(() =>
        (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true
      );

      // Listed while the page is open: it appears without a reload.
      assert.equal(
        (await seller.request('LIST_ITEM 3 Lamp "Brass desk lamp" 5 3')).type,
        "ITEM_LISTED",
      );
      await page.locator('#open-list li[data-item="Lamp"]').waitFor({ timeout: 2000 });

      // The countdown moves.
      const countdown = kite.locator("time");
      const before = await countdown.textContent();
      await countdown.filter({ hasNotText: before ?? "" }).waitFor({ timeout: 3000 });

      // A bid over UDP shows on the open page within 1 s.
      assert.equal((await buyer.request("BID 4 Kite 25")).type, "BID_ACCEPTED");
      const acceptedAtMs = Date.now();
      await kite.locator(".price").filter({ hasText: /^25\.00$/ }).waitFor({ timeout: 1000 });
      assert.ok(Date.now() - acceptedAtMs <= 1000);
      assert.match(await kite.locator(".meta").textContent() ?? "", /scott leads · 1 bid/);
      assert.match(
        await page.locator("#announcer").textContent() ?? "",
        /Kite: 25\.00, scott leads/,
      );

      // Lamp ends with no bid; Kite ends with a bid whose buyer cannot be reached: cancelled.
      const lampRow = page.locator('#closed-list tr[data-item="Lamp"]');
      await lampRow.waitFor({ timeout: 6000 });
      assert.equal(await lampRow.locator(".badge").textContent(), "No offer");
      assert.equal(await lampRow.locator(".price").textContent(), "5.00", "the start price");
      assert.equal(await lampRow.locator(".winner").textContent(), "none");
      assert.match(await lampRow.locator("time").textContent() ?? "", /^\d\d:\d\d:\d\d$/);
      assert.equal(await page.locator('#open-list li[data-item="Lamp"]').count(), 0);
      const screenshot = await artifactPath("board.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`Screenshot of the board: ${screenshot}`);
      assert.ok((await Deno.stat(screenshot)).size > 1000);
      const kiteRow = page.locator('#closed-list tr[data-item="Kite"][data-status="cancelled"]');
      await kiteRow.waitFor({ timeout: 15_000 });
      assert.equal(await kiteRow.locator(".badge").textContent(), "Cancelled");
      assert.equal(await kiteRow.locator(".price").textContent(), "25.00");
      assert.equal(await kiteRow.locator(".winner").textContent(), "none (sale cancelled)");
      // The footer sits in the content column, as the sections do, on a screen wider than it.
      await page.setViewportSize({ width: 1440, height: 900 });
      const left = async (selector: string) => (await page.locator(selector).boundingBox())!.x;
      assert.ok(await left("#open-heading") > 100, "the column is centred");
      assert.equal(await left("footer p"), await left("#open-heading"));
      assert.equal(await page.locator('#open-list li[data-item="Kite"]').count(), 0);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce),
        true,
        "the page was never reloaded",
      );

      // The auction's own page: its history as a chart and a table.
      await page.goto(`http://127.0.0.1:${server.httpPort}/items/Kite`);
      await page.locator("#history tr").first().waitFor({ timeout: 5000 });
      assert.equal(await page.locator("#item-status").textContent(), "Cancelled");
      assert.equal(await page.locator("#item-leader-label").textContent(), "Winner");
      assert.equal(await page.locator("#item-leader").textContent(), "none (sale cancelled)");
      assert.match(await page.locator("#item-time").textContent() ?? "", /^\d\d:\d\d:\d\d$/);
      assert.deepEqual(await page.locator("#history td").allTextContents(), [
        await page.locator("#history time").textContent(),
        "scott",
        "25.00",
      ]);
      assert.equal(await page.locator("#item-chart svg circle").count(), 1);

      assert.deepEqual(problems, [], "no script error on the page");
    } finally {
      await browser.close();
      await seller.close();
      await buyer.close();
      await server.stop();
    }
  },
});

Deno.test("without Chromium the browser tests fail and say what to install", async () => {
  await assert.rejects(
    requireChromium("/nonexistent/chromium"),
    /Chromium is missing at \/nonexistent\/chromium: .*apt-get install -y chromium/,
  );
});
