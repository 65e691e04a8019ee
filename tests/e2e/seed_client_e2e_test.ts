/**
 * The original project's Python client, unchanged, through whole auctions against the real
 * server process (issue 15): it reads one TCP message per `recv` and sends its INFORM_Res without
 * a line end, so this holds only with the server's pacing and its quiet line end.
 */

import assert from "node:assert/strict";
import { startServerProcess } from "../_support/server_process.ts";
import { waitUntil } from "../_support/wait.ts";
import { assertSeedClientAvailable, SeedClient } from "./_interop/seed_client.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const BUYER_CARD = "4111111111111111";
const DECLINED_CARD = "4000000000000002";
const SELLER_CARD = "5555555555554444";
const EXPIRY = "12/39";
const BUYER_ADDRESS = "1 Seed Street";
/** Seconds the auction runs: room for the client's requests, each of which may wait 5 s. */
const AUCTION_SECONDS = 12;

/** Starts the server and two original clients, registers both, and runs one auction. */
async function runAuction(
  buyerCard: string,
  check: (
    parties: {
      buyer: SeedClient;
      seller: SeedClient;
      serverOutput: () => string;
      serverUdpPort: number;
    },
  ) => Promise<void>,
  serverArgs: string[] = [],
): Promise<void> {
  await assertSeedClientAvailable();
  const server = await startServerProcess({
    args: [
      "--duration-unit",
      "seconds",
      "--announce-interval",
      "0",
      "--inform-timeout",
      "20",
      ...serverArgs,
    ],
  });
  const common = { serverUdpPort: server.udpPort, serverTcpPort: server.tcpPort };
  const seller = new SeedClient({
    ...common,
    name: "sam_seed",
    role: "seller",
    fullName: "Sam Seller",
    card: SELLER_CARD,
    expiry: EXPIRY,
    address: "9 Market Road",
  });
  const buyer = new SeedClient({
    ...common,
    name: "pat_seed",
    role: "buyer",
    fullName: "Pat Seed",
    card: buyerCard,
    expiry: EXPIRY,
    address: BUYER_ADDRESS,
  });
  try {
    await Promise.all([seller.waitFor(/^ready /), buyer.waitFor(/^ready /)]);
    await Promise.all([seller.command("register"), buyer.command("register")]);
    // The client's listener thread may take a reply from its request method: either shows it.
    await Promise.all([seller.waitFor(/^udp REGISTERED /), buyer.waitFor(/^udp REGISTERED /)]);
    await Promise.all([seller.waitFor(/^done register$/), buyer.waitFor(/^done register$/)]);
    await seller.command(`list Seed_kite A_red_kite 10.00 ${AUCTION_SECONDS}`);
    await seller.waitFor(/^udp ITEM_LISTED /);
    await buyer.command("subscribe Seed_kite");
    await buyer.command("bid Seed_kite 25.00");
    await buyer.waitFor(/^udp SUBSCRIBED /);
    await buyer.waitFor(/^udp BID_ACCEPTED /);
    await check({ buyer, seller, serverOutput: server.output, serverUdpPort: server.udpPort });
  } finally {
    await Promise.all([buyer.stop(), seller.stop()]);
    await server.stop();
    await Deno.remove(server.dataDir, { recursive: true });
  }
}

/** Each `recv` of the client held one message (a line end at most at its end). */
function assertOneMessagePerRead(client: SeedClient): void {
  const reads = client.events.filter((event) => event.startsWith("tcp "));
  assert.ok(reads.length > 0, "the client read from the server's TCP connection");
  for (const read of reads) {
    const text = read.slice(4).replace(/\\n$/, "");
    assert.ok(!text.includes("\\n"), `two messages in one read: ${read}`);
  }
}

/**
 * No error of the client's TCP handler (unpacking two messages, an unknown message, ...), but
 * for PAID: this project's extension, which the original client does not know and only prints
 * as unknown, after the sale is complete (docs/compatible-clients.md).
 */
function assertNoClientError(client: SeedClient): void {
  const errors = client.events.filter((event) =>
    event.startsWith("error ") && event !== "error Unknown TCP message type: PAID"
  );
  assert.deepEqual(errors, [], `the client reported errors:\n${client.output()}`);
}

