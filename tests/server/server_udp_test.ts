import assert from "node:assert/strict";
import { withServer } from "../_support/in_process_server.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { waitUntil } from "../_support/wait.ts";
import { countingSyncs } from "../_support/sync_counter.ts";
import { startServer } from "../../server/server.ts";

Deno.test("startServer() registers, logs in and deregisters over real UDP", async () => {
  await withServer(async (server) => {
    const first = new UdpPeer(server.udpAddress);
    const second = new UdpPeer(server.udpAddress);
    try {
      const registered = await first.request("REGISTER 1 alice seller 127.0.0.1 6000 6001 pw");
      assert.equal(registered.type, "REGISTERED");
      assert.equal(registered.rq, 1);
      assert.match((registered as { key?: string }).key ?? "", /^[0-9a-f]{32}$/);
      const user = () => server.core.state.users["alice"];
      assert.equal(user()?.session?.port, first.port);

      const login = await second.request("LOGIN 2 alice 6101 pw");
      const key = (login as { key?: string }).key ?? "";
      assert.deepEqual(login, { type: "LOGIN_SUCCESS", rq: 2, role: "seller", key });
      assert.equal(user()?.session?.port, second.port);
      assert.equal(user()?.tcpPort, 6101);

      await first.send("DE-REGISTER 3 alice"); // no longer alice's session: ignored
      await second.send(`DE-REGISTER 4 alice key=${key}`);
      await waitUntil(() => user() === undefined, "alice to be deregistered", 5000);
      const after = await second.request("LOGIN 5 alice pw");
      assert.deepEqual(after, {
        type: "LOGIN-FAILED",
        rq: 5,
        reason: "Unknown user or wrong password",
      });
      assert.ok(!first.received.some((message) => message.rq === 3));
      assert.ok(!second.received.some((message) => message.rq === 4));
    } finally {
      await first.close();
      await second.close();
    }
  });
});

Deno.test("startServer() answers an unknown PLONK 0 with DENIED 0", async () => {
  await withServer(async (server) => {
    const client = new UdpPeer(server.udpAddress);
    try {
      // Padded: from an address with no session, a reply may total 3x the bytes received.
      const reply = await client.request(`PLONK 0 ${"x".repeat(30)}`);
      assert.equal(reply.type, "DENIED");
      assert.equal(reply.rq, 0);
      assert.match((reply as { reason: string }).reason, /Unknown message "PLONK"/);
    } finally {
      await client.close();
    }
  });
});

Deno.test("startServer() refuses a 2000-byte datagram with the row's refusal and RQ#, and keeps serving", async () => {
  await withServer(async (server) => {
    const client = new UdpPeer(server.udpAddress);
    try {
      await client.sendBytes(new TextEncoder().encode(`REGISTER 9 ${"x".repeat(1989)}`));
      const refusal = await client.waitForType("REGISTER-DENIED");
      assert.equal(refusal.rq, 9);
      assert.match(refusal.reason, /too long: at most 1024 bytes/);
      const reply = await client.request("REGISTER 10 bob buyer 127.0.0.1 6000 6001");
      assert.deepEqual(reply, { type: "REGISTERED", rq: 10 });
    } finally {
      await client.close();
    }
  });
});

Deno.test("startServer() refuses invalid UTF-8 with the row's refusal and RQ#, and keeps serving", async () => {
  await withServer(async (server) => {
    const client = new UdpPeer(server.udpAddress);
    try {
      // Padded: from an address with no session, a reply may total 3x the bytes received.
      const padding = new Array(40).fill(0xff);
      await client.sendBytes(
        new Uint8Array([0x42, 0x49, 0x44, 0x20, 0x31, 0x20, 0xff, 0xfe, ...padding]),
      );
      const refusal = await client.waitForType("BID_REJECTED");
      assert.equal(refusal.rq, 1);
      assert.match(refusal.reason, /not valid UTF-8/);
      const reply = await client.request("REGISTER 2 bob buyer 127.0.0.1 6000 6001");
      assert.deepEqual(reply, { type: "REGISTERED", rq: 2 });
    } finally {
      await client.close();
    }
  });
});

Deno.test("startServer() answers a malformed REGISTER with REGISTER-DENIED and its RQ#", async () => {
  await withServer(async (server) => {
    const client = new UdpPeer(server.udpAddress);
    try {
      const reply = await client.request("register 4 bob emperor 127.0.0.1 6000 6001");
      assert.equal(reply.type, "REGISTER-DENIED");
      assert.match((reply as { reason: string }).reason, /Invalid Role "emperor"/);
    } finally {
      await client.close();
    }
  });
});

Deno.test("startServer() syncs on the thread for one client alone waiting, the async way for two", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "server-sync-test-" });
  const server = await startServer({ hostname: "127.0.0.1", udpPort: 0, tcpPort: 0, dataDir });
  const alone = new UdpPeer(server.udpAddress);
  const other = new UdpPeer(server.udpAddress);
  try {
    await countingSyncs(async (counts) => {
      // Password-less registrations: each one journaled, each one waited for by its client.
      for (let rq = 1; rq <= 8; rq++) {
        const reply = await alone.request(`REGISTER ${rq} solo${rq} buyer 127.0.0.1 9 9`);
        assert.equal(reply.type, "REGISTERED");
      }
      assert.ok(counts.onThread >= 4, `${counts.onThread} syncs on the thread for one client`);
      // Two clients taking turns: neither is alone, every sync is the async way.
      const before = counts.onThread;
      for (let rq = 1; rq <= 6; rq++) {
        const peer = rq % 2 === 0 ? alone : other;
        const reply = await peer.request(`REGISTER ${10 + rq} duo${rq} buyer 127.0.0.1 9 9`);
        assert.equal(reply.type, "REGISTERED");
      }
      assert.equal(counts.onThread, before, "no sync on the thread while two clients take turns");
    });
  } finally {
    await alone.close();
    await other.close();
    await server.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
