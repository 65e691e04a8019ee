/**
 * Issue 9, the flood rows, replayed against the real server process: reflection through forged
 * source addresses, many ports of one IP, undecodable datagrams, one IP filling --max-users,
 * many sales closing at once with silent parties under a lowered `ulimit -n`, and many
 * connections to the server's TCP port. What each row shows is in docs/security/limits.md.
 * @module
 */

import assert from "node:assert/strict";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();
const BUYER_CARD = "4111111111111111";
const SELLER_CARD = "5555555555554444";
/** Sales closing at once in the descriptor row: issue 9 used 10,000; scaled down to keep it fast. */
const SILENT_SALES = 1000;

/** Sends every line from `peer` and waits until the server has handled them all. */
async function sendAll(server: ServerProcess, peer: UdpPeer, lines: string[]): Promise<number> {
  let bytes = 0;
  for (const line of lines) {
    bytes += UTF8.encode(line).length;
    await peer.send(line);
  }
  await barrier(server);
  return bytes;
}

let barrierRq = 1;

/** Resolves once the server answered a PING sent after everything before it. */
async function barrier(server: ServerProcess): Promise<void> {
  const probe = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.99");
  try {
    await probe.request(`PING ${barrierRq++}`);
  } finally {
    await probe.close();
  }
}

Deno.test("reflection: a forged source address gets at most 3x the bytes sent from it", async (t) => {
  const server = await startServerProcess({
    args: [
      "--duration-unit",
      "seconds",
      "--announce-interval",
      "1",
      "--max-subscriptions-per-user",
      "5",
    ],
  });
  const seller = new UdpPeer({ port: server.udpPort });
  const probe = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.98");
  const keysIssued =
    (await probe.request("REGISTER 1 probe buyer 127.0.0.98 7000 7001 Pr0be-pass-e2e") as {
      key?: string;
    }).key !== undefined;
  try {
    assert.ok(keysIssued, "a REGISTER with a password is answered with a session key");
    assert.equal(
      (await seller.request("REGISTER 1 sam seller 127.0.0.1 7000 7001")).type,
      "REGISTERED",
    );
    for (let index = 0; index < 20; index++) {
      const listed = await seller.request(`LIST_ITEM ${index + 2} Kite${index} kite 10 60`);
      assert.equal(listed.type, "ITEM_LISTED");
    }
    const lines = subscribes(20);

    await t.step(
      "20 SUBSCRIBEs from an address with no session: refusals within the budget",
      async () => {
        const victim = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.11");
        try {
          const sent = await sendAll(server, victim, lines);
          assert.ok(victim.receivedBytes <= 3 * sent, `${victim.receivedBytes} bytes for ${sent}`);
        } finally {
          await victim.close();
        }
      },
    );

    await t.step({
      name: "a forged REGISTER with a password + 20 SUBSCRIBEs without its key: at most 3x",
      fn: async () => {
        const victim = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.12");
        try {
          const register =
            `REGISTER 1 victim12 buyer 127.0.0.12 ${victim.port} 7001 Forg3d-pass-e2e`;
          const sent = await sendAll(server, victim, [register, ...lines]);
          // Announcements come every second for open auctions: none may reach the victim.
          await barrier(server);
          assert.ok(victim.receivedBytes <= 3 * sent, `${victim.receivedBytes} bytes for ${sent}`);
          assert.ok(!victim.received.some((message) => message.type === "AUCTION_ANNOUNCE"));
        } finally {
          await victim.close();
        }
      },
    });

    await t.step(
      "a forged REGISTER without a password: forgeable by design, at most --max-subscriptions-per-user auctions follow",
      async () => {
        const victim = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.13");
        try {
          const register = `REGISTER 1 victim13 buyer 127.0.0.13 ${victim.port} 7001`;
          await sendAll(server, victim, [register, ...lines]);
          const subscribed = victim.received.filter((message) => message.type === "SUBSCRIBED");
          assert.equal(subscribed.length, 5, "the remaining risk is capped by the flag");
          assert.ok(
            victim.received.some((message) =>
              message.type === "SUBSCRIPTION-DENIED" &&
              /Too many subscriptions/.test(message.reason)
            ),
          );
        } finally {
          await victim.close();
        }
      },
    );
  } finally {
    await Promise.all([seller.close(), probe.close()]);
    await server.stop();
  }

  await t.step({
    name: "under --require-password the forged REGISTER without one is refused, within the budget",
    fn: async () => {
      const strict = await startServerProcess({ args: ["--require-password"] });
      const victim = new UdpPeer({ port: strict.udpPort }, 0, "127.0.0.14");
      try {
        const register = `REGISTER 1 victim14 buyer 127.0.0.14 ${victim.port} 7001`;
        const sent = await sendAll(strict, victim, [register, ...subscribes(20)]);
        assert.ok(victim.receivedBytes <= 3 * sent, `${victim.receivedBytes} bytes for ${sent}`);
        assert.ok(!victim.received.some((message) => message.type === "REGISTERED"));
      } finally {
        await victim.close();
        await strict.stop();
      }
    },
  });
});

