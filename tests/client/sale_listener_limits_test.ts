/**
 * The sale listener against strangers and floods: connections from addresses other than the
 * server's closed at once, caps in total and per IP, a connection with no line closed after the
 * first-line timeout, accept failures (out of descriptors) paced by a doubling pause, and the log
 * of refusals kept to a budget.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { createLogger } from "../../client/log.ts";
import { SalePeers } from "../../client/sale_peers.ts";
import { SaleListener, type SaleListenerOptions, type SaleSocket } from "../../client/tcp.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { waitUntil } from "../_support/wait.ts";

/** Connects to the listener from `source` (a loopback address); resolves once connected. */
function connectFrom(source: string, port: number): Promise<net.Socket> {
  const { promise, resolve, reject } = Promise.withResolvers<net.Socket>();
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: source });
  socket.once("connect", () => resolve(socket));
  socket.once("error", reject);
  return promise;
}

/**
 * Resolves with what the socket received once the listener has closed it; rejects if it has not
 * within 10 s (a deadline far beyond the few milliseconds it takes).
 */
function endOf(socket: net.Socket): Promise<string> {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  let text = "";
  const late = setTimeout(() => reject(new Error("the listener did not close it")), 10_000);
  socket.on("data", (bytes: Uint8Array) => text += new TextDecoder().decode(bytes));
  socket.on("error", () => {});
  socket.once("close", () => {
    clearTimeout(late);
    resolve(text);
  });
  return promise;
}

function start(options: Partial<SaleListenerOptions> = {}) {
  const warnings: string[] = [];
  const received: string[] = [];
  const timers = new FakeTimers();
  const listener = new SaleListener({
    port: 0,
    peers: new SalePeers(["127.0.0.1"]),
    idleTimeoutMs: 60_000,
    logger: createLogger("warning", (line) => warnings.push(line)),
    timers,
    ...options,
  });
  listener.onMessage((message, _raw, connection) => {
    received.push(`${message.type} from ${connection.peer.split(":")[0]}`);
    if (message.type === "INFORM_Req") connection.answer(`INFORM_Res ${message.rq} Ann 1 1 x`);
  });
  return { listener, warnings, received, timers };
}

Deno.test("SaleListener closes at once a connection from an address that is not the server's", async () => {
  const { listener, warnings, received } = start();
  const sockets: net.Socket[] = [];
  try {
    const stranger = await connectFrom("127.0.0.77", listener.port);
    sockets.push(stranger);
    const closed = endOf(stranger);
    stranger.write("WINNER 900001 Kite 25.00 mallory\nINFORM_Req 900002 Kite 25.00\n");
    assert.equal(await closed, "", "closed with no answer");
    const server = await connectFrom("127.0.0.1", listener.port);
    sockets.push(server);
    const answered = endOf(server);
    server.write("WINNER 4 Kite 25.00 jas\nINFORM_Req 5 Kite 25.00\nPAID 6 Kite 25.00 1111\n");
    assert.equal(await answered, "INFORM_Res 5 Ann 1 1 x\n");
    assert.deepEqual(received, [
      "WINNER from 127.0.0.1",
      "INFORM_Req from 127.0.0.1",
      "PAID from 127.0.0.1",
    ]);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /Refused a sale connection peer="127\.0\.0\.77:\d+" reason="not from/,
    );
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await listener.close();
  }
});

