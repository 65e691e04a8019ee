import assert from "node:assert/strict";
import { pure } from "../_support/pure.ts";
import { message } from "../../protocol/mod.ts";
import { type FailoverSession, type NodeAddress, NodeFailover } from "../../client/failover.ts";
import { parseClientFlags } from "../../client/flags.ts";
import { describeIdentityEvent } from "../../client/identity_notices.ts";
import type { ClientEvent } from "../../client/output.ts";
import { RequestEngine, type RequestOutcome } from "../../client/requests.ts";
import { FakeTimers } from "../_support/fake_timers.ts";

const OLD_KEY = "0".repeat(32);
const NEW_KEY = "a".repeat(32);
const NODES: NodeAddress[] = [
  { hostname: "127.0.0.1", port: 5000 },
  { hostname: "127.0.0.1", port: 5100 },
  { hostname: "127.0.0.1", port: 5200 },
];

/** An engine and a failover over a fake transport that records where each line went. */
function setUp(
  options: { session?: FailoverSession; following?: string[]; nodes?: NodeAddress[] } = {},
) {
  const timers = new FakeTimers();
  const sent: { atMs: number; to: number; line: string }[] = [];
  const events: ClientEvent[] = [];
  const keys: (string | undefined)[] = [];
  const dropped: string[] = [];
  const nodes = options.nodes ?? NODES;
  let to = 5000;
  const failover = new NodeFailover({
    nodes,
    setServer: (node) => to = node.port,
    session: () => options.session,
    following: () => options.following ?? [],
    request: (build, requestOptions) => engine.request(build, requestOptions),
    loggedIn: (key) => keys.push(key),
    dropped: (item) => dropped.push(item),
    report: (event) => events.push(event),
  });
  const engine: RequestEngine = new RequestEngine({
    send: (line) => sent.push({ atMs: timers.nowMs(), to, line }),
    timers,
    random: () => 0,
    firstRq: 7,
    failover: { maxMoves: nodes.length, move: () => failover.move() },
  });
  const start = timers.nowMs();
  const lines = () => sent.map((entry) => `${entry.to} ${entry.line}`);
  return { timers, sent, events, keys, dropped, engine, failover, start, lines };
}

const SESSION: FailoverSession = { name: "bea", password: "pw-Secret-1", tcpPort: 6001 };
const bid = (rq: number) => message("BID", rq, { item: "Kite", amount: 2500, key: OLD_KEY });