function subscribes(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `SUBSCRIBE ${index + 2} Kite${index}`);
}

Deno.test("--rate-limit: 200 ports of one IP share one limit, undecodable datagrams count", async (t) => {
  const server = await startServerProcess({ args: ["--rate-limit", "5"] });
  try {
    await t.step("200 ports of one IP", async () => {
      const peers = Array.from(
        { length: 200 },
        () => new UdpPeer({ port: server.udpPort }, 0, "127.0.0.21"),
      );
      try {
        const startedMs = Date.now();
        await Promise.all(peers.map((peer, index) => peer.send(`PING ${index + 1}`)));
        await barrier(server);
        const elapsedSeconds = (Date.now() - startedMs) / 1000;
        const answered = peers.flatMap((peer) => peer.received);
        const pongs = answered.filter((message) => message.type === "PONG").length;
        assert.ok(pongs >= 1, "the burst is served");
        assert.ok(
          pongs <= 5 + Math.ceil(5 * elapsedSeconds),
          `${pongs} PONGs in ${elapsedSeconds} s: one limit of 5 a second for the IP`,
        );
        assert.ok(
          answered.some((message) =>
            message.type === "DENIED" && /Rate limit exceeded/.test(message.reason)
          ),
        );
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
      }
    });

    await t.step("undecodable datagrams count against the limit", async () => {
      const peer = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.22");
      try {
        for (let index = 0; index < 5; index++) {
          await peer.sendBytes(new Uint8Array([0xff, 0xfe, 0x00, index]));
        }
        const reply = await peer.request("PING 77");
        assert.equal(reply.type, "DENIED");
        assert.match((reply as { reason: string }).reason, /Rate limit exceeded/);
      } finally {
        await peer.close();
      }
    });
  } finally {
    await server.stop();
  }
});

Deno.test("--max-users-per-ip: one IP cannot fill --max-users", async () => {
  const server = await startServerProcess({ args: ["--max-users", "100"] });
  const peers = Array.from(
    { length: 100 },
    () => new UdpPeer({ port: server.udpPort }, 0, "127.0.0.31"),
  );
  const honest = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.32");
  try {
    await Promise.all(
      peers.map((peer, index) => peer.send(`REGISTER 1 flood${index} buyer 127.0.0.31 7000 7001`)),
    );
    await barrier(server);
    const replies = peers.flatMap((peer) => peer.received);
    assert.equal(replies.filter((message) => message.type === "REGISTERED").length, 64);
    assert.equal(
      replies.filter((message) =>
        message.type === "REGISTER-DENIED" &&
        /Too many accounts from this address/.test(message.reason)
      ).length,
      36,
    );
    const reply = await honest.request("REGISTER 1 honest buyer 127.0.0.32 7000 7001");
    assert.equal(reply.type, "REGISTERED");
  } finally {
    await Promise.all([...peers, honest].map((peer) => peer.close()));
    await server.stop();
  }
});

Deno.test("--max-tcp-per-ip: one IP gets 16 connections on the TCP port, UDP keeps answering", async () => {
  const server = await startServerProcess();
  const connections: Deno.TcpConn[] = [];
  try {
    for (let index = 0; index < 40; index++) {
      connections.push(await Deno.connect({ hostname: "127.0.0.1", port: server.tcpPort }));
    }
    // Each connection sends a PING: a refused one reads the refusal and then EOF.
    const firstLines = await Promise.all(connections.map(async (connection, index) => {
      await connection.write(UTF8.encode(`PING ${index}\n`)).catch(() => 0);
      return await readLine(connection);
    }));
    const refused = firstLines.filter((line) =>
      /Too many connections from your address/.test(line)
    );
    assert.equal(refused.length, 24, firstLines.join("\n"));
    const probe = new UdpPeer({ port: server.udpPort });
    try {
      assert.equal((await probe.request("PING 5")).type, "PONG");
    } finally {
      await probe.close();
    }
  } finally {
    for (const connection of connections) connection.close();
    await server.stop();
  }
});

