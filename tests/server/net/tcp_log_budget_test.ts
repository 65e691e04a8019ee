import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { TcpListener } from "../../../server/net/tcp_listener.ts";
import { TransportLog, transportLogBudget } from "../../../server/net/transport_log.ts";
import { createHarness } from "../../_support/harness.ts";

/** Everything the server sends until it closes. */
async function readUntilClosed(connection: Deno.TcpConn): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(4096);
  const timer = setTimeout(() => connection.close(), 5000);
  try {
    while (true) {
      const count = await connection.read(buffer).catch(() => null);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
  } finally {
    clearTimeout(timer);
  }
  try {
    connection.close();
  } catch {
    // Closed by the timer.
  }
  return text;
}

/** The text of a record's message, its values filled in. */
function text(record: LogRecord): string {
  return record.message.map(String).join("");
}

Deno.test("the TCP port's refusals and closings share one log budget that says how many it left out", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { keep: (record) => records.push(record) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      { category: ["auction"], lowestLevel: "debug", sinks: ["keep"] },
    ],
  });
  const harness = await createHarness();
  let nowMs = 80_000;
  const log = new TransportLog(transportLogBudget(() => nowMs));
  const listener = new TcpListener({ hostname: "127.0.0.1", port: 0, maxPerIp: 2, log });
  listener.serve(harness.dispatcher);
  const port = listener.address.port;
  const held: Deno.TcpConn[] = [];
  const lines = (start: string) => records.filter((record) => text(record).startsWith(start));
  try {
    // The served connections answer a line: both hold their place before the others come.
    for (let i = 0; i < 2; i++) {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      await connection.write(new TextEncoder().encode(`PING ${i}\n`));
      await connection.read(new Uint8Array(100));
      held.push(connection);
    }
    for (let i = 0; i < 25; i++) {
      const over = await Deno.connect({ hostname: "127.0.0.1", port });
      assert.equal(
        await readUntilClosed(over),
        "DENIED 0 Too many connections from your address: try again later\n",
      );
    }
    assert.equal(lines("Refused a TCP connection").length, 10, "10 lines in one second");
    assert.equal(
      text(lines("Refused a TCP connection")[0]!),
      "Refused a TCP connection from 127.0.0.1: 2 already open",
    );
    // A line over 4 KiB on a held connection: its closing counts against the same budget.
    await held[0]!.write(new Uint8Array(5000).fill(65));
    assert.match(await readUntilClosed(held.shift()!), /Line too long/);
    assert.equal(lines("Closing TCP connection").length, 0, "over the shared budget");
    // A second later, the next line comes after the count of those left out.
    nowMs += 1000;
    const next = await Deno.connect({ hostname: "127.0.0.1", port });
    await next.write(new Uint8Array(5000).fill(65));
    assert.match(await readUntilClosed(next), /Line too long/);
    const leftOut = lines("16 transport log lines were left out");
    assert.equal(leftOut.length, 1, "15 refusals and one closing left out");
    assert.equal(leftOut[0]!.level, "warning");
    assert.equal(lines("Closing TCP connection").length, 1);
  } finally {
    for (const connection of held) connection.close();
    await listener.close();
    await reset();
  }
});
