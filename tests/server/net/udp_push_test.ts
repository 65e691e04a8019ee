import assert from "node:assert/strict";
import { decodeLine, type ServerMessage } from "../../../protocol/mod.ts";
import type { Dispatcher } from "../../../server/net/dispatcher.ts";
import { IoTurn } from "../../../server/net/io_turn.ts";
import { UdpTransport } from "../../../server/net/udp.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";
import { waitUntil } from "../../_support/wait.ts";

/** Sends `line` as a push (with its message), as the core does. */
function push(udp: UdpTransport, to: { hostname: string; port: number }, line: string): boolean {
  return udp.send(to, line, decodeLine(line) as ServerMessage);
}

Deno.test("the UDP transport drops AUCTION_ANNOUNCE past its bound of waiting pushes, never other pushes", async () => {
  const udp = new UdpTransport({
    hostname: "127.0.0.1",
    port: 0,
    pushWindow: 1,
    maxWaitingForAnnounce: 2,
  });
  const peer = new UdpPeer(udp.address);
  const to = { hostname: "127.0.0.1", port: peer.port };
  const announce = (rq: number) => push(udp, to, `AUCTION_ANNOUNCE ${rq} Kite d 20.00 60`);
  try {
    // Handed over in one turn: the first goes to the socket, two wait, the fourth is dropped.
    assert.deepEqual([1, 2, 3, 4].map(announce), [true, true, true, false]);
    assert.equal(push(udp, to, "BID_UPDATE 5 Kite 21.00 ann 50"), true);
    assert.equal(udp.pushesWaiting, 3);
    await peer.waitFor((message) => message.rq === 5);
    assert.equal(udp.pushesWaiting, 0);
    assert.equal(announce(6), true, "once drained, announcements go out again");
    await peer.waitFor((message) => message.rq === 6);
    assert.deepEqual(peer.received.map((message) => message.rq), [1, 2, 3, 5, 6], "in order");
  } finally {
    await peer.close();
    await udp.close();
  }
});

Deno.test("a push that goes with a reply does not wait behind the pushes waiting", async () => {
  const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0, pushWindow: 1 });
  const peer = new UdpPeer(udp.address);
  const to = { hostname: "127.0.0.1", port: peer.port };
  try {
    // The runtime sends the first burst of a fresh socket in reverse order: one push first.
    push(udp, to, "BID_UPDATE 0 Kite 20.00 ann 50");
    await peer.waitFor((message) => message.rq === 0);
    push(udp, to, "BID_UPDATE 1 Kite 21.00 ann 50");
    push(udp, to, "BID_UPDATE 2 Kite 22.00 ann 50");
    assert.equal(udp.pushesWaiting, 1);
    const line = "AUCTION_ANNOUNCE 3 Kite d 22.00 50";
    assert.equal(udp.send(to, line, decodeLine(line) as ServerMessage, true), true);
    assert.equal(udp.pushesWaiting, 1, "sent at once, not queued");
    await peer.waitFor((message) => message.rq === 2);
    assert.deepEqual(peer.received.map((message) => message.rq), [0, 1, 3, 2]);
  } finally {
    await peer.close();
    await udp.close();
  }
});

Deno.test("a reply goes out ahead of thousands of pushes waiting for the socket", async () => {
  const PUSHES = 3000;
  const dispatcher = {
    dispatch(bytes: Uint8Array, _sender: unknown, respond: (line: string) => unknown) {
      const rq = new TextDecoder().decode(bytes).split(" ")[1];
      respond(`PONG ${rq}`);
      return Promise.resolve();
    },
  } as unknown as Dispatcher;
  const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0, pushWindow: 64 });
  udp.serve(dispatcher);
  // The pushes' receiver reads nothing until the end: its reads would share this process's
  // per-turn budget of socket operations, which a real subscriber (another process) does not.
  const sink = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const client = new UdpPeer(udp.address);
  const to = { hostname: "127.0.0.1", port: (sink.addr as Deno.NetAddr).port };
  const buffer = new Uint8Array(256);
  try {
    // The runtime sends the first burst of a fresh socket in reverse order: one push first.
    push(udp, to, "BID_UPDATE 0 Kite 21.00 ann 50");
    await sink.receive(buffer);
    for (let rq = 1; rq <= PUSHES; rq++) push(udp, to, `BID_UPDATE ${rq} Kite 21.00 ann 50`);
    assert.ok(udp.pushesWaiting >= PUSHES - 64, "a window went to the socket, the rest wait");
    assert.ok(udp.whenRoom(), "the scheduler would wait for room");
    const pong = await client.request("PING 7");
    const waitingAtReply = udp.pushesWaiting;
    assert.equal(pong.type, "PONG");
    assert.ok(waitingAtReply > 0, `the reply came while ${waitingAtReply} pushes still waited`);
    await waitUntil(() => udp.pushesWaiting === 0, "the pushes to drain");
    assert.equal(udp.whenRoom(), undefined);
    // The first ones the sink's buffer kept arrived oldest first.
    const rqs: number[] = [];
    for (let read = 0; read < 50; read++) {
      const [bytes] = await sink.receive(buffer);
      rqs.push(Number(new TextDecoder().decode(bytes).split(" ")[1]));
    }
    assert.deepEqual(rqs, Array.from({ length: 50 }, (_, index) => index + 1));
  } finally {
    await client.close();
    sink.close();
    await udp.close();
  }
});

Deno.test("IoTurn runs its callback in a later turn, once however often it was asked", async () => {
  let runs = 0;
  const turn = new IoTurn(() => runs++);
  const a = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const b = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const toB = {
    transport: "udp" as const,
    hostname: "127.0.0.1",
    port: (b.addr as Deno.NetAddr).port,
  };
  try {
    turn.request();
    turn.request();
    turn.request();
    for (let hop = 0; hop < 10; hop++) await null;
    assert.equal(runs, 0, "not within the turn that asked");
    await waitUntil(() => runs === 1, "the run");
    // Two loopback round trips later no second run has come.
    for (let trip = 0; trip < 2; trip++) {
      const receiving = b.receive();
      await a.send(new Uint8Array([1]), toB);
      await receiving;
    }
    assert.equal(runs, 1);
    turn.request();
    await waitUntil(() => runs === 2, "the second run");
    turn.close();
    turn.request();
    assert.equal(runs, 2);
  } finally {
    turn.close();
    b.close();
    a.close();
  }
});

Deno.test("IoTurn falls back to timers where no loopback socket can be bound", async () => {
  const listen = Deno.listenDatagram;
  let runs = 0;
  let turn: IoTurn;
  try {
    Deno.listenDatagram = () => {
      throw new Deno.errors.AddrNotAvailable("no loopback here");
    };
    turn = new IoTurn(() => runs++);
  } finally {
    Deno.listenDatagram = listen;
  }
  try {
    turn.request();
    turn.request();
    assert.equal(runs, 0, "not within the turn that asked");
    await waitUntil(() => runs === 1, "the run, a timer later");
    turn.request();
    await waitUntil(() => runs === 2, "the second run");
  } finally {
    turn.close();
  }
});