Deno.test("--max-tcp: the TCP port serves that many connections at once; the next is refused", async () => {
  const server = await startServerProcess({ args: ["--max-tcp", "3", "--max-tcp-per-ip", "0"] });
  const connections: Deno.TcpConn[] = [];
  try {
    for (let index = 0; index < 4; index++) {
      connections.push(await Deno.connect({ hostname: "127.0.0.1", port: server.tcpPort }));
    }
    const firstLines = await Promise.all(connections.map(async (connection, index) => {
      await connection.write(UTF8.encode(`PING ${index}\n`)).catch(() => 0);
      return await readLine(connection);
    }));
    // One IP holds every place: no other IP holds more, so nothing is given up for the fourth.
    assert.deepEqual(firstLines.map((line) => line.split(" ")[0]), [
      "PONG",
      "PONG",
      "PONG",
      "DENIED",
    ]);
    assert.match(firstLines[3]!, /^DENIED 0 Too many connections: try again later/);
  } finally {
    for (const connection of connections) connection.close();
    await server.stop();
  }
});

/** The first line the server sends on `connection` ("" if it closes first). */
async function readLine(connection: Deno.TcpConn): Promise<string> {
  const buffer = new Uint8Array(1024);
  let text = "";
  const timer = setTimeout(() => connection.close(), 5000);
  try {
    while (!text.includes("\n")) {
      const count = await connection.read(buffer);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
  } catch {
    // Closed by the timer.
  } finally {
    clearTimeout(timer);
  }
  return text.split("\n")[0] ?? "";
}

/** A TCP listener that accepts the server's connections and never says a word. */
class SilentParty {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly held: Deno.TcpConn[] = [];
  readonly #loop = (async () => {
    try {
      for await (const connection of this.listener) this.held.push(connection);
    } catch {
      // Closed.
    }
  })();
  async close(): Promise<void> {
    this.listener.close();
    for (const connection of this.held) {
      try {
        connection.close();
      } catch {
        // Closed by the server.
      }
    }
    await this.#loop;
  }
}

/** Open file descriptors of process `pid` (Linux; Deno reads /proc only with --allow-all). */
async function openDescriptors(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ls", { args: [`/proc/${pid}/fd`], stdout: "piped" })
    .output();
  return new TextDecoder().decode(stdout).split("\n").filter((name) => name !== "").length;
}

/**
 * Lists and bids on `count` items between the silent attacker's seller and buyer, then one
 * honest sale on 127.0.0.2; every auction ends at about the same moment.
 */
async function closeManySales(
  server: ServerProcess,
  options: { count: number; endsInSeconds: number },
) {
  const silent = new SilentParty();
  const attackerSeller = new UdpPeer({ port: server.udpPort });
  const attackerBuyer = new UdpPeer({ port: server.udpPort });
  const honestSeller = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.2");
  const honestBuyer = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.2");
  const sellerTcp = new TcpPeer("127.0.0.2");
  const buyerTcp = new TcpPeer("127.0.0.2");
  const answer = (peer: TcpPeer, name: string, card: string) => {
    peer.onLine = (line, reply) => {
      const match = /^INFORM_Req (\d+) /.exec(line);
      if (match) {
        reply(`INFORM_Res ${match[1]} ${name} ${card} 12/30 1 Main Street\n`).catch(() => {});
      }
    };
  };
  answer(sellerTcp, "hal", SELLER_CARD);
  answer(buyerTcp, "hob", BUYER_CARD);
  const silentPort = silent.listener.addr.port;
  const endsAtMs = Date.now() + options.endsInSeconds * 1000;
  const left = () => `${Math.max(1, Math.round((endsAtMs - Date.now()) / 1000))}s`;
  assert.equal(
    (await attackerSeller.request(`REGISTER 1 mal seller 127.0.0.1 7000 ${silentPort}`)).type,
    "REGISTERED",
  );
  assert.equal(
    (await attackerBuyer.request(`REGISTER 1 mab buyer 127.0.0.1 7000 ${silentPort}`)).type,
    "REGISTERED",
  );
  const batch = 100;
  for (let first = 0; first < options.count; first += batch) {
    const ids = Array.from({ length: Math.min(batch, options.count - first) }, (_, i) => first + i);
    const from = attackerSeller.received.length;
    for (const id of ids) await attackerSeller.send(`LIST_ITEM ${10 + id} Junk${id} x 1 ${left()}`);
    await waitUntil(() => attackerSeller.received.length - from >= ids.length, "listings", 15_000);
    const bidFrom = attackerBuyer.received.length;
    for (const id of ids) await attackerBuyer.send(`BID ${10 + id} Junk${id} 2`);
    await waitUntil(() => attackerBuyer.received.length - bidFrom >= ids.length, "bids", 15_000);
  }
  const listed = attackerSeller.received.filter((message) => message.type === "ITEM_LISTED").length;
  assert.equal(listed, options.count, "every silent sale was listed");
  assert.equal(
    (await honestSeller.request(`REGISTER 1 hal seller 127.0.0.2 7000 ${sellerTcp.port}`)).type,
    "REGISTERED",
  );
  assert.equal(
    (await honestBuyer.request(`REGISTER 1 hob buyer 127.0.0.2 7000 ${buyerTcp.port}`)).type,
    "REGISTERED",
  );
  assert.equal(
    (await honestSeller.request(`LIST_ITEM 2 Honest y 1 ${left()}`)).type,
    "ITEM_LISTED",
  );
  assert.equal((await honestBuyer.request("BID 2 Honest 3")).type, "BID_ACCEPTED");
  return {
    silent,
    sellerTcp,
    buyerTcp,
    async close() {
      await Promise.all(
        [attackerSeller, attackerBuyer, honestSeller, honestBuyer].map((peer) => peer.close()),
      );
      await Promise.all([silent.close(), sellerTcp.close(), buyerTcp.close()]);
    },
  };
}

