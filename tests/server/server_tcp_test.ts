import assert from "node:assert/strict";
import { withServer } from "../_support/in_process_server.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { TcpLineClient } from "./_tcp_client.ts";

Deno.test("the TCP listener answers a line request on the same connection", async () => {
  await withServer(async (server) => {
    const client = await TcpLineClient.connect(server.tcpAddress.port);
    try {
      // Requests go over UDP (nothing here acts for a UDP session); PING is answered.
      await client.write("LOGIN 1 nobody\nPING 2");
      assert.equal(await client.readLine(), "DENIED 1 Requests go over UDP");
      await client.write("\r\n");
      assert.equal(await client.readLine(), "PONG 2");
    } finally {
      client.close();
    }
  });
});

Deno.test("the TCP listener serves a last line without newline when the peer closes", async () => {
  await withServer(async (server) => {
    const client = await TcpLineClient.connect(server.tcpAddress.port);
    try {
      await client.write("PLONK 3");
      await client.closeWrite();
      assert.match((await client.readLine()) ?? "", /^DENIED 3 Unknown message "PLONK"/);
      await client.waitForClose();
    } finally {
      client.close();
    }
  });
});

Deno.test("the TCP listener refuses an over-long line, closes, and keeps serving", async () => {
  await withServer(async (server) => {
    const client = await TcpLineClient.connect(server.tcpAddress.port);
    try {
      await client.write("x".repeat(5000));
      assert.equal(await client.readLine(), "DENIED 0 Line too long: at most 4096 bytes");
      await client.waitForClose();
    } finally {
      client.close();
    }
    const next = await TcpLineClient.connect(server.tcpAddress.port);
    const udp = new UdpPeer(server.udpAddress);
    try {
      await next.write("LOGIN 4 nobody\n");
      assert.equal(await next.readLine(), "DENIED 4 Requests go over UDP");
      // Long enough that its refusal fits the reply budget of an address with no session (3x).
      assert.equal((await udp.request("LOGIN 5 nobody_of_that_name pw")).type, "LOGIN-FAILED");
    } finally {
      next.close();
      await udp.close();
    }
  });
});

Deno.test("the TCP listener refuses a line of invalid UTF-8 like a datagram, and serves the lines around it", async () => {
  await withServer(async (server) => {
    const client = await TcpLineClient.connect(server.tcpAddress.port);
    try {
      // One write: two good lines, one with a byte that is not UTF-8, then a good one.
      const bad = [...new TextEncoder().encode("BID 3 x"), 0xff, ...new TextEncoder().encode(" 5")];
      await client.write(
        new Uint8Array([
          ...new TextEncoder().encode("PING 1\nPING 2\n"),
          ...bad,
          0x0a,
          ...new TextEncoder().encode("PING 4\n"),
        ]),
      );
      assert.equal(await client.readLine(), "PONG 1");
      assert.equal(await client.readLine(), "PONG 2");
      assert.equal(await client.readLine(), "BID_REJECTED 3 Request is not valid UTF-8");
      assert.equal(await client.readLine(), "PONG 4");
    } finally {
      client.close();
    }
  });
});
