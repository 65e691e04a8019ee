/**
 * The link between nodes over NOTIFY (`server/pg/node_link.ts`), against a real PostgreSQL:
 * forwarded datagrams reach the writer byte for byte with their node, deliveries reach only the
 * node they name, in order, however many notifications the payload limit takes.
 * @module
 */

import assert from "node:assert/strict";
import postgresClient from "postgres";
import type { PeerAddress } from "../../../auction/state.ts";
import {
  deliverChannel,
  linkName,
  NodeLink,
  RECEIVED_MAX_AGE_MS,
} from "../../../server/pg/node_link.ts";
import { startTestPostgres } from "../../_support/postgres.ts";

const postgres = await startTestPostgres();

/** Resolves once `check` holds, polling every 10 ms, or throws after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("NodeLink forwards a datagram to the writer byte for byte, with its node, and ignores malformed items", async () => {
  const url = await postgres.createDatabase();
  const writer = NodeLink.open(url, "alpha");
  const follower = NodeLink.open(url, "beta");
  try {
    const received: { sender: PeerAddress; bytes: Uint8Array }[] = [];
    await writer.serveInbox((sender, bytes) => void received.push({ sender, bytes }));
    const bytes = new Uint8Array([0x42, 0x49, 0x44, 0x20, 0xff, 0xfe, 0x00, 0x0a]);
    const sql = postgresClient(url, { max: 1, onnotice: () => {} });
    await sql`SELECT pg_notify('auction_inbox', '[["beta", "127.0.0.1", 1, "%%%"], [2]]')`;
    await sql.end();
    const sent = bytes.slice();
    follower.forward({ hostname: "127.0.0.9", port: 4242 }, bytes);
    // The UDP loop reuses its buffer as soon as the request is handed over: what was forwarded
    // is what the bytes were then.
    bytes.fill(0x78);
    await until(() => received.length === 1);
    assert.deepEqual(received[0], {
      sender: { hostname: "127.0.0.9", port: 4242, node: "beta" },
      bytes: sent,
    });
  } finally {
    await Promise.all([writer.close(), follower.close()]);
  }
  await postgres.dropDatabase(url);
});

Deno.test(
  "NodeLink: the writer drops a forwarded request its follower took too long ago, counting it, " +
    "and takes one without a time (a node of an earlier version)",
  async () => {
    const url = await postgres.createDatabase();
    const writer = NodeLink.open(url, "alpha");
    const follower = NodeLink.open(url, "beta");
    const sql = postgresClient(url, { max: 1, onnotice: () => {} });
    try {
      const received: number[] = [];
      await writer.serveInbox((sender) => void received.push(sender.port));
      const bytes = btoa("PING 1");
      const stale = Date.now() - RECEIVED_MAX_AGE_MS - 1_000;
      // A send that was in flight when the follower's link stalled, committed seconds later.
      const items = [["beta", "127.0.0.1", 1, bytes, stale], ["beta", "127.0.0.1", 2, bytes]];
      await sql`SELECT pg_notify('auction_inbox', ${JSON.stringify(items)})`;
      follower.forward({ hostname: "127.0.0.1", port: 3 }, new TextEncoder().encode("PING 2"));
      await until(() => received.length === 2);
      assert.deepEqual(received, [2, 3]);
      assert.equal(writer.expiredRequests, 1);
    } finally {
      await sql.end();
      await Promise.all([writer.close(), follower.close()]);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test("deliverChannel() names each node's channel within PostgreSQL's 63 bytes", () => {
  assert.equal(deliverChannel("beta"), "auction_deliver beta");
  const long = "n".repeat(64);
  const other = "n".repeat(63) + "m";
  assert.ok(deliverChannel(long).length <= 63);
  assert.notEqual(deliverChannel(long), deliverChannel(other));
});

Deno.test(
  "NodeLink delivers lines only to the node named, in order, across the payload limit, " +
    "with whether each is trusted and part of a reply, and ignores malformed notifications",
  async () => {
    const url = await postgres.createDatabase();
    const writer = NodeLink.open(url, "alpha");
    const beta = NodeLink.open(url, "beta");
    const gamma = NodeLink.open(url, "gamma");
    const sql = postgresClient(url, { max: 1, onnotice: () => {} });
    try {
      const atBeta: string[] = [];
      const atGamma: string[] = [];
      await beta.serveDeliveries((to, line, trusted, withReply) => {
        atBeta.push(`${to.hostname}:${to.port} ${trusted} ${withReply} ${line}`);
      });
      await gamma.serveDeliveries((_to, line) => void atGamma.push(line));
      await sql`SELECT pg_notify(${deliverChannel("beta")}, 'not json')`;
      await sql`SELECT pg_notify(${deliverChannel("beta")}, '[[1, 2, 3], "x", [null]]')`;
      const long = "x".repeat(900);
      const expected: string[] = [];
      for (let index = 0; index < 40; index++) {
        const to = { hostname: "127.0.0.1", port: 5000 + index, node: "beta" };
        writer.deliver(to, `LINE ${index} ${long}`, index % 2 === 0, index % 3 === 0);
        expected.push(
          `127.0.0.1:${5000 + index} ${index % 2 === 0} ${index % 3 === 0} LINE ${index} ${long}`,
        );
        if (index % 10 === 0) {
          writer.deliver({ hostname: "127.0.0.1", port: 1, node: "gamma" }, `G ${index}`, true);
        }
      }
      await until(() => atBeta.length === 40 && atGamma.length === 4);
      assert.deepEqual(atBeta, expected);
      assert.deepEqual(atGamma, ["G 0", "G 10", "G 20", "G 30"]);
    } finally {
      await sql.end();
      await Promise.all([writer.close(), beta.close(), gamma.close()]);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test("NodeLink.connectedNodes() sees the nodes whose link is connected", async () => {
  const url = await postgres.createDatabase();
  const alpha = NodeLink.open(url, "alpha");
  const beta = NodeLink.open(url, "beta");
  const long = NodeLink.open(url, "n".repeat(64));
  try {
    await Promise.all([alpha, beta, long].map((link) => link.serveDeliveries(() => {})));
    const seen = await alpha.connectedNodes();
    for (const node of ["alpha", "beta", "n".repeat(64)]) {
      assert.ok(seen.has(linkName(node)), `${node} not seen in ${[...seen]}`);
    }
    assert.ok(!seen.has(linkName("gamma")));
    await beta.close();
    let connected = await alpha.connectedNodes();
    const deadline = Date.now() + 5000;
    while (connected.has(linkName("beta")) && Date.now() < deadline) {
      connected = await alpha.connectedNodes();
    }
    assert.ok(!connected.has(linkName("beta")), "beta still seen");
    assert.ok(connected.has(linkName("alpha")));
  } finally {
    await Promise.all([alpha.close(), beta.close(), long.close()]);
  }
  await postgres.dropDatabase(url);
});