Deno.test(
  `${SILENT_SALES} sales closing at once with silent parties, under ulimit -n 128: no descriptor runs out, the honest sale completes`,
  async () => {
    const server = await startServerProcess({
      fileLimit: 128,
      args: [
        "--duration-unit",
        "seconds",
        "--inform-timeout",
        "60",
        "--announce-interval",
        "0",
        "--max-listings-per-seller",
        "0",
      ],
    });
    const sales = await closeManySales(server, { count: SILENT_SALES, endsInSeconds: 6 });
    try {
      const shipping = await sales.sellerTcp.waitForLine(/^Shipping_Info /, 20_000);
      assert.match(shipping, /^Shipping_Info \d+ hob 1 Main Street$/);
      await waitUntil(() => sales.silent.held.length >= 64, "the silent sales to start", 10_000);
      const probe = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.97");
      try {
        assert.equal((await probe.request("PING 3")).type, "PONG");
      } finally {
        await probe.close();
      }
      const descriptors = await openDescriptors(server.process.pid);
      assert.ok(descriptors < 128, `${descriptors} descriptors open`);
      assert.doesNotMatch(server.output(), /Out of file descriptors|Too many open files/);
      assert.ok(sales.silent.held.length <= 64, "at most half the sale slots for one pair of IPs");
    } finally {
      const status = await server.stop();
      await sales.close();
      assert.doesNotMatch(server.output(), /panicked|Uncaught|FATAL/i);
      assert.equal(status.code, 0, "up until SIGTERM, then a clean exit");
    }
  },
);

Deno.test(
  "out of file descriptors (no sales cap, ulimit -n 64): the server stays up, UDP answers, the honest sale ends with a result",
  async () => {
    const server = await startServerProcess({
      fileLimit: 64,
      args: [
        "--duration-unit",
        "seconds",
        "--inform-timeout",
        "3",
        "--announce-interval",
        "0",
        "--max-listings-per-seller",
        "0",
        "--max-sales-in-flight",
        "0",
      ],
    });
    const sales = await closeManySales(server, { count: 200, endsInSeconds: 5 });
    try {
      await waitUntil(
        () => /Out of file descriptors|Too many open files/.test(server.output()),
        "the server to run out of descriptors",
        20_000,
      );
      const probe = new UdpPeer({ port: server.udpPort }, 0, "127.0.0.96");
      try {
        assert.equal((await probe.request("PING 4")).type, "PONG");
      } finally {
        await probe.close();
      }
      const outcome = await Promise.race([
        sales.sellerTcp.waitForLine(/^(Shipping_Info|CANCEL) /, 30_000),
        sales.buyerTcp.waitForLine(/^CANCEL \d+ \S/, 30_000),
      ]);
      assert.match(outcome, /^(Shipping_Info \d+ hob|CANCEL \d+ \S)/);
    } finally {
      const status = await server.stop();
      await sales.close();
      assert.doesNotMatch(server.output(), /panicked|Uncaught|FATAL/i);
      assert.equal(status.code, 0, "up until SIGTERM, then a clean exit");
    }
  },
);
