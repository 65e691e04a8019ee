/**
 * PAID, the server's word to the buyer that the payment went through, as the client handles it
 * from fake TCP lines: a real client with a payment profile answers WINNER and INFORM_Req, then
 * gets PAID on the same connection, as the server sends it before closing.
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

const UTF8 = new TextEncoder();

const PROFILE = [
  "--full-name",
  "Scott Tiger",
  "--card",
  "4111111111111111",
  "--exp",
  "12/39",
  "--address",
  "1 Main St",
];

/** Starts a client with a full profile on a server address nothing answers. */
async function startClient(output: ClientOutput): Promise<AuctionClient> {
  const flags = parseClientFlags(["--server", "127.0.0.1:9", "--host", "127.0.0.1", ...PROFILE]);
  return await AuctionClient.start(flags, output, createLogger("error"));
}

/** Plays the buyer's side of a sale over TCP: WINNER, INFORM_Req, the answer, then PAID. */
async function paidSale(client: AuctionClient): Promise<string> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: client.tcpPort });
  try {
    await connection.write(UTF8.encode("WINNER 600 Kite 40.50 jas\nINFORM_Req 601 Kite 40.50\n"));
    const buffer = new Uint8Array(256);
    const count = await connection.read(buffer);
    const answer = new TextDecoder().decode(buffer.subarray(0, count ?? 0));
    await connection.write(UTF8.encode("PAID 602 Kite 40.50 1111\n"));
    // The client closes its end after PAID: nothing more follows.
    assert.equal(await connection.read(buffer), null);
    return answer;
  } finally {
    connection.close();
  }
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("the shell shows PAID as what was charged, to which card, and who ships where", async () => {
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
    const answer = await paidSale(client);
    assert.equal(answer, 'INFORM_Res 601 "Scott Tiger" 4111111111111111 12/39 1 Main St\n');
    await waitUntil(() => drawn.includes("Paid 40.50"), "the PAID line");
    assert.match(drawn, /\[Kite\] Paid 40\.50 with card ending 1111; jas ships to 1 Main St\.\n/);
    assert.equal(client.items.get("Kite")?.outcome, "won at 40.50, paid");
    assert.doesNotMatch(drawn, /4111111111111111/);
  } finally {
    endInput();
    await running;
    await client.close();
  }
});

Deno.test("the scripted mode writes PAID as a record with the wire's field names", async () => {
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const client = await startClient(output);
  try {
    await paidSale(client);
    await waitUntil(() => records.some((record) => record.type === "PAID"), "the PAID record");
    assert.deepEqual(records.find((record) => record.type === "PAID"), {
      type: "PAID",
      rq: 602,
      item: "Kite",
      finalPrice: "40.50",
      cardLast4: "1111",
      raw: "PAID 602 Kite 40.50 1111",
    });
  } finally {
    await client.close();
  }
});
