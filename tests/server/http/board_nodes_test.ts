/**
 * The board on every node of several serving one PostgreSQL (real processes, one database): a
 * serving follower shows the same board, JSON API and event stream as the writer, from the
 * batches it applies, with the writer's event ids; and it keeps them when it takes over.
 * @module
 */

import assert from "node:assert/strict";
import { startTestPostgres } from "../../_support/postgres.ts";
import { isWriter, requestRetrying, startNode, waitForOutput } from "../../_support/pg_nodes.ts";
import type { ServerProcess } from "../../_support/server_process.ts";
import { type ReceivedEvent, SseClient } from "../../_support/sse_client.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

const postgres = await startTestPostgres();

/** Generous: the CI machine may be slow; every wait ends as soon as its event comes. */
const WAIT_MS = 15_000;

function base(node: ServerProcess): string {
  assert.ok(node.httpPort, `no board port in:\n${node.output()}`);
  return `http://127.0.0.1:${node.httpPort}`;
}

/** A JSON route's body, without `now` (each node's clock at the request). */
async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const { now: _, ...body } = await response.json();
  return body;
}

/** The samples of `/metrics`, by name with labels. */
async function metrics(node: ServerProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${base(node)}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const sample = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (sample) samples.set(sample[1]!, Number(sample[2]));
  }
  return samples;
}

async function register(peer: UdpPeer, name: string, role: string): Promise<void> {
  const reply = await peer.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${peer.port} 1`);
  assert.equal(reply.type, "REGISTERED", JSON.stringify(reply));
}

const bidAt = (price: string) => (event: ReceivedEvent) =>
  event.type === "bid" && event.data.price === price;

/** What a stream showed: ids, names and data, in order. */
const shown = (client: SseClient) =>
  client.events.map(({ id, type, data }) => ({ id, type, data }));

async function closeAll(
  peers: UdpPeer[],
  streams: SseClient[],
  nodes: (ServerProcess | undefined)[],
): Promise<void> {
  await Promise.allSettled([...peers, ...streams].map((each) => each.close()));
  for (const node of nodes) {
    if (!node) continue;
    await node.stop();
    await Deno.remove(node.dataDir, { recursive: true });
  }
}

Deno.test(
  "a serving follower shows the writer's board: a bid through the writer is on its API and " +
    "stream with the writer's ids, and both nodes' API agree after a few bids",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    assert.ok(isWriter(alpha) && !isWriter(beta), "alpha writes, beta follows");
    const streams = await Promise.all(
      [alpha, beta].map((node) => SseClient.connect(`${base(node)}/events`)),
    );
    const [onAlpha, onBeta] = streams as [SseClient, SseClient];
    const sam = new UdpPeer({ port: alpha.udpPort });
    const ann = new UdpPeer({ port: alpha.udpPort });
    const bob = new UdpPeer({ port: beta.udpPort });
    try {
      await register(sam, "sam", "seller");
      await register(ann, "ann", "buyer");
      await register(bob, "bob", "buyer");
      assert.equal(
        (await sam.request('LIST_ITEM 2 Kite "A red kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      assert.equal((await bob.request("SUBSCRIBE 2 Kite")).type, "SUBSCRIBED");

      // A bid through the writer, on the follower's stream and API.
      assert.equal((await ann.request("BID 3 Kite 20.00")).type, "BID_ACCEPTED");
      const onFollower = await onBeta.waitFor(bidAt("20.00"), { timeoutMs: WAIT_MS });
      const onWriter = await onAlpha.waitFor(bidAt("20.00"), { timeoutMs: WAIT_MS });
      assert.deepEqual(
        { id: onFollower.id, data: onFollower.data },
        { id: onWriter.id, data: onWriter.data },
      );
      const { open } = await getJson(`${base(beta)}/api/items`);
      const [kite] = open as Record<string, unknown>[];
      assert.deepEqual([kite?.name, kite?.price, kite?.leader, kite?.bids], [
        "Kite",
        "20.00",
        "ann",
        1,
      ]);

      // A few more, through both nodes: the same stream and the same API on both.
      assert.equal((await bob.request("BID 3 Kite 30.00")).type, "BID_ACCEPTED");
      assert.equal((await ann.request("BID 4 Kite 40.00")).type, "BID_ACCEPTED");
      assert.equal((await bob.request("BID 4 Kite 55.50")).type, "BID_ACCEPTED");
      await onBeta.waitFor(bidAt("55.50"), { timeoutMs: WAIT_MS });
      await onAlpha.waitFor(bidAt("55.50"), { timeoutMs: WAIT_MS });
      assert.deepEqual(shown(onBeta), shown(onAlpha));
      assert.deepEqual(
        shown(onBeta).map(({ type, data }) => [type, data.price]),
        [
          ["listed", "10.00"],
          ...["20.00", "30.00", "40.00", "55.50"].map((price) => ["bid", price]),
        ],
      );
      const writerItems = await getJson(`${base(alpha)}/api/items`);
      assert.deepEqual(await getJson(`${base(beta)}/api/items`), writerItems);
      const followerKite = await getJson(`${base(beta)}/api/items/Kite`);
      assert.deepEqual(followerKite, await getJson(`${base(alpha)}/api/items/Kite`));
      assert.equal((followerKite.history as unknown[]).length, 4);

      // The follower's metrics: what it forwarded, what it pushed for the writer (once the
      // writer has seen it connected: it looks every second, and sends the pushes of a node it
      // has not seen from its own socket), and how far behind the log it is.
      let bids = 4;
      const deadline = Date.now() + WAIT_MS;
      for (let cents = 6000; (await metrics(beta)).get("auction_datagrams_pushed_total") === 0;) {
        assert.ok(Date.now() < deadline, "no push through the follower");
        const price = (cents += 100) / 100;
        const from = bob.received.length;
        assert.equal((await ann.request(`BID ${bids + 1} Kite ${price}`)).type, "BID_ACCEPTED");
        bids++;
        await bob.waitFor((message) => message.type === "BID_UPDATE", { from, timeoutMs: WAIT_MS });
      }
      await onBeta.waitFor((event) => event.type === "bid" && event.data.bids === bids, {
        timeoutMs: WAIT_MS,
      });
      const onWriterMetrics = await metrics(alpha);
      const onFollowerMetrics = await metrics(beta);
      assert.equal(onWriterMetrics.get("auction_node_writer"), 1);
      assert.equal(onFollowerMetrics.get("auction_node_writer"), 0);
      assert.ok(onFollowerMetrics.get("auction_requests_forwarded_total")! >= 4);
      // Nothing waited long enough on the link to be dropped as too old, here or at the writer.
      assert.equal(onFollowerMetrics.get("auction_requests_expired_total"), 0);
      assert.equal(onWriterMetrics.get("auction_requests_expired_total"), 0);
      assert.ok(onFollowerMetrics.get("auction_datagrams_pushed_total")! >= 1);
      assert.equal(onFollowerMetrics.get("auction_bids_accepted_total"), bids);
      assert.equal(onFollowerMetrics.get("auction_open_auctions"), 1);
      assert.ok(onFollowerMetrics.get("auction_log_lag_batches")! >= 0);
      assert.ok(onFollowerMetrics.get("auction_log_read_age_seconds")! >= 0);
      const ready = await fetch(`${base(beta)}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: "ready" }]);
    } finally {
      await closeAll([sam, ann, bob], streams, [beta, alpha]);
    }
    await postgres.dropDatabase(url);
  },
);

