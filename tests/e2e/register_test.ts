import assert from "node:assert/strict";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const PASSWORD = "Corr3ct-Horse-e2e";
const WRONG_PASSWORD = "Wr0ng-Battery-e2e";

/** Runs `test` with UDP peers on the server process, closing them afterwards. */
async function withPeers(
  server: ServerProcess,
  count: number,
  test: (peers: UdpPeer[]) => Promise<void>,
): Promise<void> {
  const peers = Array.from({ length: count }, () => new UdpPeer({ port: server.udpPort }));
  try {
    await test(peers);
  } finally {
    await Promise.all(peers.map((peer) => peer.close()));
  }
}

/** The session key a REGISTERED or LOGIN_SUCCESS carried (32 hex digits). */
function keyIn(reply: unknown): string {
  const key = (reply as { key?: string }).key ?? "";
  assert.match(key, /^[0-9a-f]{32}$/);
  return key;
}

function assertCleanExit(status: Deno.CommandStatus, output: string): void {
  assert.equal(status.code, 0, `exit code 0 after SIGTERM; output:\n${output}`);
  assert.match(output, /Shutting down/);
  assert.doesNotMatch(output, /Uncaught|panicked|FATAL/i);
}

Deno.test("the server process keeps registered users across a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "auction-e2e-" });
  try {
    const first = await startServerProcess({ dataDir });
    let firstOutput = "";
    try {
      await withPeers(first, 3, async ([aliceHome, aliceAway, bobPeer]) => {
        const registered = await aliceHome!.request(
          `REGISTER 1 alice seller 127.0.0.1 6000 6001 ${PASSWORD}`,
        );
        assert.deepEqual(registered, { type: "REGISTERED", rq: 1, key: keyIn(registered) });
        assert.deepEqual(await aliceAway!.request(`LOGIN 2 alice 7001 ${WRONG_PASSWORD}`), {
          type: "LOGIN-FAILED",
          rq: 2,
          reason: "Unknown user or wrong password",
        });
        const login = await aliceAway!.request(`LOGIN 3 alice 7001 ${PASSWORD}`);
        assert.deepEqual(login, {
          type: "LOGIN_SUCCESS",
          rq: 3,
          role: "seller",
          key: keyIn(login),
        });
        // Alice's session acts (it shows that its address receives: journaled, so the reply
        // budget still trusts 127.0.0.1 after the restart, and the short requests below there
        // get their refusals).
        assert.deepEqual(
          await aliceAway!.request(`LIST_ITEM 7 Lamp desk 5.00 60 key=${keyIn(login)}`),
          { type: "ITEM_LISTED", rq: 7 },
        );
        assert.deepEqual(
          await bobPeer!.request("REGISTER 4 bob buyer 127.0.0.1 6100 6101"),
          { type: "REGISTERED", rq: 4 },
        );
        await bobPeer!.send("DE-REGISTER 5 bob");
        // DE-REGISTER has no reply: a later request from the same socket shows its effect.
        assert.deepEqual(await bobPeer!.request("LOGIN 6 bob"), {
          type: "LOGIN-FAILED",
          rq: 6,
          reason: "Unknown user or wrong password",
        });
      });
    } finally {
      const status = await first.stop("SIGTERM");
      firstOutput = first.output();
      assertCleanExit(status, firstOutput);
    }
    assert.match(
      firstOutput,
      /Received "REGISTER 1 alice seller .*" from "127\.0\.0\.1:\d+"/,
      "requests are logged",
    );
    assert.match(
      firstOutput,
      /Sent "LOGIN_SUCCESS 3 role=seller key=\*\*\*" to/,
      "replies are logged, without the session key",
    );

    const second = await startServerProcess({ dataDir });
    try {
      await withPeers(second, 1, async ([peer]) => {
        assert.deepEqual(await peer!.request("LOGIN 1 alice"), {
          type: "LOGIN-FAILED",
          rq: 1,
          reason: "Unknown user or wrong password",
        });
        const login = await peer!.request(`LOGIN 2 alice ${PASSWORD}`);
        assert.deepEqual(login, {
          type: "LOGIN_SUCCESS",
          rq: 2,
          role: "seller",
          key: keyIn(login),
        });
        assert.deepEqual(await peer!.request("LOGIN 3 bob"), {
          type: "LOGIN-FAILED",
          rq: 3,
          reason: "Unknown user or wrong password",
        });
      });
    } finally {
      const status = await second.stop("SIGTERM");
      assertCleanExit(status, second.output());
    }
    for (const output of [firstOutput, second.output()]) {
      assert.ok(!output.includes(PASSWORD), "the password never reaches the log");
      assert.ok(!output.includes(WRONG_PASSWORD), "nor does a wrong one");
    }
    for await (const entry of Deno.readDir(dataDir)) {
      if (!entry.isFile) continue;
      const text = await Deno.readTextFile(`${dataDir}/${entry.name}`);
      assert.ok(!text.includes(PASSWORD), `${entry.name} holds no password`);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the server process stops cleanly on SIGINT", async () => {
  const server = await startServerProcess();
  try {
    await withPeers(server, 1, async ([peer]) => {
      // Padded: from an address with no session, a reply may total 3x the bytes received.
      assert.equal((await peer!.request(`PLONK 0 ${"x".repeat(30)}`)).type, "DENIED");
    });
  } finally {
    const status = await server.stop("SIGINT");
    assertCleanExit(status, server.output());
    await Deno.remove(server.dataDir, { recursive: true });
  }
});