Deno.test("SaleListener caps its connections per IP and in all, and logs refusals within a budget", async () => {
  const { listener, warnings, received } = start({
    peers: new SalePeers(["127.0.0.1", "127.0.0.2", "127.0.0.3"]),
    maxConnections: 3,
    maxPerIp: 2,
  });
  const sockets: net.Socket[] = [];
  const held = async (source: string) => {
    const socket = await connectFrom(source, listener.port);
    sockets.push(socket);
    endOf(socket).catch(() => {});
    const before = received.length;
    socket.write("SOLD 1 Kite 1.00 bob\n");
    await waitUntil(() => received.length === before + 1, `a line from ${source} served`);
  };
  const refused = async (source: string) => {
    const socket = await connectFrom(source, listener.port);
    sockets.push(socket);
    assert.equal(await endOf(socket), "", `${source} closed at once`);
  };
  try {
    await held("127.0.0.1");
    await held("127.0.0.1");
    await refused("127.0.0.1");
    await held("127.0.0.2");
    await refused("127.0.0.3");
    for (let index = 0; index < 20; index++) await refused("127.0.0.1");
    assert.equal(warnings.length, 5, "at most 5 refusals logged a minute");
    assert.match(warnings[0]!, /already 2 sale connections open from this address/);
    assert.match(warnings[1]!, /already 3 sale connections open"/);
    // A connection that closes frees its place (once the listener has seen it close).
    sockets[0]!.destroy();
    let served = false;
    while (!served) {
      const socket = await connectFrom("127.0.0.3", listener.port);
      sockets.push(socket);
      let closed = false;
      endOf(socket).then(() => closed = true, () => {});
      const before = received.length;
      socket.write("SOLD 1 Kite 1.00 bob\n");
      await waitUntil(() => closed || received.length > before, "served or refused");
      served = received.length > before;
    }
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await listener.close();
  }
});

Deno.test("SaleListener closes a connection that sends no complete line within the first-line timeout", async () => {
  const { listener, warnings, timers } = start({ firstLineTimeoutMs: 5_000 });
  const sockets: net.Socket[] = [];
  try {
    const silent = await connectFrom("127.0.0.1", listener.port);
    sockets.push(silent);
    const closed = endOf(silent);
    silent.write("WINNER 4 Ki");
    await waitUntil(() => timers.pendingCount === 1, "the first-line timer");
    timers.advance(4_999);
    assert.equal(timers.pendingCount, 1, "still open at 4.999 s");
    timers.advance(1);
    assert.equal(await closed, "");
    assert.match(warnings.at(-1) ?? "", /reason="no complete line after it connected"/);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    await listener.close();
  }
});

/** A listening socket whose accept fails as when the process is out of file descriptors. */
class FailingSocket implements SaleSocket {
  readonly addr: Deno.NetAddr = { transport: "tcp", hostname: "0.0.0.0", port: 1 };
  accepts = 0;
  /** Accepts that hand over a connection (from a stranger, closed at once) instead of failing. */
  succeedAt = new Set<number>();
  closedConnections = 0;

  accept(): Promise<Deno.TcpConn> {
    this.accepts++;
    if (this.succeedAt.has(this.accepts)) {
      return Promise.resolve({
        remoteAddr: { transport: "tcp", hostname: "127.0.0.88", port: 4000 },
        close: () => this.closedConnections++,
      } as unknown as Deno.TcpConn);
    }
    return Promise.reject(new Error("Too many open files (os error 24)"));
  }

  close(): void {}
}

Deno.test({
  name:
    "SaleListener pauses after a failed accept, doubling from 100 ms to 5 s, and starts over after an accept",
  permissions: "none",
  fn: async () => {
    const socket = new FailingSocket();
    socket.succeedAt.add(10);
    const { listener, warnings, timers } = start({ listen: () => socket });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    try {
      await tick();
      for (const pauseMs of [100, 200, 400, 800, 1600, 3200, 5000, 5000]) {
        assert.equal(timers.pendingCount, 1, "waiting, not accepting");
        const before = socket.accepts;
        timers.advance(pauseMs - 1);
        await tick();
        assert.equal(socket.accepts, before, `no accept before ${pauseMs} ms`);
        timers.advance(1);
        await tick();
        assert.equal(socket.accepts, before + 1, `the next accept after ${pauseMs} ms`);
      }
      timers.advance(5000);
      await tick();
      // The tenth accept handed over a connection (closed: not from the server); the eleventh
      // failed, and the pause starts over from 100 ms.
      assert.equal(socket.accepts, 11);
      assert.equal(socket.closedConnections, 1);
      timers.advance(99);
      await tick();
      assert.equal(socket.accepts, 11);
      timers.advance(1);
      await tick();
      assert.equal(socket.accepts, 12);
      const failures = warnings.filter((line) => line.includes("TCP accept failed"));
      assert.equal(failures.length, 5, "at most 5 failures logged a minute");
    } finally {
      await listener.close();
    }
  },
});