Deno.test(
  "a follower that takes over as the writer keeps its board: its stream goes on with the next " +
    "ids, without a reset, and resumes across the takeover",
  async () => {
    const url = await postgres.createDatabase();
    const alpha = await startNode(url, "alpha");
    const beta = await startNode(url, "beta");
    const onBeta = await SseClient.connect(`${base(beta)}/events`);
    const streams = [onBeta];
    const sam = new UdpPeer({ port: alpha.udpPort });
    const ann = new UdpPeer({ port: beta.udpPort });
    try {
      await register(sam, "sam", "seller");
      await register(ann, "ann", "buyer");
      assert.equal(
        (await sam.request('LIST_ITEM 2 Kite "A red kite" 10.00 600')).type,
        "ITEM_LISTED",
      );
      assert.equal((await ann.request("BID 3 Kite 20.00")).type, "BID_ACCEPTED");
      const before = await onBeta.waitFor(bidAt("20.00"), { timeoutMs: WAIT_MS });

      await alpha.stop("SIGKILL");
      // Retransmitted while beta takes the writer lock, as a real client does.
      assert.equal((await requestRetrying(ann, "BID 4 Kite 30.00")).type, "BID_ACCEPTED");
      await waitForOutput(beta, /as the writer/);
      const after = await onBeta.waitFor(bidAt("30.00"), { timeoutMs: WAIT_MS });
      assert.equal((await ann.request("BID 5 Kite 45.00")).type, "BID_ACCEPTED");
      const last = await onBeta.waitFor(bidAt("45.00"), { timeoutMs: WAIT_MS });
      assert.ok(before.id < after.id && after.id < last.id, "ids grow across the takeover");
      assert.ok(!onBeta.ended, "the stream went on");
      assert.deepEqual(onBeta.events.filter((event) => event.type === "reset"), []);

      // A browser that had seen the first bid resumes over the takeover, missing nothing.
      const resumed = await SseClient.connect(`${base(beta)}/events`, before.id);
      streams.push(resumed);
      await resumed.waitFor(bidAt("45.00"), { timeoutMs: WAIT_MS });
      assert.deepEqual(
        resumed.events.map(({ id, type, data }) => [id, type, data.price]),
        [[after.id, "bid", "30.00"], [last.id, "bid", "45.00"]],
      );
      const { open, seq } = await getJson(`${base(beta)}/api/items`);
      const [kite] = open as Record<string, unknown>[];
      assert.deepEqual([kite?.price, kite?.leader, kite?.bids, seq], ["45.00", "ann", 3, last.id]);
      const samples = await metrics(beta);
      assert.equal(samples.get("auction_node_writer"), 1);
      assert.equal(samples.get("auction_bids_accepted_total"), 3);
    } finally {
      await closeAll([sam, ann], streams, [alpha, beta]);
    }
    await postgres.dropDatabase(url);
  },
);
