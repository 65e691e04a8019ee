import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { Dispatcher } from "../../../server/net/dispatcher.ts";
import { TransportLog, transportLogBudget } from "../../../server/net/transport_log.ts";
import { UdpTransport } from "../../../server/net/udp.ts";
import { FakeDatagramSocket } from "../../_support/fake_datagram_socket.ts";
import { waitUntil } from "../../_support/wait.ts";

/** Runs `test` with every `auction` log record kept in `records`. */
async function keepingLogs(test: (records: LogRecord[]) => Promise<void>): Promise<void> {
  const records: LogRecord[] = [];
  await configure({
    sinks: { keep: (record) => records.push(record) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      { category: ["auction"], lowestLevel: "debug", sinks: ["keep"] },
    ],
  });
  try {
    await test(records);
  } finally {
    await reset();
  }
}

/** The text of a record's message, its values filled in. */
function text(record: LogRecord): string {
  return record.message.map(String).join("");
}

Deno.test("the UDP transport drops datagrams from an unanswerable source, unanswered, and counts them", async () => {
  await keepingLogs(async (records) => {
    const socket = new FakeDatagramSocket();
    const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0, socket: socket.conn });
    const dispatched: string[] = [];
    const served = Promise.withResolvers<void>();
    const decoder = new TextDecoder();
    udp.serve({
      dispatch(bytes: Uint8Array, sender: { hostname: string; port: number }) {
        const line = decoder.decode(bytes);
        dispatched.push(`${line} from ${sender.hostname}:${sender.port}`);
        udp.send(sender, `PONG ${line.split(" ")[1]}`);
        if (line === "PING 5") served.resolve();
        return Promise.resolve();
      },
    } as unknown as Pick<Dispatcher, "dispatch">);
    try {
      socket.deliver("PING 1", "127.0.0.9", 0);
      socket.deliver("PING 2", "224.0.0.1", 5000);
      socket.deliver("PING 3", "255.255.255.255", 5000);
      socket.deliver("PING 4", "0.0.0.0", 5000);
      socket.deliver("PING 5", "127.0.0.1", 4000);
      await served.promise;
      assert.deepEqual(dispatched, ["PING 5 from 127.0.0.1:4000"], "only the answerable one");
      assert.deepEqual(socket.sent, [{ text: "PONG 5", hostname: "127.0.0.1", port: 4000 }]);
      assert.equal(udp.unanswerableDropped, 4);
      const dropped = records.filter((record) => text(record).startsWith("Dropped a datagram"));
      assert.deepEqual(dropped.map(text), [
        "Dropped a datagram from 127.0.0.9:0: source port 0",
        "Dropped a datagram from 224.0.0.1:5000: multicast source address",
        "Dropped a datagram from 255.255.255.255:5000: broadcast source address",
        "Dropped a datagram from 0.0.0.0:5000: unspecified source address",
      ]);
    } finally {
      await udp.close();
    }
  });
});

Deno.test("failed UDP sends are counted and logged within a budget, by their message, without a stack", async () => {
  await keepingLogs(async (records) => {
    let nowMs = 50_000;
    const log = new TransportLog(transportLogBudget(() => nowMs));
    const socket = new FakeDatagramSocket();
    socket.sendError = () => new Error("Invalid argument (os error 22)");
    const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0, socket: socket.conn, log });
    const to = { hostname: "127.0.0.1", port: 4000 };
    const failures = () => records.filter((record) => text(record).startsWith("Cannot send"));
    try {
      // Replies (each sent at once) and pushes (through the push queue) alike.
      for (let rq = 1; rq <= 20; rq++) udp.send(to, `PONG ${rq}`);
      for (let n = 1; n <= 5; n++) udp.push(to, `BID_UPDATE ${n} Kite 2.00 ann 60`, "BID_UPDATE");
      await waitUntil(() => udp.sendFailures === 25, "25 failed sends counted");
      assert.equal(failures().length, 10, "10 lines a second");
      for (const record of failures()) {
        assert.equal(record.level, "warning");
        assert.equal(
          text(record),
          "Cannot send a datagram to 127.0.0.1:4000: Error: Invalid argument (os error 22)",
        );
        assert.ok(
          Object.values(record.properties).every((value) => !(value instanceof Error)),
          "no error object: the text formatter would print its stack",
        );
      }
      assert.equal(udp.pushesWaiting, 0, "failed pushes give their place in the window back");
      nowMs += 1000;
      udp.send(to, "PONG 21");
      await waitUntil(() => udp.sendFailures === 26, "the 26th failed send counted");
      const leftOut = records.find((record) => text(record).includes("were left out"));
      assert.ok(leftOut, "the count of the lines left out is said");
      assert.equal(text(leftOut), "15 transport log lines were left out (more than 10 a second)");
      assert.equal(failures().length, 11);
    } finally {
      await udp.close();
    }
  });
});
