/**
 * The board's HTTP port against a client that holds connections open with unfinished requests
 * until the server runs out of descriptors: `Deno.serve`'s accept loop then ends for good, and
 * the server must neither die of it (UDP and TCP go on) nor stay without a board once the
 * descriptors are back. See docs/security/limits.md, "Out of file descriptors".
 * @module
 */

import assert from "node:assert/strict";
import { startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();

Deno.test("unfinished HTTP requests that use up the descriptors stop the board for a while, never the server", async () => {
  const server = await startServerProcess({ fileLimit: 128 });
  const held: Deno.Conn[] = [];
  const udp = new UdpPeer({ port: server.udpPort });
  try {
    const httpPort = server.httpPort!;
    let exited = false;
    void server.process.status.then(() => exited = true);
    const stopped = () => exited || server.output().includes("The board's HTTP server stopped");
    for (let i = 0; i < 400 && !stopped(); i++) {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: httpPort });
        held.push(conn);
        await conn.write(UTF8.encode("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
      } catch {
        break; // refused: the accept loop has ended
      }
    }
    await waitUntil(stopped, "the accept loop to fail for want of descriptors");
    assert.equal(exited, false, `the server process runs on:\n${server.output()}`);
    assert.match(server.output(), /Too many open files/);
    assert.equal((await udp.request("PING 1")).type, "PONG", "UDP is served meanwhile");

    for (const conn of held.splice(0)) conn.close();
    let answered = false;
    // The server serves the board again a second after the failure, once it can bind the port.
    for (let attempt = 0; attempt < 200 && !answered; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
        answered = response.ok && (await response.json()).status === "ok";
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.ok(answered, `the board answers again on the same port:\n${server.output()}`);
    assert.match(server.output(), /The board is served again on port/);
    assert.equal((await udp.request("PING 2")).type, "PONG");
  } finally {
    for (const conn of held) conn.close();
    await udp.close();
    await server.stop();
  }
});
