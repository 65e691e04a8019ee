/**
 * The real server process on PostgreSQL (`--database-url` through `DATABASE_URL`): a whole
 * auction with a SIGKILL and restart in the middle, and the bid crash test of the file store
 * run against the database. PostgreSQL is started for this file (`tests/_support/postgres.ts`).
 * @module
 */

import assert from "node:assert/strict";
import postgresClient from "postgres";
import { readDatabaseState } from "../../server/pg/recovery.ts";
import { bidCrashWorkload, biddenItem } from "../_support/bid_crash_workload.ts";
import { freeUdpPort, runCrashTest } from "../_support/crash_driver.ts";
import { standbyWaiting, startTestPostgres } from "../_support/postgres.ts";
import { Random } from "../_support/random.ts";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const postgres = await startTestPostgres();
/** Trust authentication ignores it; it is there to prove it never shows. */
const PASSWORD = "e2e-Sekret-77";

/** A new database's URL, with {@linkcode PASSWORD} unless the server needs its own. */
async function databaseUrl(): Promise<string> {
  const url = new URL(await postgres.createDatabase());
  if (!url.password) url.password = PASSWORD;
  return url.href;
}

/** Makes `peer` answer INFORM_Req with an INFORM_Res. */
function answerWith(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} "${card}" 11/31 1 Main Street, Springfield\n`)
        .catch(() => {});
    }
  };
}

/**
 * A whole auction: register, list, bid, then SIGKILL of the node mid-auction; `takeOver`
 * brings the next node up on the same UDP port (a restart, or a standby started beforehand).
 */
async function auctionAcrossKill(takeOver: "restart" | "standby"): Promise<void> {
  const url = await databaseUrl();
  const udpPort = freeUdpPort();
  const args = ["--duration-unit", "seconds", "--inform-timeout", "5", "--announce-interval", "0"];
  const start = (node: string) =>
    startServerProcess({ udpPort, args: [...args, "--node", node], env: { DATABASE_URL: url } });
  let server: ServerProcess = await start("alpha");
  const outputs: string[] = [];
  const sellerTcp = new TcpPeer();
  const beaTcp = new TcpPeer();
  const bobTcp = new TcpPeer();
  const seller = new UdpPeer({ port: udpPort });
  const bea = new UdpPeer({ port: udpPort });
  const bob = new UdpPeer({ port: udpPort });
  try {
    answerWith(sellerTcp, "sam", "5555 5555 5555 4444");
    answerWith(beaTcp, '"Bea Smith"', "4111-1111-1111-1111");
    const register = (name: string, role: string, udp: UdpPeer, tcp: TcpPeer) =>
      udp.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${udp.port} ${tcp.port}`);
    assert.equal((await register("sam", "seller", seller, sellerTcp)).type, "REGISTERED");
    assert.equal((await register("bea", "buyer", bea, beaTcp)).type, "REGISTERED");
    assert.equal((await register("bob", "buyer", bob, bobTcp)).type, "REGISTERED");
    const durationMs = 8_000;
    const listed = await seller.request('LIST_ITEM 2 Kite "A red kite" 10.00 8');
    const endsAtMs = Date.now() + durationMs;
    assert.equal(listed.type, "ITEM_LISTED", JSON.stringify(listed));
    assert.equal((await bea.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");
    assert.equal((await bea.request("BID 3 Kite 25.50")).type, "BID_ACCEPTED");
    assert.equal((await bob.request("BID 3 Kite 30.00")).type, "BID_ACCEPTED");

    if (takeOver === "restart") {
      await server.stop("SIGKILL");
      outputs.push(server.output());
      const saved = biddenItem(await readDatabaseState(url));
      assert.deepEqual([saved.currentPriceCents, saved.bidCount], [3000, 2], "bids kept");
      server = await start("alpha");
    } else {
      const starting = start("beta");
      starting.catch(() => {});
      await standbyWaiting(url);
      await server.stop("SIGKILL");
      outputs.push(server.output());
      server = await starting;
      assert.match(server.output(), /Ports in use: node "beta" waits as a standby without serving/);
      assert.match(
        server.output(),
        /Node "beta" follows .*: another node is writing to it; this node takes over when that one stops/,
      );
    }

    // The next node knows bob's acknowledged bid: 29.00 is too low, 31.00 wins.
    const low = await bea.request("BID 4 Kite 29.00");
    assert.equal(low.type, "BID_REJECTED");
    assert.match((low as { reason: string }).reason, /^Bid too low/);
    assert.equal((await bea.request("BID 5 Kite 31.00")).type, "BID_ACCEPTED");

    assert.match(await beaTcp.waitForLine(/^WINNER /, 15_000), /^WINNER \d+ Kite 31.00 sam$/);
    const closedAtMs = Date.now();
    assert.ok(closedAtMs >= endsAtMs - 500, `closed ${endsAtMs - closedAtMs} ms early`);
    assert.ok(closedAtMs <= endsAtMs + 3_000, `closed ${closedAtMs - endsAtMs} ms late`);
    assert.match(await sellerTcp.waitForLine(/^SOLD /), /^SOLD \d+ Kite 31.00 bea$/);
    const shipping = await sellerTcp.waitForLine(/^Shipping_Info /);
    assert.match(shipping, /^Shipping_Info \d+ "Bea Smith" 1 Main Street, Springfield$/);
    await beaTcp.waitForEof();
    sellerTcp.connections[0]!.close();
  } finally {
    await Promise.all([seller.close(), bea.close(), bob.close()]);
    await server.stop();
    outputs.push(server.output());
    await Promise.all([sellerTcp.close(), beaTcp.close(), bobTcp.close()]);
    await Deno.remove(server.dataDir, { recursive: true });
  }
  const state = await readDatabaseState(url);
  const [item] = Object.values(state.items);
  assert.deepEqual([item?.status, item?.currentPriceCents, item?.bidCount], ["closed", 3100, 3]);
  const sale = Object.values(state.sales)[0] as unknown as Record<string, unknown>;
  assert.deepEqual([sale.status, sale.finalPriceCents], ["settled", 3100]);
  const lateMs = Number(sale.closedAtMs) - item!.endsAtMs;
  assert.ok(lateMs >= 0 && lateMs < 2_000, `closed ${lateMs} ms after its end`);
  for (const output of outputs) {
    assert.match(output, /Database: "postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    assert.ok(!output.includes(PASSWORD), "the database password is in the server's output");
  }
  const nodes = await query(url, "SELECT DISTINCT node FROM auction_log ORDER BY node");
  assert.deepEqual(nodes, takeOver === "restart" ? ["alpha"] : ["alpha", "beta"]);
  await postgres.dropDatabase(url);
}

/** The rows of `text` (one column each) on a connection of its own. */
async function query(url: string, text: string): Promise<unknown[]> {
  const sql = postgresClient(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text, [], { prepare: false }).values()).map((row) => row[0]);
  } finally {
    await sql.end();
  }
}

