/**
 * The attacks on a client's sale port, against a real client (a full payment profile, so it
 * would answer at once): a forged WINNER and INFORM_Req from another address gets no card, and
 * a flood of connections from another address leaves the server's sale answered.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { parseClientFlags } from "../../client/flags.ts";
import { createLogger } from "../../client/log.ts";
import type { ClientOutput } from "../../client/output.ts";
import { AuctionClient } from "../../client/session.ts";

const SILENT: ClientOutput = { message: () => {}, event: () => {} };

async function startClient(warnings: string[]): Promise<AuctionClient> {
  const flags = parseClientFlags([
    ...["--server", "127.0.0.1:9", "--host", "127.0.0.1", "--full-name", "Scott Tiger"],
    ...["--card", "4111111111111111", "--exp", "12/39", "--address", "1 Main St"],
  ]);
  return await AuctionClient.start(
    flags,
    SILENT,
    createLogger("warning", (line) => warnings.push(line)),
  );
}

/** Sends `lines` from `source` and resolves with all the client wrote before it closed. */
function exchange(source: string, port: number, lines: string): Promise<string> {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: source });
  let text = "";
  socket.on("connect", () => socket.write(lines));
  socket.on("data", (bytes: Uint8Array) => {
    text += new TextDecoder().decode(bytes);
    // The answer is one line; the server would then send PAID and the client close.
    if (text.endsWith("\n")) socket.write("PAID 3 Kite 25.00 1111\n");
  });
  socket.on("error", (error) => error.message.includes("ECONNRESET") ? undefined : reject(error));
  socket.on("close", () => resolve(text));
  return promise;
}

const SALE = "WINNER 1 Kite 25.00 jas\nINFORM_Req 2 Kite 25.00\n";

Deno.test("a client answers the server's INFORM_Req, never a forged one from another address", async () => {
  const warnings: string[] = [];
  const client = await startClient(warnings);
  try {
    // phish_client.py: a forged WINNER then INFORM_Req from 127.0.0.77.
    assert.equal(await exchange("127.0.0.77", client.tcpPort, SALE), "");
    assert.equal(client.items.get("Kite"), undefined, "nothing it said was taken in");
    assert.match(await exchange("127.0.0.1", client.tcpPort, SALE), /^INFORM_Res 2 "Scott Tiger" /);
    assert.equal(warnings.filter((line) => line.includes("Refused a sale connection")).length, 1);
  } finally {
    await client.close();
  }
});

Deno.test("a flood of connections from another address leaves the server's sale answered", async () => {
  const warnings: string[] = [];
  const client = await startClient(warnings);
  try {
    // client_fd_exhaust.py, scaled down: each is closed at once, so none holds a descriptor.
    const flood = Array.from(
      { length: 300 },
      () => exchange("127.0.0.88", client.tcpPort, ""),
    );
    assert.deepEqual(new Set(await Promise.all(flood)), new Set([""]));
    assert.match(await exchange("127.0.0.1", client.tcpPort, SALE), /^INFORM_Res 2 /);
    assert.equal(
      warnings.filter((line) => line.includes("Refused a sale connection")).length,
      5,
      "the refusals logged within the budget",
    );
  } finally {
    await client.close();
  }
});