/** Lets the promises of a move run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
}

function outcomeOf(promise: Promise<RequestOutcome>): () => RequestOutcome | undefined {
  let value: RequestOutcome | undefined;
  promise.then((outcome) => value = outcome);
  return () => value;
}

Deno.test(
  "RequestEngine moves to the next node after two unanswered tries, LOGINs, subscribes again " +
    "and resends the same RQ# with the new key",
  pure,
  async () => {
    const { engine, timers, events, keys, lines, sent, start } = setUp({
      session: SESSION,
      following: ["Kite"],
    });
    const outcome = outcomeOf(engine.request(bid));
    timers.advance(2999);
    await settle();
    assert.deepEqual(lines(), [
      `5000 BID 7 Kite 25.00 key=${OLD_KEY}`,
      `5000 BID 7 Kite 25.00 key=${OLD_KEY}`,
    ]);
    timers.advance(1);
    await settle();
    assert.equal(lines()[2], "5100 LOGIN 8 bea 6001 pw-Secret-1");
    assert.equal(sent[2]!.atMs - start, 3000);
    assert.equal(
      engine.receive(message("LOGIN_SUCCESS", 8, { role: "buyer", key: NEW_KEY })),
      true,
    );
    await settle();
    assert.deepEqual(keys, [NEW_KEY]);
    assert.equal(lines()[3], `5100 SUBSCRIBE 9 Kite key=${NEW_KEY}`);
    assert.equal(lines().length, 4, "the BID waits for the subscriptions");
    engine.receive(message("SUBSCRIBED", 9, {}));
    await settle();
    assert.equal(lines()[4], `5100 BID 7 Kite 25.00 key=${NEW_KEY}`);
    engine.receive(message("BID_ACCEPTED", 7, {}));
    await settle();
    assert.equal(outcome()?.status, "replied");
    assert.deepEqual(events, [
      { type: "failover", from: "127.0.0.1:5000", to: "127.0.0.1:5100", resubscribed: ["Kite"] },
    ]);
    assert.equal(
      describeIdentityEvent(events[0]!),
      "No answer from 127.0.0.1:5000: moved to 127.0.0.1:5100",
    );
    timers.advance(60_000);
    assert.equal(lines().length, 5, "nothing more is sent");
  },
);

Deno.test(
  "RequestEngine tries the node after next when the next one does not answer the LOGIN either",
  pure,
  async () => {
    const { engine, timers, lines, events } = setUp({ session: SESSION });
    const outcome = outcomeOf(engine.request(bid));
    timers.advance(3000);
    await settle();
    timers.advance(3000);
    await settle();
    assert.deepEqual(lines().slice(2), [
      "5100 LOGIN 8 bea 6001 pw-Secret-1",
      "5100 LOGIN 8 bea 6001 pw-Secret-1",
      "5200 LOGIN 9 bea 6001 pw-Secret-1",
    ]);
    engine.receive(message("LOGIN_SUCCESS", 9, { role: "buyer", key: NEW_KEY }));
    await settle();
    assert.equal(lines()[5], `5200 BID 7 Kite 25.00 key=${NEW_KEY}`);
    assert.deepEqual(events.map((event) => event.type === "failover" && event.to), [
      "127.0.0.1:5200",
    ]);
    engine.receive(message("BID_ACCEPTED", 7, {}));
    await settle();
    assert.equal(outcome()?.status, "replied");
  },
);

Deno.test(
  "RequestEngine gives a request up once no node of the list answers",
  pure,
  async () => {
    const { engine, timers, lines, events } = setUp({ session: SESSION });
    const outcome = outcomeOf(engine.request(bid));
    for (let step = 0; step < 10; step++) {
      timers.advance(3000);
      await settle();
    }
    assert.equal(outcome()?.status, "timeout");
    // Two BIDs at the first node, then two LOGINs at each node (the first one last).
    assert.deepEqual(lines().map((line) => line.split(" ").slice(0, 2).join(" ")), [
      "5000 BID",
      "5000 BID",
      "5100 LOGIN",
      "5100 LOGIN",
      "5200 LOGIN",
      "5200 LOGIN",
      "5000 LOGIN",
      "5000 LOGIN",
    ]);
    assert.deepEqual(events, [
      { type: "failover", from: "127.0.0.1:5000", to: null, error: "No node of --server answered" },
    ]);
    assert.equal(timers.pendingCount, 0);
  },
);

Deno.test(
  "RequestEngine without a session only moves, and a request made during a move waits for it",
  pure,
  async () => {
    const { engine, timers, lines, events, keys } = setUp();
    const ping = outcomeOf(engine.request((rq) => message("PING", rq, {})));
    timers.advance(3000);
    await settle();
    assert.deepEqual(lines(), ["5000 PING 7", "5000 PING 7", "5100 PING 7"]);
    assert.deepEqual(keys, []);
    assert.deepEqual(events, [{ type: "failover", from: "127.0.0.1:5000", to: "127.0.0.1:5100" }]);
    engine.receive(message("PONG", 7, {}));
    await settle();
    assert.equal(ping()?.status, "replied");
  },
);

Deno.test(
  "RequestEngine pauses every request in flight during a move and resends each once there",
  pure,
  async () => {
    const { engine, timers, lines } = setUp({ session: SESSION });
    engine.request(bid);
    timers.advance(500);
    engine.request((rq) => message("SUBSCRIBE", rq, { item: "Boat", key: OLD_KEY }));
    timers.advance(2500);
    await settle();
    // The move started at 3000 ms: the SUBSCRIBE (one try at 5000) waits with the BID.
    assert.deepEqual(lines().slice(-1), ["5100 LOGIN 9 bea 6001 pw-Secret-1"]);
    const during = engine.request((rq) => message("BID", rq, { item: "Boat", amount: 900 }));
    assert.equal(lines().length, 5, "a request made during the move is not sent yet");
    engine.receive(message("LOGIN_SUCCESS", 9, { role: "buyer", key: NEW_KEY }));
    await settle();
    assert.deepEqual(lines().slice(5).sort(), [
      `5100 BID 10 Boat 9.00`,
      `5100 BID 7 Kite 25.00 key=${NEW_KEY}`,
      `5100 SUBSCRIBE 8 Boat key=${NEW_KEY}`,
    ]);
    engine.cancelAll();
    await during;
  },
);

Deno.test(
  "NodeFailover drops an item the new node will not subscribe to again",
  pure,
  async () => {
    const { engine, timers, dropped, events } = setUp({
      session: SESSION,
      following: ["Kite", "Boat"],
    });
    engine.request(bid);
    timers.advance(3000);
    await settle();
    engine.receive(message("LOGIN_SUCCESS", 8, { role: "buyer", key: NEW_KEY }));
    await settle();
    engine.receive(message("SUBSCRIBED", 9, {}));
    engine.receive(message("SUBSCRIPTION-DENIED", 10, { reason: "Auction is closed" }));
    await settle();
    assert.deepEqual(dropped, ["Boat"]);
    assert.deepEqual(events.map((event) => event.type === "failover" && event.resubscribed), [
      ["Kite"],
    ]);
    engine.cancelAll();
  },
);

Deno.test(
  "--server takes a comma-separated list of nodes; the first is the auction house",
  pure,
  () => {
    const flags = parseClientFlags(["--server", "127.0.0.1:5000, [::1]:5100,example.org"]);
    assert.deepEqual(flags.servers, [
      { hostname: "127.0.0.1", port: 5000 },
      { hostname: "::1", port: 5100 },
      { hostname: "example.org", port: 5000 },
    ]);
    assert.deepEqual([flags.serverHost, flags.serverPort], ["127.0.0.1", 5000]);
    assert.throws(() => parseClientFlags(["--server", "a:1,,b:2"]), /--server must be HOST:PORT/);
    assert.deepEqual(parseClientFlags([]).servers, [{ hostname: "127.0.0.1", port: 5000 }]);
  },
);
