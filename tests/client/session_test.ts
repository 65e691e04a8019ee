/**
 * The running client over a real UDP socket with fake timers: the `items` command counts each
 * item's time left down from the moment its own push arrived, on the client's clock.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import { JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import { waitUntil } from "../_support/wait.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { ScriptInput } from "../_support/script_input.ts";

/** A client in scripted mode whose server is a bare UDP peer; `send` pushes it a line. */
async function scriptedClient(timers = new FakeTimers()) {
  const server = new UdpPeer({ port: 9 });
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags(["--server", `127.0.0.1:${server.port}`, "--host", "127.0.0.1"]);
  const client = await AuctionClient.start(flags, output, createLogger("error", () => {}), timers);
  const input = new ScriptInput();
  const script = runScript(client, output, input);
  const send = (line: string) =>
    server.socket.send(new TextEncoder().encode(line), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: client.udpPort,
    });
  const close = async () => {
    input.end();
    await script;
    await client.close();
    await server.close();
  };
  return { server, records, client, input, send, close };
}

Deno.test("items counts each item's time left down from the moment its push arrived", async () => {
  const timers = new FakeTimers();
  const { records, input, send, close } = await scriptedClient(timers);
  const push = async (line: string) => {
    const count = records.length;
    await send(line);
    await waitUntil(() => records.length > count, `the client to hear ${line}`);
  };
  const items = async () => {
    const count = records.length;
    input.type("items");
    await waitUntil(() => records.length > count, "the items record");
    return (records.at(-1)!.items as JsonRecord[]).map(({ item, timeLeft }) => ({
      item,
      timeLeft,
    }));
  };
  try {
    await push('AUCTION_ANNOUNCE 1 Kite "Red kite" 20.00 60');
    timers.advance(20_000);
    await push('AUCTION_ANNOUNCE 2 Lamp "Desk lamp" 5.00 90');
    timers.advance(15_500);
    assert.deepEqual(await items(), [
      { item: "Kite", timeLeft: 25 },
      { item: "Lamp", timeLeft: 75 },
    ]);

    // A later push restarts the count of its own item only.
    await push("BID_UPDATE 3 Kite 25.00 bob 30");
    timers.advance(10_000);
    assert.deepEqual(await items(), [
      { item: "Kite", timeLeft: 20 },
      { item: "Lamp", timeLeft: 65 },
    ]);

    // The count stops at zero.
    timers.advance(120_000);
    assert.deepEqual(await items(), [
      { item: "Kite", timeLeft: 0 },
      { item: "Lamp", timeLeft: 0 },
    ]);
  } finally {
    await close();
  }
});

Deno.test("a CANCEL on the sale connection takes its INFORM_Req off the waiting payments", async () => {
  const { records, client, close } = await scriptedClient();
  const sale = await Deno.connect({ hostname: "127.0.0.1", port: client.tcpPort });
  try {
    await sale.write(
      new TextEncoder().encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n"),
    );
    await waitUntil(() => client.pendingPayments.length === 1, "the INFORM_Req to wait");
    await sale.write(new TextEncoder().encode("CANCEL 602 Seller did not answer\n"));
    await waitUntil(() => client.pendingPayments.length === 0, "the CANCEL to end it");
    assert.ok(records.some((record) => record.type === "CANCEL" && record.item === "Kite"));
  } finally {
    sale.close();
    await close();
  }
});

Deno.test("a 'Server busy' refusal is retried quietly: the script hears only the answer", async () => {
  const timers = new FakeTimers();
  const { server, records, input, send: reply, close } = await scriptedClient(timers);
  try {
    input.type("bid Kite 25");
    // Not subscribed to Kite: the bid subscribes first.
    const subscribe = await server.waitFor((message) => message.type === "SUBSCRIBE");
    await reply(`SUBSCRIBED ${subscribe.rq}`);
    const bid = await server.waitFor((message) => message.type === "BID");
    await reply(`BID_REJECTED ${bid.rq} Server busy: try again`);
    const from = server.received.length;
    // The retransmission is due 1 to 1.5 s after the send; the refusal changed nothing of it.
    await waitUntil(() => {
      timers.advance(100);
      return server.received.length > from;
    }, "the retransmission");
    assert.equal(server.received.at(-1)?.rq, bid.rq);
    await reply(`BID_ACCEPTED ${bid.rq}`);
    await waitUntil(() => records.some((record) => record.type === "BID_ACCEPTED"), "the answer");
    assert.deepEqual(
      records.filter((record) => record.type === "BID_REJECTED"),
      [],
      "the refusal that asked to try again is not an answer",
    );
  } finally {
    await close();
  }
});
