import assert from "node:assert/strict";
import { type ServerProcess, startServerProcess } from "../../_support/server_process.ts";
import { SseClient } from "../../_support/sse_client.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

const ARGS = ["--duration-unit", "seconds", "--announce-interval", "0"];

/** The board's base URL of a server process. */
function baseUrl(server: ServerProcess): string {
  assert.ok(server.httpPort, `no board port in:\n${server.output()}`);
  return `http://127.0.0.1:${server.httpPort}`;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return { status: response.status, body: await response.json() };
}

/** Parses Prometheus text format strictly enough to catch a malformed line; returns samples. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/
      .exec(line);
    if (help) continue;
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/
        .exec(line);
    assert.ok(sample, `not Prometheus text: ${JSON.stringify(line)}`);
    const family = sample[1]!.replace(/_(bucket|sum|count|total)$/, "");
    assert.ok(
      types.has(sample[1]!) || types.has(family) || types.has(`${family}_total`),
      `no TYPE before ${sample[1]}`,
    );
    samples.set(`${sample[1]}${sample[2] ?? ""}`, Number(sample[3]));
  }
  return samples;
}

/** A seller with one item and a buyer, registered over UDP. */
async function seedAuction(server: ServerProcess, item: string, seconds: number) {
  const seller = new UdpPeer({ port: server.udpPort });
  const buyer = new UdpPeer({ port: server.udpPort });
  assert.equal((await seller.request("REGISTER 1 jas seller 127.0.0.1 1 1")).type, "REGISTERED");
  assert.equal((await buyer.request("REGISTER 1 scott buyer 127.0.0.1 1 1")).type, "REGISTERED");
  assert.equal(
    (await seller.request(`LIST_ITEM 2 ${item} "A red kite" 20 ${seconds}`)).type,
    "ITEM_LISTED",
  );
  return { seller, buyer };
}

Deno.test("the JSON API lists an item listed over UDP, with its bids, and 404s an unknown one", async () => {
  const server = await startServerProcess({ args: ARGS });
  const { seller, buyer } = await seedAuction(server, "Kite", 60);
  try {
    assert.equal((await buyer.request("BID 3 Kite 25")).type, "BID_ACCEPTED");
    const base = baseUrl(server);
    const { body: items } = await getJson(`${base}/api/items`);
    const open = items.open as Record<string, unknown>[];
    assert.equal(open.length, 1);
    assert.deepEqual(
      {
        name: open[0]!.name,
        description: open[0]!.description,
        seller: open[0]!.seller,
        price: open[0]!.price,
        leader: open[0]!.leader,
        bids: open[0]!.bids,
        status: open[0]!.status,
      },
      {
        name: "Kite",
        description: "A red kite",
        seller: "jas",
        price: "25.00",
        leader: "scott",
        bids: 1,
        status: "open",
      },
    );
    assert.ok(Date.parse(open[0]!.endsAt as string) > Date.now());
    assert.deepEqual(items.closed, []);
    const { status, body: one } = await getJson(`${base}/api/items/kite`);
    assert.equal(status, 200);
    assert.equal(one.name, "Kite");
    const history = one.history as { at: string; amount: string; bidder: string }[];
    assert.deepEqual(history.map(({ amount, bidder }) => ({ amount, bidder })), [
      { amount: "25.00", bidder: "scott" },
    ]);
    assert.ok(!Number.isNaN(Date.parse(history[0]!.at)));
    const missing = await getJson(`${base}/api/items/Nothing`);
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.error), /Nothing/);
    assert.deepEqual((await getJson(`${base}/healthz`)).body, { status: "ok" });
    assert.deepEqual(await getJson(`${base}/readyz`), { status: 200, body: { status: "ready" } });
  } finally {
    await seller.close();
    await buyer.close();
    await server.stop();
  }
});

