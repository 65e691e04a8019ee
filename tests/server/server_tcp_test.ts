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

Deno.test("the TCP listener refuses a line of invalid UTF-8 and closes", async () => {
  await withServer(async (server) => {
    const client = await TcpLineClient.connect(server.tcpAddress.port);
    try {
      await client.write(new Uint8Array([0x50, 0xff, 0x0a]));
      assert.equal(await client.readLine(), "DENIED 0 Line is not valid UTF-8");
      await client.waitForClose();
    } finally {
      client.close();
    }
  });
});
