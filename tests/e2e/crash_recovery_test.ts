import assert from "node:assert/strict";
import { inspectDataDir } from "../../server/store/inspect.ts";
import { type CrashWorkload, freeUdpPort, runCrashTest } from "../_support/crash_driver.ts";
import { startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

/** Each request registers a new user; every REGISTERED user must survive every kill. */
const registerWorkload: CrashWorkload = {
  request: (client, index, rq) => `REGISTER ${rq} c${client}_${index} buyer 127.0.0.1 6000 6001`,
  isAcknowledgement: (reply) => reply.type === "REGISTERED",
  check(state, acknowledged, refused) {
    assert.deepEqual(refused.map((answer) => answer.reply.type), [], "no REGISTER was refused");
    for (const { client, index } of acknowledged) {
      assert.ok(
        state.users[`c${client}_${index}`],
        `acknowledged user c${client}_${index} is lost`,
      );
    }
  },
};

Deno.test("every acknowledged REGISTER survives SIGKILL at random moments, snapshots included", async () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const result = await runCrashTest(registerWorkload, {
    kills: 5,
    clients: 8,
    random,
    // Every client registers from 127.0.0.1 and never acts: lift the per-IP account cap and the
    // per-network cap of provisional accounts (a newer one would remove the oldest).
    serverArgs: [
      "--snapshot-events",
      "7",
      "--max-users-per-ip",
      "0",
      "--max-provisional-per-net",
      "0",
    ],
  });
  try {
    assert.ok(result.acknowledged.length >= 5, "the clients got acknowledgements");
    const report = await inspectDataDir(result.dataDir, { verify: true });
    assert.deepEqual(report.verify?.problems, []);
    assert.ok(report.counts.users >= result.acknowledged.length);
    assert.equal(report.snapshotFile, "state.json", "the run crossed snapshots");
  } finally {
    await Deno.remove(result.dataDir, { recursive: true });
  }
});

Deno.test("a REGISTER retransmitted after a crash and restart gets the original reply", async () => {
  const udpPort = freeUdpPort();
  let server = await startServerProcess({ udpPort });
  const peer = new UdpPeer({ port: udpPort });
  try {
    const line = "REGISTER 1 Ann buyer 127.0.0.1 6000 6001";
    assert.equal((await peer.request(line)).type, "REGISTERED");
    await server.stop("SIGKILL");
    server = await startServerProcess({ udpPort, dataDir: server.dataDir });
    const repeat = await peer.request(line);
    assert.deepEqual([repeat.type, repeat.rq], ["REGISTERED", 1]);
    const fresh = await peer.request("REGISTER 2 Ann buyer 127.0.0.1 6000 6001");
    assert.equal(fresh.type, "REGISTER-DENIED", "the user is really there");
  } finally {
    await server.stop();
    await peer.close();
    await Deno.remove(server.dataDir, { recursive: true });
  }
});