Deno.test(
  "a whole auction on PostgreSQL survives a SIGKILL and restart mid-auction and closes on time",
  () => auctionAcrossKill("restart"),
);

Deno.test(
  "a standby node takes over from a SIGKILLed one mid-auction; the auction closes on time",
  () => auctionAcrossKill("standby"),
);

Deno.test("a server whose database session ends stops at once with exit code 3", async () => {
  const url = await databaseUrl();
  const server = await startServerProcess({ env: { DATABASE_URL: url } });
  try {
    await query(
      url,
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted",
    );
    const timer = setTimeout(() => server.process.kill("SIGKILL"), 10_000);
    const status = await server.process.status.finally(() => clearTimeout(timer));
    assert.equal(status.code, 3, server.output());
    assert.match(server.output(), /Lost the database connection that holds the writer lock/);
  } finally {
    await server.stop();
    await Deno.remove(server.dataDir, { recursive: true });
    await postgres.dropDatabase(url);
  }
});

Deno.test("every acknowledged BID survives SIGKILL at random moments on PostgreSQL", async () => {
  const url = await databaseUrl();
  const workload = bidCrashWorkload();
  const random = new Random(1414);
  const result = await runCrashTest(workload, {
    kills: 4,
    clients: 6,
    random: () => random.next(),
    serverArgs: ["--duration-unit", "seconds", "--snapshot-events", "11", "--node", "alpha"],
    serverEnv: { DATABASE_URL: url },
    readState: () => readDatabaseState(url),
  });
  try {
    const item = biddenItem(result.state);
    assert.ok(result.acknowledged.length >= 5, "the clients got acknowledgements");
    assert.equal(item.currentPriceCents, workload.highestAcknowledged(result.acknowledged));
    assert.equal(item.bidCount, result.acknowledged.length, "each bid was done exactly once");
  } finally {
    await Deno.remove(result.dataDir, { recursive: true });
    await postgres.dropDatabase(url);
  }
});