Deno.test("/events resumes after Last-Event-ID without a gap; an id from before a restart gets reset", async () => {
  const server = await startServerProcess({ args: ARGS });
  const { seller, buyer } = await seedAuction(server, "Kite", 60);
  let restarted: ServerProcess | undefined;
  try {
    const live = await SseClient.connect(`${baseUrl(server)}/events?since=0`);
    const listed = await live.waitFor((event) => event.type === "listed");
    assert.equal(listed.data.item, "Kite");
    assert.equal(listed.data.price, "20.00");
    for (const [rq, amount] of [[3, 25], [4, 30], [5, 35]]) {
      assert.equal((await buyer.request(`BID ${rq} Kite ${amount}`)).type, "BID_ACCEPTED");
    }
    await live.waitFor((event) => event.type === "bid" && event.data.price === "35.00");
    const bids = live.events.filter((event) => event.type === "bid");
    assert.deepEqual(bids.map((event) => event.data.price), ["25.00", "30.00", "35.00"]);
    const ids = live.events.map((event) => event.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids only grow");
    assert.equal(new Set(ids).size, ids.length);
    await live.close();

    // Resume after the first bid: exactly the two later bids, in order, nothing before.
    const resumed = await SseClient.connect(`${baseUrl(server)}/events`, bids[0]!.id);
    await resumed.waitFor((event) => event.data.price === "35.00");
    assert.deepEqual(
      resumed.events.map((event) => [event.type, event.id, event.data.price]),
      bids.slice(1).map((event) => ["bid", event.id, event.data.price]),
    );
    // A bid after the reconnect arrives live on the resumed stream.
    assert.equal((await buyer.request("BID 6 Kite 40")).type, "BID_ACCEPTED");
    const later = await resumed.waitFor((event) => event.data.price === "40.00");
    assert.ok(later.id > bids[2]!.id);
    await resumed.close();

    const future = await SseClient.connect(`${baseUrl(server)}/events`, later.id + 1000);
    const reset = await future.waitFor(() => true);
    assert.equal(reset.type, "reset");
    await future.close();

    assert.equal((await server.stop()).code, 0);
    restarted = await startServerProcess({ dataDir: server.dataDir, args: ARGS });
    const old = await SseClient.connect(`${baseUrl(restarted)}/events`, bids[0]!.id);
    const first = await old.waitFor(() => true);
    assert.equal(first.type, "reset", "the restarted board cannot replay what came before it");
    assert.ok(first.id >= later.id, "ids keep growing across the restart");
    await old.close();
    const current = await SseClient.connect(`${baseUrl(restarted)}/events`, first.id);
    const ann = new UdpPeer({ port: restarted.udpPort });
    try {
      assert.equal((await ann.request("REGISTER 1 ann buyer 127.0.0.1 1 1")).type, "REGISTERED");
      assert.equal((await ann.request("BID 2 Kite 45")).type, "BID_ACCEPTED");
    } finally {
      await ann.close();
    }
    const after = await current.waitFor((event) => event.data.price === "45.00");
    assert.ok(after.id > first.id);
    assert.ok(!current.events.some((event) => event.type === "reset"), "its own last id resumes");
    await current.close();
  } finally {
    await seller.close();
    await buyer.close();
    await server.stop();
    await restarted?.stop();
  }
});

Deno.test("/metrics parses as Prometheus text and its bid counter moves", async () => {
  const server = await startServerProcess({ args: ARGS });
  const { seller, buyer } = await seedAuction(server, "Kite", 60);
  try {
    const scrape = async () => {
      const response = await fetch(`${baseUrl(server)}/metrics`);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await response.text());
    };
    const before = await scrape();
    assert.equal(before.get("auction_bids_accepted_total"), 0);
    assert.equal(before.get("auction_open_auctions"), 1);
    assert.equal(before.get("auction_sessions"), 2);
    assert.equal(before.get('auction_requests_total{type="LIST_ITEM",outcome="ok"}'), 1);
    assert.ok((before.get("auction_journal_fsync_seconds_count") ?? 0) >= 1);
    assert.ok((before.get("auction_group_commit_records_sum") ?? 0) >= 3);
    assert.ok(before.has("auction_event_loop_lag_seconds"));
    assert.equal(before.get("auction_pushes_waiting"), 0, "nothing waits for the socket");

    assert.equal((await buyer.request("SUBSCRIBE 3 Kite")).type, "SUBSCRIBED");
    assert.equal((await buyer.request("BID 4 Kite 25")).type, "BID_ACCEPTED");
    assert.equal((await buyer.request("BID 5 Kite 21")).type, "BID_REJECTED");
    await buyer.waitForType("BID_UPDATE", { item: "Kite" });
    const after = await scrape();
    assert.equal(after.get("auction_bids_accepted_total"), 1);
    assert.equal(after.get('auction_requests_total{type="BID",outcome="ok"}'), 1);
    assert.equal(after.get('auction_requests_total{type="BID",outcome="refused"}'), 1);
    // AUCTION_ANNOUNCE after SUBSCRIBED, BID_UPDATE to the subscriber and to the seller.
    assert.ok((after.get("auction_datagrams_pushed_total") ?? 0) >= 3);
  } finally {
    await seller.close();
    await buyer.close();
    await server.stop();
  }
});

Deno.test("a board port that is taken is a warning: UDP and TCP keep serving", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = await startServerProcess({
    args: [...ARGS, "--http-port", String(taken.addr.port)],
  });
  const peer = new UdpPeer({ port: server.udpPort });
  try {
    assert.equal(server.httpPort, null);
    assert.match(
      server.output(),
      /WRN.*Cannot serve the board on "127\.0\.0\.1" port \d+.*AddrInUse/,
    );
    assert.equal((await peer.request("REGISTER 1 ann buyer 127.0.0.1 1 1")).type, "REGISTERED");
  } finally {
    taken.close();
    await peer.close();
    await server.stop();
  }
});

Deno.test("--no-http serves no board", async () => {
  const server = await startServerProcess({ args: [...ARGS, "--no-http"] });
  try {
    assert.equal(server.httpPort, null);
    assert.doesNotMatch(server.output(), /Board at/);
  } finally {
    await server.stop();
  }
});
