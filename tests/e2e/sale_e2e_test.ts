import assert from "node:assert/strict";
import { join } from "node:path";
import { applyEvent } from "../../auction/apply.ts";
import { FileStore } from "../../server/store/file_store.ts";
import type { AuctionState } from "../../auction/state.ts";
import { saleEvents } from "../_support/sale_fixture.ts";
import { startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const BUYER_CARD = "4111-1111-1111-1111";
const SELLER_CARD = "5555 5555 5555 4444";
const EXPIRY = "11/31";
/** Every way the cards and expiry could show up if they leaked. */
const SECRETS = [
  "4111111111111111",
  "4111-1111-1111-1111",
  "5555555555554444",
  "5555 5555 5555 4444",
  EXPIRY,
];

/** The state saved in `dataDir`, as a restarted server would recover it. */
async function savedState(dataDir: string): Promise<AuctionState> {
  const store = new FileStore(dataDir);
  const state = await store.load();
  await store.close();
  return state;
}

/** Makes `peer` answer INFORM_Req with an INFORM_Res carrying `card`. */
function answerWith(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} "${card}" ${EXPIRY} 1 Main Street, Springfield\n`)
        .catch(() => {});
    }
  };
}

/** Fails if any card number or expiry is in a file under `dir` or in `output`. */
async function assertNoCardData(dir: string, output: string): Promise<void> {
  const files: string[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else files.push(path);
    }
  };
  await walk(dir);
  assert.ok(files.length > 0, "the data folder holds the state");
  for (const path of files) {
    const text = await Deno.readTextFile(path);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} is in ${path}`);
  }
  for (const secret of SECRETS) {
    assert.ok(!output.includes(secret), `${secret} is in the server's output`);
  }
  assert.match(output, /Shipping_Info/, "the output was captured");
}

Deno.test("a sale cut short by a restart resumes in the server process and ships", async () => {
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  const dataDir = await Deno.makeTempDir({ prefix: "auction-e2e-sale-" });
  // The state a server left when it stopped right after closing the auction.
  const store = new FileStore(dataDir);
  const state = await store.load();
  const events = saleEvents({ buyerTcpPort: buyer.port, sellerTcpPort: seller.port });
  const lease = { type: "server_rq_leased", upTo: 200 } as const;
  for (const event of [...events, lease]) applyEvent(state, event);
  await store.append([...events, lease]);
  await store.close();

  answerWith(buyer, '"Bea Smith"', BUYER_CARD);
  answerWith(seller, "sam", SELLER_CARD);
  const server = await startServerProcess({ dataDir, args: ["--inform-timeout", "5"] });
  try {
    assert.equal(await buyer.waitForLine(/^WINNER /), "WINNER 105 Kite 25.00 sam");
    assert.equal(await seller.waitForLine(/^SOLD /), "SOLD 106 Kite 25.00 bea");
    const shipping = await seller.waitForLine(/^Shipping_Info /);
    assert.match(shipping, /^Shipping_Info \d+ "Bea Smith" 1 Main Street, Springfield$/);
    assert.ok(Number(shipping.split(" ")[1]) >= 200, "a fresh server RQ# after the lease");
    await buyer.waitForEof();
    seller.connections[0]!.close();
  } finally {
    await server.stop();
    await Promise.all([buyer.close(), seller.close()]);
  }
  const saved = await savedState(dataDir);
  assert.equal(saved.sales["1"]?.status, "settled");
  assert.equal(saved.sales["1"]?.buyerCardLast4, "1111");
  await assertNoCardData(dataDir, server.output());
  await Deno.remove(dataDir, { recursive: true });
});

// Needs LIST_ITEM, SUBSCRIBE and BID (the auction issue) and the scheduler closing the auction.
Deno.test("a whole sale over real UDP and TCP, from LIST_ITEM to Shipping_Info", async () => {
  const server = await startServerProcess({
    args: ["--duration-unit", "seconds", "--inform-timeout", "5", "--announce-interval", "0"],
  });
  const sellerTcp = new TcpPeer();
  const buyerTcp = new TcpPeer();
  const sellerUdp = new UdpPeer({ port: server.udpPort });
  const buyerUdp = new UdpPeer({ port: server.udpPort });
  try {
    answerWith(sellerTcp, "sam", SELLER_CARD);
    answerWith(buyerTcp, '"Bea Smith"', BUYER_CARD);
    const register = (name: string, role: string, udp: UdpPeer, tcp: TcpPeer) =>
      udp.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${udp.port} ${tcp.port}`);
    assert.equal((await register("sam", "seller", sellerUdp, sellerTcp)).type, "REGISTERED");
    assert.equal((await register("bea", "buyer", buyerUdp, buyerTcp)).type, "REGISTERED");
    const listed = await sellerUdp.request('LIST_ITEM 2 Kite "A red kite" 10.00 3');
    assert.equal(listed.type, "ITEM_LISTED", JSON.stringify(listed));
    assert.equal((await buyerUdp.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");
    assert.equal((await buyerUdp.request("BID 3 Kite 25.50")).type, "BID_ACCEPTED");

    assert.match(await buyerTcp.waitForLine(/^WINNER /), /^WINNER \d+ Kite 25.50 sam$/);
    assert.match(await sellerTcp.waitForLine(/^SOLD /), /^SOLD \d+ Kite 25.50 bea$/);
    const shipping = await sellerTcp.waitForLine(/^Shipping_Info /);
    assert.match(shipping, /^Shipping_Info \d+ "Bea Smith" 1 Main Street, Springfield$/);
    await buyerTcp.waitForEof(); // The server closes the buyer's connection.
    sellerTcp.connections[0]!.close(); // The seller closes its own.
  } finally {
    await Promise.all([sellerUdp.close(), buyerUdp.close()]);
    await server.stop();
    await Promise.all([sellerTcp.close(), buyerTcp.close()]);
  }
  const saved = await savedState(server.dataDir);
  const sale = Object.values(saved.sales)[0] as unknown as Record<string, unknown>;
  assert.deepEqual(
    [sale.status, sale.finalPriceCents, sale.feeCents, sale.payoutCents],
    ["settled", 2550, 255, 2295],
  );
  await assertNoCardData(server.dataDir, server.output());
  await Deno.remove(server.dataDir, { recursive: true });
});
