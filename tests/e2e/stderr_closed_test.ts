/**
 * The server outlives its stderr: run as `deno task server 2>&1 | tee log`, a Ctrl-C stops `tee`
 * as well, and the server's next log line found the pipe closed. The write failed inside the log
 * sink and the process died before its last snapshot (the next start fell back to
 * `state.previous.json`). Now lines are dropped and the server serves on, then stops cleanly.
 */
import assert from "node:assert/strict";
import { UdpPeer } from "../_support/udp_peer.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("a server whose stderr reader goes away keeps serving, and still stops cleanly", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "auction-stderr-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      `${ROOT}main.ts`,
      "server",
      "--host",
      "127.0.0.1",
      "--udp-port",
      "0",
      "--tcp-port",
      "0",
      "--no-http",
      "--data-dir",
      dataDir,
      "--log-level",
      "info",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // The first lines are read, then the pipe's reading end is closed (as `tee` exits).
  const reader = server.stderr.getReader();
  let start = "";
  while (!start.includes("Listening on UDP")) {
    const { value, done } = await reader.read();
    if (done) break;
    start += new TextDecoder().decode(value);
  }
  await reader.cancel();
  const udpPort = Number(/Listening on UDP "[^"]*:(\d+)"/.exec(start)?.[1]);
  const peer = new UdpPeer({ port: udpPort });
  try {
    assert.match(start, /Listening on UDP/);
    // Every request is logged (info), long after the reader left: all answered.
    assert.equal((await peer.request("REGISTER 100 sam seller 127.0.0.1 9 9")).type, "REGISTERED");
    for (let rq = 101; rq < 140; rq++) {
      const line = `LIST_ITEM ${rq} Kite${rq} red 5.00 60`;
      assert.equal((await peer.request(line)).type, "ITEM_LISTED", line);
    }
    // It shuts down cleanly, its last snapshot written.
    server.kill("SIGTERM");
    assert.equal((await server.status).code, 0);
    const snapshot = JSON.parse(await Deno.readTextFile(`${dataDir}/state.json`));
    assert.equal(Object.keys(snapshot.state.items).length, 39);
  } finally {
    await peer.close();
    try {
      server.kill("SIGKILL");
    } catch {
      // Exited already.
    }
    await server.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});
