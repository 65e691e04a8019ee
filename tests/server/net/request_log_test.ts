import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { LogBudget } from "../../../server/net/request_log.ts";
import { startServerProcess } from "../../_support/server_process.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

Deno.test("LogBudget lets so many lines a second through and then says how many it left out", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { keep: (record) => records.push(record) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      { category: ["auction"], lowestLevel: "debug", sinks: ["keep"] },
    ],
  });
  try {
    let nowMs = 10_000;
    const budget = new LogBudget(3, { nowMs: () => nowMs });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => budget.allow()), [true, true, true, false, false]);
    assert.equal(budget.leftOut, 2);
    assert.equal(records.length, 0, "nothing said while over the budget");
    nowMs += 1000;
    assert.equal(budget.allow(), true, "a new second");
    assert.equal(records.length, 1);
    assert.equal(records[0]!.level, "warning");
    assert.deepEqual(records[0]!.properties, { count: 2, perSecond: 3 });
    assert.equal(budget.leftOut, 0);
    assert.equal(budget.allow(), true);
    assert.equal(records.length, 1, "said once");
  } finally {
    await reset();
  }
});

Deno.test("a flood of junk datagrams writes a bounded number of log lines", async () => {
  const server = await startServerProcess({ args: ["--log-level", "info"] });
  const peer = new UdpPeer({ port: server.udpPort });
  try {
    for (let i = 0; i < 3000; i++) await peer.send("");
    // The socket's buffer may have dropped a PING sent into the flood: ask until one is answered.
    let answered = false;
    for (let rq = 1; rq <= 10 && !answered; rq++) {
      answered = await peer.request(`PING ${rq}`, 1000).then(() => true, () => false);
    }
    assert.ok(answered, "the server answers after the flood");
    const lines = server.output().split("\n");
    const refused = lines.filter((line) => line.includes("Refused undecodable")).length;
    // At most 100 lines a second: a few seconds' worth, never one a datagram.
    assert.ok(refused > 0 && refused < 1500, `${refused} lines for 3,000 datagrams`);
    // The count of the lines left out comes with the next line logged in a later second: a PING
    // every 100 ms (at most 5 s) until it does.
    const leftOut = /request log lines were left out \(more than 100 a second\)/;
    for (let rq = 11; rq <= 60 && !leftOut.test(server.output()); rq++) {
      await peer.request(`PING ${rq}`, 1000).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(server.output(), leftOut);
  } finally {
    await peer.close();
    await server.stop();
  }
});
