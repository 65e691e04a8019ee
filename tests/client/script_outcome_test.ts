/**
 * The scripted mode at the end of its input waits for the outcome of the sales it sent payment
 * details for (PAID, Shipping_Info or CANCEL), prints it, and exits non-zero on a CANCEL.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import { EXIT, JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import { ScriptInput } from "../_support/script_input.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();

/** A buyer with a full profile; its script ends once the payment details went out. */
async function buyerWhoPays(card: string, outcome: string) {
  const server = new UdpPeer({ port: 9 });
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags([
    "--server",
    `127.0.0.1:${server.port}`,
    "--host",
    "127.0.0.1",
    "--full-name",
    "Scott Tiger",
    "--card",
    card,
    "--exp",
    "12/39",
    "--address",
    "1 Main St",
  ]);
  const client = await AuctionClient.start(flags, output, createLogger("error", () => {}));
  const input = new ScriptInput();
  const script = runScript(client, output, input);
  const sale = await Deno.connect({ hostname: "127.0.0.1", port: client.tcpPort });
  try {
    await sale.write(UTF8.encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n"));
    await waitUntil(
      () => records.some((record) => record.type === "payment" && record.action === "sent"),
      "the payment details sent",
    );
    // The input ends here, as a script that answered INFORM_Req does; the outcome comes later.
    input.end();
    await sale.write(UTF8.encode(`${outcome}\n`));
    const code = await script;
    return { code, types: records.map((record) => String(record.type)) };
  } finally {
    sale.close();
    await client.close();
    await server.close();
  }
}

Deno.test("the scripted mode waits for the sale's outcome after its input ends", async (t) => {
  await t.step("PAID: printed, exit 0", async () => {
    const { code, types } = await buyerWhoPays("4111111111111111", "PAID 602 Kite 45.00 1111");
    assert.equal(types.at(-1), "PAID");
    assert.equal(code, EXIT.ok);
  });
  await t.step("CANCEL (a declined card): printed, exit 5", async () => {
    const { code, types } = await buyerWhoPays(
      "4000000000000002",
      "CANCEL 602 Payment declined: buyer's card ending 0002 was declined",
    );
    assert.equal(types.at(-1), "CANCEL");
    assert.equal(code, EXIT.saleCancelled);
  });
});
