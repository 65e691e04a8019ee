/**
 * Where pushes leave from when several nodes serve one database (real processes, one
 * PostgreSQL): from the node a session was made through while that node is connected, else
 * from the writer itself, so that a client of a dead or renamed node still gets them.
 * @module
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/mod.ts";
import { startTestPostgres } from "../_support/postgres.ts";
import { startNode } from "../_support/pg_nodes.ts";
import type { ServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const postgres = await startTestPostgres();

async function register(peer: UdpPeer, name: string, role: string): Promise<void> {
  const reply = await peer.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${peer.port} 1`);
  assert.equal(reply.type, "REGISTERED");
}

const updateOf = (cents: number) => (message: Message) =>
  message.type === "BID_UPDATE" && message.highestBid === cents;

async function stopAll(peers: UdpPeer[], nodes: (ServerProcess | undefined)[]): Promise<void> {
  await Promise.allSettled(peers.map((peer) => peer.close()));
  for (const node of nodes) {
    if (!node) continue;
    await node.stop();
    await Deno.remove(node.dataDir, { recursive: true });
  }
}

Deno.test(
  "a node restarted under another name pushes to the sessions made under the old one",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    let omega: ServerProcess | undefined;
    const seller = new UdpPeer({ port: alpha.udpPort });
    const bea = new UdpPeer({ port: alpha.udpPort });
    const bob = new UdpPeer({ port: alpha.udpPort });
    try {
      await register(seller, "sam", "seller");
      await register(bea, "bea", "buyer");
      assert.equal(
        (await seller.request('LIST_ITEM 2 Kite "A kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      assert.equal((await bea.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");
      await alpha.stop();
      omega = await startNode(url, "omega", { udpPort: alpha.udpPort });
      await register(bob, "bob", "buyer");
      assert.equal((await bob.request("BID 3 Kite 20.00")).type, "BID_ACCEPTED");
      await bea.waitFor(updateOf(2000));
    } finally {
      await stopAll([seller, bea, bob], [alpha, omega]);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test(
  "a follower killed: its clients' pushes come from the writer once it sees the node gone",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    const seller = new UdpPeer({ port: alpha.udpPort });
    const bob = new UdpPeer({ port: alpha.udpPort });
    const sue = new UdpPeer({ port: beta.udpPort });
    try {
      await register(seller, "sam", "seller");
      await register(bob, "bob", "buyer");
      await register(sue, "sue", "buyer");
      assert.equal(
        (await seller.request('LIST_ITEM 2 Kite "A kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      assert.equal((await sue.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");
      assert.equal((await bob.request("BID 3 Kite 20.00")).type, "BID_ACCEPTED");
      await sue.waitFor(updateOf(2000)); // through beta

      await beta.stop("SIGKILL");
      // The writer looks at the connected nodes every second: bid until sue hears one.
      const deadline = Date.now() + 15_000;
      for (let cents = 2100;; cents += 100) {
        const from = sue.received.length;
        const reply = await bob.request(`BID ${cents} Kite ${(cents / 100).toFixed(2)}`);
        assert.equal(reply.type, "BID_ACCEPTED");
        try {
          await sue.waitFor(updateOf(cents), { from, timeoutMs: 1_000 });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
    } finally {
      await stopAll([seller, bob, sue], [alpha, beta]);
    }
    await postgres.dropDatabase(url);
  },
);
