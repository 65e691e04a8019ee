/**
 * Client failover against real server processes on PostgreSQL: a writer node and a standby on
 * other ports (`tests/_support/postgres.ts` starts the database). The bundled client is given
 * both (`--server A,B`); when A is killed, its next request goes unanswered twice, it moves to B,
 * LOGINs with its kept password, subscribes again, and its bid is done there once. And with
 * three nodes serving at once, the same when the client's node is a follower.
 * @module
 */

import assert from "node:assert/strict";
import { readDatabaseState } from "../../server/pg/recovery.ts";
import { ClientProcess, ensureBundle } from "../_support/client_process.ts";
import { freeUdpPort } from "../_support/crash_driver.ts";
import { standbyWaiting, startTestPostgres } from "../_support/postgres.ts";
import { isWriter, startNode } from "../_support/pg_nodes.ts";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const postgres = await startTestPostgres();

Deno.test(
  "a client whose node is SIGKILLed fails over to the standby node of --server: it LOGINs, " +
    "subscribes again, its bid in flight is done once, and pushes keep coming",
  async () => {
    await ensureBundle();
    const url = await postgres.createDatabase();
    const env = { DATABASE_URL: url };
    const args = ["--duration-unit", "seconds", "--announce-interval", "0"];
    const [portA, portB] = [freeUdpPort(), freeUdpPort()];
    const alpha: ServerProcess = await startServerProcess({
      udpPort: portA,
      args: [...args, "--node", "alpha"],
      env,
    });
    const starting = startServerProcess({ udpPort: portB, args: [...args, "--node", "beta"], env });
    starting.catch(() => {});
    let beta: ServerProcess | undefined;
    let bobAtB: UdpPeer | undefined;
    const sellerTcp = new TcpPeer();
    const bobTcp = new TcpPeer();
    const seller = new UdpPeer({ port: portA });
    const bob = new UdpPeer({ port: portA });
    const bea = new ClientProcess([
      ...["--server", `127.0.0.1:${portA},127.0.0.1:${portB}`],
      ...["--name", "bea", "--role", "buyer", "--log-level", "info"],
    ]);
    try {
      await standbyWaiting(url);
      const register = (name: string, role: string, udp: UdpPeer, tcp: TcpPeer) =>
        udp.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${udp.port} ${tcp.port}`);
      assert.equal((await register("sam", "seller", seller, sellerTcp)).type, "REGISTERED");
      assert.equal((await register("bob", "buyer", bob, bobTcp)).type, "REGISTERED");
      assert.equal(
        (await seller.request('LIST_ITEM 2 Kite "A red kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      await bea.send("register", "subscribe Kite", "bid Kite 20");
      await bea.waitFor((record) => record.type === "BID_ACCEPTED");

      await alpha.stop("SIGKILL");
      beta = await starting;
      const movedAtMs = Date.now();
      await bea.send("bid Kite 25");
      const failover = await bea.waitForType("failover", undefined, 20_000);
      assert.deepEqual(failover, {
        type: "failover",
        from: `127.0.0.1:${portA}`,
        to: `127.0.0.1:${portB}`,
        resubscribed: ["Kite"],
      });
      // Two tries at A (1 to 1.5 s, then twice that) before the move.
      assert.ok(Date.now() - movedAtMs >= 3_000, "moved before two unanswered tries");
      await bea.waitFor((record) =>
        record.type === "BID_ACCEPTED" &&
        bea.records.filter((other) => other.type === "BID_ACCEPTED").length === 2
      );
      assert.equal(
        bea.records.filter((record) => record.type === "REGISTERED").length,
        1,
        "registered only once",
      );

      // Pushes from B reach the client: bob, from the same address, now bids through B.
      const bobPort = bob.port;
      await bob.close();
      bobAtB = new UdpPeer({ port: portB }, bobPort);
      assert.equal((await bobAtB.request("BID 3 Kite 30.00")).type, "BID_ACCEPTED");
      const update = await bea.waitFor((record) =>
        record.type === "BID_UPDATE" && record.bidder === "bob"
      );
      assert.equal(update.highestBid, "30.00");
      // The BID in flight went to B with the RQ# it had at A, after the LOGIN there.
      const sent = [...bea.stderr.matchAll(/Sent to="127\.0\.0\.1:(\d+)" type="(\w+)" rq="(\d+)"/g)]
        .map(([, port, type, rq]) => `${port === String(portA) ? "A" : "B"} ${type} ${rq}`);
      const lastBidAtA = sent.findLast((line) => line.startsWith("A BID"))!;
      const rq = lastBidAtA.split(" ")[2];
      assert.deepEqual(sent.filter((line) => line.startsWith("B")).slice(0, 3), [
        `B LOGIN ${Number(rq) + 1}`,
        `B SUBSCRIBE ${Number(rq) + 2}`,
        `B BID ${rq}`,
      ]);
      assert.ok(sent.includes(`B BID ${rq}`), sent.join("\n"));
      assert.equal(sent.filter((line) => line === `A BID ${rq}`).length, 2, "two tries at A");
    } finally {
      bea.kill();
      await Promise.allSettled([seller.close(), bob.close(), bobAtB?.close()]);
      await alpha.stop();
      await (beta ?? await starting.catch(() => undefined))?.stop();
      await Promise.all([sellerTcp.close(), bobTcp.close()]);
      await Deno.remove(alpha.dataDir, { recursive: true });
      if (beta) await Deno.remove(beta.dataDir, { recursive: true });
    }
    const state = await readDatabaseState(url);
    const [item] = Object.values(state.items);
    // 20.00 and 25.00 by bea (each once), 30.00 by bob.
    assert.deepEqual([item?.currentPriceCents, item?.bidCount], [3000, 3]);
    await postgres.dropDatabase(url);
  },
);

Deno.test(
  "with three nodes serving at once, a client whose follower node is SIGKILLed moves to " +
    "another serving node, LOGINs without registering again, and keeps bidding and receiving",
  async () => {
    await ensureBundle();
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    const gamma = await startNode(url, "gamma");
    const seller = new UdpPeer({ port: alpha.udpPort });
    const bob = new UdpPeer({ port: alpha.udpPort });
    const [sellerTcp, bobTcp] = [new TcpPeer(), new TcpPeer()];
    const bea = new ClientProcess([
      ...["--server", `127.0.0.1:${gamma.udpPort},127.0.0.1:${beta.udpPort}`],
      ...["--name", "bea", "--role", "buyer", "--log-level", "info"],
    ]);
    try {
      const register = (name: string, role: string, udp: UdpPeer, tcp: TcpPeer) =>
        udp.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${udp.port} ${tcp.port}`);
      assert.equal((await register("sam", "seller", seller, sellerTcp)).type, "REGISTERED");
      assert.equal((await register("bob", "buyer", bob, bobTcp)).type, "REGISTERED");
      assert.equal(
        (await seller.request('LIST_ITEM 2 Kite "A red kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      await bea.send("register", "subscribe Kite", "bid Kite 20");
      await bea.waitFor((record) => record.type === "BID_ACCEPTED");
      // bob bids through the writer: the update reaches bea through her node, gamma.
      assert.equal((await bob.request("BID 3 Kite 22.00")).type, "BID_ACCEPTED");
      await bea.waitFor((record) => record.type === "BID_UPDATE" && record.highestBid === "22.00");

      await gamma.stop("SIGKILL");
      await bea.send("bid Kite 25");
      const failover = await bea.waitForType("failover", undefined, 20_000);
      assert.deepEqual(failover, {
        type: "failover",
        from: `127.0.0.1:${gamma.udpPort}`,
        to: `127.0.0.1:${beta.udpPort}`,
        resubscribed: ["Kite"],
      });
      await bea.waitFor((record) =>
        record.type === "BID_ACCEPTED" &&
        bea.records.filter((other) => other.type === "BID_ACCEPTED").length === 2
      );
      assert.equal(
        bea.records.filter((record) => record.type === "REGISTERED").length,
        1,
        "registered only once",
      );
      assert.ok(isWriter(alpha), "the writer did not change");
      // Pushes now leave from beta, where the LOGIN moved her session.
      assert.equal((await bob.request("BID 4 Kite 30.00")).type, "BID_ACCEPTED");
      await bea.waitFor((record) => record.type === "BID_UPDATE" && record.highestBid === "30.00");
      await bea.send("bid Kite 35");
      await bea.waitFor((record) =>
        record.type === "BID_ACCEPTED" &&
        bea.records.filter((other) => other.type === "BID_ACCEPTED").length === 3
      );
    } finally {
      bea.kill();
      await Promise.allSettled([seller.close(), bob.close()]);
      await Promise.allSettled([alpha.stop(), beta.stop(), gamma.stop()]);
      await Promise.all([sellerTcp.close(), bobTcp.close()]);
      for (const node of [alpha, beta, gamma]) await Deno.remove(node.dataDir, { recursive: true });
    }
    const state = await readDatabaseState(url);
    const [item] = Object.values(state.items);
    // 20.00, 25.00 and 35.00 by bea (each once), 22.00 and 30.00 by bob.
    assert.deepEqual([item?.currentPriceCents, item?.bidCount], [3500, 5]);
    await postgres.dropDatabase(url);
  },
);
