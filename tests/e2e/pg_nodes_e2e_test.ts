/**
 * Several server nodes serving one PostgreSQL database at once (real processes on loopback): the
 * writer and serving followers that forward their clients' requests and send the pushes of their
 * sessions. `tests/_support/postgres.ts` starts the database.
 * @module
 */

import assert from "node:assert/strict";
import postgresClient from "postgres";
import type { Message } from "../../protocol/mod.ts";
import { startTestPostgres } from "../_support/postgres.ts";
import {
  isWriter,
  loggedEvents,
  requestRetrying,
  startNode,
  waitForOutput,
} from "../_support/pg_nodes.ts";
import type { ServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const postgres = await startTestPostgres();

/** A client of one node: its UDP socket and the TCP listener it declares. */
interface Client {
  name: string;
  udp: UdpPeer;
  tcp: TcpPeer;
}

function client(name: string, node: ServerProcess): Client {
  return { name, udp: new UdpPeer({ port: node.udpPort }), tcp: new TcpPeer() };
}

async function register(who: Client, role: "buyer" | "seller"): Promise<void> {
  const reply = await who.udp.request(
    `REGISTER 1 ${who.name} ${role} 127.0.0.1 ${who.udp.port} ${who.tcp.port}`,
  );
  assert.equal(reply.type, "REGISTERED", JSON.stringify(reply));
}

/** Makes `who` answer INFORM_Req with an INFORM_Res. */
function answerInform(who: Client, card: string): void {
  who.tcp.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${who.name} "${card}" 11/31 1 Main Street, Springfield\n`)
        .catch(() => {});
    }
  };
}

async function closeAll(clients: Client[], nodes: (ServerProcess | undefined)[]): Promise<void> {
  await Promise.allSettled(clients.map((each) => each.udp.close()));
  await Promise.allSettled(nodes.map((node) => node?.stop()));
  await Promise.allSettled(clients.map((each) => each.tcp.close()));
  for (const node of nodes) if (node) await Deno.remove(node.dataDir, { recursive: true });
}

/** Sends a BID and waits for its reply (a push may carry the same RQ#: the server's own). */
async function bid(who: Client, rq: number, cents: number): Promise<Message> {
  const from = who.udp.received.length;
  await who.udp.send(`BID ${rq} Kite ${(cents / 100).toFixed(2)}`);
  return await who.udp.waitFor(
    (reply) => reply.rq === rq && reply.type.startsWith("BID_") && reply.type !== "BID_UPDATE",
    { from },
  );
}

const BID_UPDATES = (message: Message) => message.type === "BID_UPDATE";

Deno.test(
  "three nodes serve one database at once: bids through all three are ordered in one log, " +
    "every subscriber on every node gets every BID_UPDATE in order, and one winner",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const nodes = [alpha, await startNode(url, "beta"), await startNode(url, "gamma")];
    const seller = client("sam", nodes[1]!);
    const buyers = nodes.flatMap((node, index) => [
      client(`b${index}a`, node),
      client(`b${index}b`, node),
    ]);
    try {
      assert.ok(isWriter(alpha) && !isWriter(nodes[1]!) && !isWriter(nodes[2]!));
      await register(seller, "seller");
      await Promise.all(buyers.map((buyer) => register(buyer, "buyer")));
      const listed = await seller.udp.request('LIST_ITEM 2 Kite "A red kite" 10.00 10');
      assert.equal(listed.type, "ITEM_LISTED");
      for (const buyer of buyers) {
        assert.equal((await buyer.udp.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");
      }
      answerInform(seller, "5555 5555 5555 4444");
      for (const buyer of buyers) answerInform(buyer, "4111-1111-1111-1111");

      // Four rounds; in each every buyer bids at once, through its own node.
      const accepted: number[] = [];
      for (let round = 1; round <= 4; round++) {
        const replies = await Promise.all(buyers.map((buyer, index) => {
          const cents = 1000 + round * 1000 + (index + 1) * 100;
          return bid(buyer, 10 + round, cents).then((reply) => ({ reply, cents }));
        }));
        for (const { reply, cents } of replies) {
          assert.ok(["BID_ACCEPTED", "BID_REJECTED"].includes(reply.type), reply.type);
          if (reply.type === "BID_ACCEPTED") accepted.push(cents);
        }
      }

      // Log order: the accepted amounts strictly increase, and they are those acknowledged.
      const bids = await loggedEvents(url, "bid_placed");
      const inLog = bids.map((bid) => bid.amountCents);
      for (let index = 1; index < inLog.length; index++) {
        assert.ok(inLog[index]! > inLog[index - 1]!, `not increasing: ${inLog}`);
      }
      assert.deepEqual([...inLog].sort(), [...accepted].sort());
      assert.ok(inLog.length >= 4, `one accepted bid per round at least: ${inLog}`);

      // Every subscriber, on every node, and the seller: every update, in log order.
      for (const each of [seller, ...buyers]) {
        await each.udp.waitFor(() => each.udp.received.filter(BID_UPDATES).length >= inLog.length, {
          timeoutMs: 10_000,
        });
        const updates = each.udp.received.filter(BID_UPDATES) as Extract<
          Message,
          { type: "BID_UPDATE" }
        >[];
        assert.deepEqual(updates.map((update) => update.highestBid), inLog, each.name);
      }

      // One winner: the highest bidder, told over TCP; the sale completes.
      const top = bids.at(-1)!;
      const winner = buyers.find((buyer) => buyer.name === top.bidder)!;
      await winner.tcp.waitForLine(/^WINNER \d+ Kite /, 15_000);
      await seller.tcp.waitForLine(/^Shipping_Info /, 10_000);
      await winner.tcp.waitForLine(/^PAID /, 10_000);
      for (const other of buyers.filter((buyer) => buyer !== winner)) {
        assert.ok(!other.tcp.lines.some((line) => line.startsWith("WINNER")), other.name);
      }
      assert.equal((await loggedEvents(url, "auction_closed")).length, 1);
      assert.equal((await loggedEvents(url, "sale_settled")).length, 1);
    } finally {
      await closeAll([seller, ...buyers], nodes);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test(
  "kill -9 of the writer mid-auction: a follower takes over, the auction closes once, on time, " +
    "the sale completes, no acknowledged bid is lost, and the killed node serves again",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    const gamma = await startNode(url, "gamma");
    let restarted: ServerProcess | undefined;
    const seller = client("sam", beta);
    const bea = client("bea", beta);
    const bob = client("bob", gamma);
    const late = client("lee", alpha);
    try {
      await register(seller, "seller");
      await register(bea, "buyer");
      await register(bob, "buyer");
      answerInform(seller, "5555 5555 5555 4444");
      answerInform(bea, "4111-1111-1111-1111");
      answerInform(bob, "4111-1111-1111-1111");
      assert.equal(
        (await seller.udp.request('LIST_ITEM 2 Kite "A red kite" 10.00 10')).type,
        "ITEM_LISTED",
      );
      assert.equal((await bea.udp.request("BID 3 Kite 20.00")).type, "BID_ACCEPTED");
      assert.equal((await bob.udp.request("BID 3 Kite 30.00")).type, "BID_ACCEPTED");

      await alpha.stop("SIGKILL");
      // Through their own nodes, retransmitting while one of them takes over.
      assert.equal((await requestRetrying(bea.udp, "BID 4 Kite 25.00")).type, "BID_REJECTED");
      assert.equal((await requestRetrying(bea.udp, "BID 5 Kite 40.00")).type, "BID_ACCEPTED");
      const writer = isWriter(beta) ? beta : gamma;
      assert.ok(isWriter(writer), "a follower took over");

      // The auction closes once, by the new writer, within a few seconds of its end.
      await bea.tcp.waitForLine(/^WINNER \d+ Kite 40\.00 sam/, 15_000);
      await seller.tcp.waitForLine(/^Shipping_Info \d+ bea /, 10_000);
      await bea.tcp.waitForLine(/^PAID \d+ Kite 40\.00/, 10_000);
      const closes = await loggedEvents(url, "auction_closed");
      assert.equal(closes.length, 1);
      assert.equal(closes[0]!.writtenBy, writer === beta ? "beta" : "gamma");
      const bids = await loggedEvents(url, "bid_placed");
      assert.deepEqual(bids.map((bid) => bid.amountCents), [2000, 3000, 4000]);
      const endsAtMs = bids.at(-1)!.endsAtMs;
      assert.ok(closes[0]!.atMs >= endsAtMs, "closed early");
      assert.ok(closes[0]!.atMs - endsAtMs < 3_000, "closed late");
      assert.equal((await loggedEvents(url, "sale_settled")).length, 1);
      assert.ok(!bob.tcp.lines.some((line) => line.startsWith("WINNER")));

      // The killed node, restarted, follows the log and serves its clients again.
      restarted = await startNode(url, "alpha", { udpPort: alpha.udpPort });
      assert.ok(!isWriter(restarted));
      await waitForOutput(restarted, /as a follower/);
      const ready = await fetch(`http://127.0.0.1:${restarted.httpPort}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: "ready" }]);
      await register(late, "buyer");
      const denied = await late.udp.request("SUBSCRIBE 2 Kite");
      assert.equal(denied.type, "SUBSCRIPTION-DENIED", "the auction is closed everywhere");
    } finally {
      await closeAll([seller, bea, bob, late], [alpha, beta, gamma, restarted]);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test(
  "a follower whose database session ends reconnects, serves its clients on, and takes over " +
    "when the writer stops",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    const peer = new UdpPeer({ port: beta.udpPort });
    try {
      const sql = postgresClient(url, { max: 1, onnotice: () => {} });
      try {
        await sql`
          SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'auction beta'`;
      } finally {
        await sql.end();
      }
      await waitForOutput(beta, /"beta" reconnected to .*; it waits for the writer lock again/);
      const reply = await requestRetrying(peer, "REGISTER 1 ann buyer 127.0.0.1 1 2");
      assert.equal(reply.type, "REGISTERED", JSON.stringify(reply));
      assert.ok(isWriter(alpha) && !isWriter(beta), "the writer serves on");
      await alpha.stop();
      await waitForOutput(beta, /as the writer/);
      const again = await requestRetrying(peer, "REGISTER 2 bob buyer 127.0.0.1 1 2");
      assert.equal(again.type, "REGISTERED", JSON.stringify(again));
    } finally {
      await peer.close();
      await closeAll([], [alpha, beta]);
    }
    await postgres.dropDatabase(url);
  },
);
