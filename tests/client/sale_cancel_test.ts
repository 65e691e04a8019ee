/**
 * A CANCEL that opens its sale connection (the server could not reach the other party, so no
 * WINNER or SOLD came), as a real client over TCP handles it: the shell names the item the
 * client waits for and says who could not be reached; the scripted mode keeps the reason as it
 * came and adds the item, as it does for a CANCEL after WINNER.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import type { ClientOutput } from "../../client/output.ts";
import { JsonOutput } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import { Shell } from "../../client/shell.ts";
import type { Terminal } from "../../client/terminal.ts";
import { message } from "../../protocol/mod.ts";
import { waitUntil } from "../_support/wait.ts";

const REASON = "Seller unreachable: Cannot connect to 127.0.0.1:40469 after 3 attempts: " +
  "Connection refused (os error 111)";

/** A client named ann (no server answers) that led Flute, whose auction is over by its clock. */
async function startClient(output: ClientOutput): Promise<AuctionClient> {
  const flags = parseClientFlags([
    "--server",
    "127.0.0.1:9",
    "--host",
    "127.0.0.1",
    "--name",
    "ann",
  ]);
  const client = await AuctionClient.start(flags, output, createLogger("error"));
  client.items.record(
    message("BID_UPDATE", 4, { item: "Flute", highestBid: 1300, bidder: "ann", timeLeft: 5 }),
    client.nowMs() - 5_000,
  );
  return client;
}

/** The server's connection with nothing but CANCEL, which the client closes. */
async function cancelOnly(client: AuctionClient): Promise<void> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: client.tcpPort });
  try {
    await connection.write(new TextEncoder().encode(`CANCEL 9 ${REASON}\n`));
    assert.equal(await connection.read(new Uint8Array(16)), null);
  } finally {
    connection.close();
  }
}

Deno.test("the shell names the item of a CANCEL that came alone, and who could not be reached", async () => {
  let drawn = "";
  let endInput!: () => void;
  const terminal: Terminal = {
    write: (text) => void (drawn += text),
    input: new ReadableStream({ start: (keys) => void (endInput = () => keys.close()) }),
    setRaw: () => {},
  };
  const shell = new Shell(terminal);
  const client = await startClient(shell);
  const running = shell.run(client);
  try {
    await cancelOnly(client);
    await waitUntil(() => drawn.includes("Sale cancelled"), "the CANCEL line");
    assert.match(drawn, /\[Flute\] Sale cancelled: the seller could not be reached\.\n/);
    assert.doesNotMatch(drawn, /Cannot connect|os error|40469/);
    assert.equal(client.items.get("Flute")?.outcome, "sale cancelled");
  } finally {
    endInput();
    await running;
    await client.close();
  }
});

Deno.test("the scripted mode keeps the CANCEL's reason as it came, and adds the item", async () => {
  const records: JsonRecord[] = [];
  const client = await startClient(new JsonOutput((record) => records.push(record)));
  try {
    await cancelOnly(client);
    await waitUntil(() => records.some((record) => record.type === "CANCEL"), "the record");
    assert.deepEqual(records.find((record) => record.type === "CANCEL"), {
      type: "CANCEL",
      rq: 9,
      reason: REASON,
      // As for a CANCEL after WINNER: the item of its sale, for `wait-for CANCEL Flute`.
      item: "Flute",
      raw: `CANCEL 9 ${REASON}`,
    });
  } finally {
    await client.close();
  }
});
