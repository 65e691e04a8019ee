/**
 * A buyer without a payment profile answers INFORM_Req with the `pay` command; the card is
 * declined, and both parties get CANCEL, which the client ties to the item of its connection.
 */
import assert from "node:assert/strict";
import { ClientProcess, ensureBundle } from "../_support/client_process.ts";
import { startServerProcess } from "../_support/server_process.ts";

const DECLINED_CARD = "4000000000000002";

Deno.test("a scripted buyer pays with the pay command; a declined card cancels the sale for both", async () => {
  await ensureBundle();
  const server = await startServerProcess({
    args: ["--duration-unit", "seconds", "--announce-interval", "0", "--inform-timeout", "15"],
  });
  const common = ["--server", `127.0.0.1:${server.udpPort}`];
  const seller = new ClientProcess([
    ...common,
    ...["--name", "lee", "--role", "seller", "--full-name", "Lee Seller"],
    ...["--card", "5555555555554444", "--exp", "12/39", "--address", "9 Shop Road"],
  ]);
  const buyer = new ClientProcess([...common, "--name", "bo", "--role", "buyer"]);
  try {
    // The buyer is up and registered before the 3 s auction starts: a process start on a
    // loaded machine can take seconds, which must not eat into the time left to bid.
    await buyer.send("register");
    await buyer.waitForType("REGISTERED");
    await seller.send("register", 'list Lamp "Desk lamp" 10 3', "wait-for CANCEL Lamp 20");
    await seller.waitForType("ITEM_LISTED");
    await buyer.send(
      "bid Lamp 12",
      "wait-for INFORM_Req Lamp 15",
      `pay Lamp "Bo Buyer" ${DECLINED_CARD} 12/39 "2 Side St"`,
      "wait-for CANCEL Lamp 20",
    );
    const codes = await Promise.all([seller.end(), buyer.end()]);
    // Each side's sale was cancelled: exit code 5 for both.
    assert.deepEqual(codes, [5, 5], `${seller.stdout}\n${buyer.stdout}\n${buyer.stderr}`);

    const needed = await buyer.waitFor((record) =>
      record.type === "payment" && record.action === "needed"
    );
    assert.deepEqual(needed.missing, ["fullName", "card", "expiry", "address"]);
    assert.equal(needed.finalPrice, "12.00");
    const sent = await buyer.waitFor((record) =>
      record.type === "payment" && record.action === "sent"
    );
    assert.equal(sent.card, "************0002");
    for (const client of [seller, buyer]) {
      const cancel = await client.waitForType("CANCEL", "Lamp");
      assert.match(String(cancel.reason), /declined/i);
    }
    assert.equal(buyer.stdout.includes(DECLINED_CARD), false);
  } finally {
    seller.kill();
    buyer.kill();
    await server.stop();
  }
});

Deno.test("a script's exit code tells a refusal from a bad line", async (t) => {
  await ensureBundle();
  const server = await startServerProcess();
  try {
    for (
      const [lines, code] of [
        [["register"], 0],
        [["register", "bid Nothing 5"], 1],
        [["register", "bid Nothing"], 2],
        [["wait-for BID_UPDATE 0.2"], 4],
      ] as const
    ) {
      await t.step(`${lines.join(" / ")} exits ${code}`, async () => {
        const client = new ClientProcess([
          "--server",
          `127.0.0.1:${server.udpPort}`,
          ...["--name", `exit${code}`, "--role", "buyer"],
        ]);
        try {
          await client.send(...lines);
          assert.equal(await client.end(), code, client.stdout);
        } finally {
          client.kill();
        }
      });
    }
  } finally {
    await server.stop();
  }
});
