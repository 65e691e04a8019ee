/**
 * A new writer's first pushes (`server/server.ts`, `server/pg/cluster_node.ts`): an auction that
 * ended while no node ran is closed as the writer starts, and its closing announcement reaches
 * every subscriber: through its node when that node is connected, from the writer's own socket
 * when it is not (a dead node's channel has no listener).
 * @module
 */

import assert from "node:assert/strict";
import type { AuctionEvent } from "../../../auction/events.ts";
import { applyEvent } from "../../../auction/apply.ts";
import type { PeerAddress } from "../../../auction/state.ts";
import { NodeLink } from "../../../server/pg/node_link.ts";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import { startServer } from "../../../server/server.ts";
import { startTestPostgres } from "../../_support/postgres.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";
import { waitUntil } from "../../_support/wait.ts";

const server = await startTestPostgres();

/** A user whose session lives at `session`. */
function registered(name: string, role: "buyer" | "seller", session: PeerAddress): AuctionEvent {
  return {
    type: "user_registered",
    atMs: 0,
    name,
    role,
    declaredIp: session.hostname,
    udpPort: session.port,
    tcpPort: 1,
    session,
  };
}

/** Writes `events` into the empty database at `url` through a store, and closes it. */
async function seed(url: string, events: AuctionEvent[]): Promise<void> {
  const store = new PostgresStore(url, { node: "seed", lockWaitMs: 0 });
  const state = await store.load();
  for (const event of events) applyEvent(state, event);
  await store.append(events);
  await store.close();
}

Deno.test(
  "A new writer's first pushes reach the clients of a node not connected from its own socket, " +
    "and those of a connected node through it",
  async () => {
    const url = await server.createDatabase();
    const gone = new UdpPeer({ port: 9 });
    const seller = new UdpPeer({ port: 9 });
    const onBeta = { hostname: "127.0.0.1", port: 40_001, node: "beta" };
    const nowMs = Date.now();
    await seed(url, [
      registered("sam", "seller", { hostname: "127.0.0.1", port: seller.port, node: "gamma" }),
      registered("gus", "buyer", { hostname: "127.0.0.1", port: gone.port, node: "gamma" }),
      registered("bea", "buyer", onBeta),
      {
        type: "item_listed",
        atMs: nowMs - 120_000,
        id: 1,
        name: "Kite",
        description: "A kite",
        seller: "sam",
        startPriceCents: 1000,
        durationMs: 60_000,
        endsAtMs: nowMs - 60_000,
      },
      { type: "subscribed", atMs: nowMs - 100_000, itemId: 1, user: "gus" },
      { type: "subscribed", atMs: nowMs - 100_000, itemId: 1, user: "bea" },
    ]);
    // Node beta serves; node gamma, whose sessions these were too, is gone.
    const beta = NodeLink.open(url, "beta");
    const atBeta: string[] = [];
    await beta.serveDeliveries((to, line) => void atBeta.push(`${to.port} ${line}`));
    const writer = await startServer({
      hostname: "127.0.0.1",
      udpPort: 0,
      tcpPort: 0,
      config: { announceIntervalSeconds: 0 },
      store: new PostgresStore(url, { node: "alpha", lockWaitMs: 0 }),
    });
    try {
      const closing = await gone.waitForType("AUCTION_ANNOUNCE", { item: "Kite" });
      assert.equal(closing.timeLeft, 0);
      await waitUntil(() => atBeta.length > 0, "the announcement through beta");
      assert.match(atBeta[0]!, /^40001 AUCTION_ANNOUNCE \d+ Kite "A kite" 10\.00 0$/);
    } finally {
      await writer.close();
      await beta.close();
      await Promise.all([gone.close(), seller.close()]);
    }
    await server.dropDatabase(url);
  },
);
