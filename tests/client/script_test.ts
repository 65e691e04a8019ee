/** The scripted mode's JSON records, with a real client on a UDP socket that nothing answers. */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import { EXIT, JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

async function* linesOf(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

Deno.test("a script's error records never carry a full card number typed in a bad line", async () => {
  const server = new UdpPeer({ port: 9 });
  const records: JsonRecord[] = [];
  const logs: string[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags(["--server", `127.0.0.1:${server.port}`, "--host", "127.0.0.1"]);
  const client = await AuctionClient.start(
    flags,
    output,
    createLogger("debug", (line) => logs.push(line)),
  );
  try {
    const code = await runScript(
      client,
      output,
      linesOf([
        'pay Kite "Ann Lee" 4111111111111111 12/30 1 Main St', // the address left unquoted
        "4111 1111 1111 1111", // a card typed as a command
        'pay 4111111111111111 "Ann Lee" 4111111111111111 12/30 "1 Main St"', // no such sale
      ]),
    );
    assert.equal(code, EXIT.usage);
    const errors = records.filter((record) => record.type === "error");
    assert.equal(errors.length, 3);
    assert.equal(errors[0]!.line, 'pay Kite "Ann Lee" ************1111 12/30 1 Main St');
    assert.equal(errors[1]!.line, "**** **** **** 1111");
    assert.match(String(errors[2]!.error), /\*{12}1111/);
    const everything = JSON.stringify(records) + logs.join("\n");
    assert.doesNotMatch(everything, /4111111111111111|4111 1111 1111 1111/);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test({
  name: "JsonOutput writes every resent NEGOTIATE_REQ, for scripts that count them",
  permissions: "none",
  fn: () => {
    const records: JsonRecord[] = [];
    const output = new JsonOutput((record) => records.push(record));
    for (const [rq, timeLeft] of [[1, 60], [2, 58], [3, 54]]) {
      const raw = `NEGOTIATE_REQ ${rq} Kite 20.00 ${timeLeft}`;
      output.message(
        { type: "NEGOTIATE_REQ", rq: rq!, item: "Kite", currentPrice: 2000, timeLeft: timeLeft! },
        raw,
        "udp",
      );
    }
    assert.deepEqual(records.map((record) => record.rq), [1, 2, 3]);
  },
});

/** A UDP server that answers LIST_ITEM with ITEM_LISTED and SUBSCRIBE with SUBSCRIBED. */
function answeringServer() {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const replies: Record<string, string> = { LIST_ITEM: "ITEM_LISTED", SUBSCRIBE: "SUBSCRIBED" };
  const loop = (async () => {
    for await (const [bytes, from] of socket) {
      const [type = "", rq] = new TextDecoder().decode(bytes).split(" ");
      const reply = replies[type];
      if (reply) await socket.send(new TextEncoder().encode(`${reply} ${rq}`), from);
    }
  })().catch(() => {});
  return {
    port: (socket.addr as Deno.NetAddr).port,
    close: async () => {
      socket.close();
      await loop;
    },
  };
}

Deno.test("a script's items record shows the time left of the seller's own listings", async () => {
  const server = answeringServer();
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags([
    "--server",
    `127.0.0.1:${server.port}`,
    "--host",
    "127.0.0.1",
    "--duration-unit",
    "seconds",
  ]);
  // The fake clock: a slow machine cannot make the count differ by a second.
  const timers = new FakeTimers();
  const client = await AuctionClient.start(flags, output, createLogger("error"), timers);
  try {
    const listed = await runScript(
      client,
      output,
      linesOf(['list Vase "Blue vase" 15 600', 'list Lamp "Desk lamp" 20 2m', "items"]),
    );
    assert.equal(listed, EXIT.ok);
    timers.advance(30_000);
    assert.equal(await runScript(client, output, linesOf(["items"])), EXIT.ok);
    const [atListing, later] = records.filter((record) => record.type === "items")
      .map((record) => record.items as JsonRecord[]);
    assert.equal(atListing!.length, 2);
    // Counted from the listing: no push tells a seller the time left before a bid.
    assert.deepEqual(atListing!.map((item) => item.timeLeft), [600, 120]);
    assert.deepEqual(later!.map((item) => item.timeLeft), [570, 90]);
    assert.equal(atListing![1]!.price, "20.00");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("autobid on a name heard closed subscribes to its new auction instead of stopping", async () => {
  const server = answeringServer();
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags(["--server", `127.0.0.1:${server.port}`, "--host", "127.0.0.1"]);
  const client = await AuctionClient.start(flags, output, createLogger("error"));
  try {
    client.items.record(
      { type: "WINNER", rq: 1, item: "Lamp", finalPrice: 2300, seller: "jas" },
      client.nowMs(),
    );
    const code = await runScript(client, output, linesOf(["autobid Lamp 30 1", "items"]));
    assert.equal(code, EXIT.ok);
    const autobid = records.filter((record) => record.type === "autobid");
    assert.deepEqual(autobid.map((record) => record.action), ["started"]);
    const items = records.find((record) => record.type === "items")?.items as JsonRecord[];
    assert.deepEqual(items[0], {
      item: "Lamp",
      price: null,
      leader: null,
      timeLeft: null,
      closed: false,
      outcome: null,
    });
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("a script's help record lists the commands as data, not a padded table", async () => {
  const server = new UdpPeer({ port: 9 });
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags(["--server", `127.0.0.1:${server.port}`, "--host", "127.0.0.1"]);
  const client = await AuctionClient.start(flags, output, createLogger("error"));
  try {
    assert.equal(await runScript(client, output, linesOf(["help"])), EXIT.ok);
    const help = records.find((record) => record.type === "help")!;
    const commands = help.commands as JsonRecord[];
    assert.deepEqual(commands.find((entry) => entry.command === "wait-for"), {
      command: "wait-for",
      args: "TYPE [ITEM] [SECONDS]",
      summary: "pause a script until a message arrives",
    });
    for (const entry of commands) {
      assert.deepEqual(Object.keys(entry), ["command", "args", "summary"]);
      assert.doesNotMatch(`${entry.args}|${entry.summary}`, / {2}/);
    }
  } finally {
    await client.close();
    await server.close();
  }
});