Deno.test("the original Python client completes a whole auction: WINNER, SOLD, INFORM_Res, Shipping_Info", async () => {
  await runAuction(BUYER_CARD, async ({ buyer, seller, serverOutput }) => {
    const deadlineMs = (AUCTION_SECONDS + 30) * 1000;
    await buyer.waitFor(/^winner$/, deadlineMs);
    await seller.waitFor(/^sold$/, deadlineMs);
    await Promise.all([buyer.waitFor(/^inform_req$/), seller.waitFor(/^inform_req$/)]);
    await Promise.all([buyer.waitFor(/^inform_res_sent$/), seller.waitFor(/^inform_res_sent$/)]);
    const shipping = await seller.waitFor(/^shipping /);
    // `Shipping_Info RQ# "Pat Seed" 1 Seed Street`: the client splits it on spaces, so the name
    // prints as `"Pat` and the address as `Seed" 1 Seed Street` (docs/compatible-clients.md).
    assert.equal(shipping, `shipping "Pat at address: Seed" ${BUYER_ADDRESS}`);
    await buyer.waitFor(/^closed$/);
    for (const client of [buyer, seller]) {
      assert.ok(!client.events.some((event) => event.startsWith("cancel")), "no CANCEL");
      assertOneMessagePerRead(client);
      assertNoClientError(client);
    }
    await waitUntil(
      () => /Sale of item \d+ settled/.test(serverOutput()),
      "the sale settled",
      10_000,
    );
    for (const secret of [BUYER_CARD, SELLER_CARD, EXPIRY]) {
      assert.ok(!serverOutput().includes(secret), `${secret} is in the server's output`);
    }
  });
});

Deno.test("the original Python client sees CANCEL on both sides when the buyer's card is declined", async () => {
  await runAuction(DECLINED_CARD, async ({ buyer, seller, serverOutput }) => {
    const deadlineMs = (AUCTION_SECONDS + 30) * 1000;
    await buyer.waitFor(/^winner$/, deadlineMs);
    await seller.waitFor(/^sold$/, deadlineMs);
    await Promise.all([buyer.waitFor(/^inform_res_sent$/), seller.waitFor(/^inform_res_sent$/)]);
    const [buyerCancel, sellerCancel] = await Promise.all([
      buyer.waitFor(/^cancel /),
      seller.waitFor(/^cancel /),
    ]);
    assert.match(buyerCancel, /declined/i);
    assert.match(sellerCancel, /declined/i);
    assert.ok(!seller.events.some((event) => event.startsWith("shipping")), "no Shipping_Info");
    for (const client of [buyer, seller]) {
      assertOneMessagePerRead(client);
      assertNoClientError(client);
    }
    await waitUntil(
      () => /Sale of item \d+ cancelled: "Payment declined/.test(serverOutput()),
      "the sale cancelled",
      10_000,
    );
    assert.ok(!serverOutput().includes(DECLINED_CARD), "the card is not in the server's output");
  });
});

Deno.test("with --provisional-seconds 5 the original client's accounts last, a REGISTER never followed up expires", async () => {
  await runAuction(BUYER_CARD, async ({ buyer, seller, serverOutput, serverUdpPort }) => {
    const ghost = new UdpPeer({ port: serverUdpPort });
    const newcomer = new UdpPeer({ port: serverUdpPort });
    try {
      const registered = await ghost.request("REGISTER 1 ghost buyer 127.0.0.1 6000 6001");
      assert.equal(registered.type, "REGISTERED");
      const taken = await newcomer.request("REGISTER 1 Ghost buyer 127.0.0.1 6000 6001");
      assert.deepEqual(taken, {
        type: "REGISTER-DENIED",
        rq: 1,
        reason: "User name is already taken",
      });
      // Nothing more from the ghost's address: its account expires and frees the name.
      await waitUntil(
        () => /1 provisional account\(s\) expired/.test(serverOutput()),
        "the ghost's account expired",
      );
      const free = await newcomer.request("REGISTER 2 Ghost buyer 127.0.0.1 6000 6001");
      assert.equal(free.type, "REGISTERED");
    } finally {
      await Promise.all([ghost.close(), newcomer.close()]);
    }
    // The seed clients' accounts acted (LIST_ITEM, SUBSCRIBE, BID) and outlive 5 s: the sale runs.
    const deadlineMs = (AUCTION_SECONDS + 30) * 1000;
    await buyer.waitFor(/^winner$/, deadlineMs);
    await seller.waitFor(/^sold$/, deadlineMs);
    await waitUntil(
      () => /Sale of item \d+ settled/.test(serverOutput()),
      "the sale settled",
      20_000,
    );
    assert.doesNotMatch(serverOutput(), /[2-9] provisional account\(s\) expired/);
  }, ["--provisional-seconds", "5"]);
});
