/**
 * The running client with `--server A,B` over real UDP sockets and fake timers, each node a fake
 * server: a bid unanswered twice at A moves the client to B, where it LOGINs with its session's
 * password and TCP port, subscribes again to the items it still follows, and resends the bid.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import { JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import type { Message } from "../../protocol/mod.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { ScriptInput } from "../_support/script_input.ts";
import { waitUntil } from "../_support/wait.ts";

const KEY_A = "1".repeat(32);
const KEY_B = "b".repeat(32);

Deno.test(
  "a client given two nodes moves to the second after two unanswered tries, LOGINs, " +
    "subscribes again and resends its bid with the same RQ#",
  async () => {
    const nodeA = new UdpPeer({ port: 9 });
    const nodeB = new UdpPeer({ port: 9 });
    const timers = new FakeTimers();
    const records: JsonRecord[] = [];
    const output = new JsonOutput((record) => records.push(record));
    const flags = parseClientFlags([
      ...["--server", `127.0.0.1:${nodeA.port},127.0.0.1:${nodeB.port}`],
      ...["--host", "127.0.0.1", "--name", "bea", "--role", "buyer", "--password", "pw-Secret-1"],
    ]);
    const client = await AuctionClient.start(
      flags,
      output,
      createLogger("error", () => {}),
      timers,
    );
    const input = new ScriptInput();
    const script = runScript(client, output, input);
    const reply = (node: UdpPeer, line: string) =>
      node.socket.send(new TextEncoder().encode(line), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: client.udpPort,
      });
    /** Types `line`, waits for the request at `node`, answers it with `answer` RQ#. */
    const run = async (line: string, node: UdpPeer, answer: (rq: number) => string) => {
      const from = node.received.length;
      input.type(line);
      const request = await node.waitFor(() => true, { from });
      await reply(node, answer(request.rq));
      return request;
    };
    try {
      await run("register", nodeA, (rq) => `REGISTERED ${rq} key=${KEY_A}`);
      await run("subscribe Kite", nodeA, (rq) => `SUBSCRIBED ${rq}`);
      await run("subscribe Boat", nodeA, (rq) => `SUBSCRIBED ${rq}`);
      await waitUntil(() => records.filter((r) => r.type === "SUBSCRIBED").length === 2, "subs");
      input.type("unsubscribe Boat");
      await nodeA.waitForType("DE-SUBSCRIBE");
      timers.advance(1500);
      await waitUntil(() => records.some((record) => record.type === "sent"), "DE-SUBSCRIBE sent");

      input.type("bid Kite 20");
      const bid = await nodeA.waitForType("BID");
      assert.equal(bid.key, KEY_A);
      timers.advance(1500);
      await waitUntil(() => nodeA.received.filter((m) => m.type === "BID").length === 2, "retry");
      timers.advance(3000);
      const login = await nodeB.waitForType("LOGIN");
      assert.deepEqual(
        [login.name, login.tcpPort, login.password],
        ["bea", client.tcpPort, "pw-Secret-1"],
      );
      await reply(nodeB, `LOGIN_SUCCESS ${login.rq} role=buyer key=${KEY_B}`);
      const subscribe = await nodeB.waitForType("SUBSCRIBE");
      assert.deepEqual([subscribe.item, subscribe.key], ["Kite", KEY_B]);
      await reply(nodeB, `SUBSCRIBED ${subscribe.rq}`);
      const resent = await nodeB.waitForType("BID");
      assert.deepEqual([resent.rq, resent.item, resent.amount, resent.key], [
        bid.rq,
        "Kite",
        2000,
        KEY_B,
      ]);
      await reply(nodeB, `BID_ACCEPTED ${bid.rq}`);
      await waitUntil(() => records.some((record) => record.type === "BID_ACCEPTED"), "accepted");

      // One entry per request: the LOGIN may have been retransmitted inside the same
      // `advance(3000)` (its 1-1.5 s delay is random), which is the client doing its job.
      const types = (node: UdpPeer) => [
        ...new Map(node.received.map((m: Message) => [`${m.type} ${m.rq}`, m.type])).values(),
      ];
      assert.deepEqual(types(nodeB), ["LOGIN", "SUBSCRIBE", "BID"], "Boat is not followed");
      assert.deepEqual(records.filter((record) => record.type === "failover"), [
        {
          type: "failover",
          from: `127.0.0.1:${nodeA.port}`,
          to: `127.0.0.1:${nodeB.port}`,
          resubscribed: ["Kite"],
        },
      ]);
      // The move's own replies are not printed; the password is in no record.
      assert.ok(!records.some((record) => record.type === "LOGIN_SUCCESS"));
      assert.ok(!JSON.stringify(records).includes("pw-Secret-1"));

      // Later requests go to B with B's key.
      await run("bid Kite 21", nodeB, (rq) => `BID_ACCEPTED ${rq}`);
      assert.equal((nodeB.received.at(-1) as { key?: string }).key, KEY_B);
    } finally {
      input.end();
      await script;
      await client.close();
      await Promise.all([nodeA.close(), nodeB.close()]);
    }
  },
);
