import assert from "node:assert/strict";
import { SaleConnectionClosedError, SaleListener } from "../../client/tcp.ts";
import { createLogger } from "../../client/log.ts";
import { SalePeers } from "../../client/sale_peers.ts";
import type { Message } from "../../protocol/mod.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();

async function readAll(connection: Deno.TcpConn): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  while (true) {
    const count = await connection.read(buffer);
    if (count === null) return text;
    text += decoder.decode(buffer.subarray(0, count));
  }
}

/** Reads to the end, failing if the other side has not closed within `deadlineMs`. */
async function readAllWithin(connection: Deno.TcpConn, deadlineMs: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the other side did not close within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([readAll(connection), late]);
  } finally {
    clearTimeout(timer);
  }
}

function listen(
  onMessage: (message: Message, answer: (line: string) => Promise<void>) => void,
  idleTimeoutMs = 5000,
) {
  const warnings: string[] = [];
  const listener = new SaleListener({
    port: 0,
    peers: new SalePeers(["127.0.0.1"]),
    idleTimeoutMs,
    logger: createLogger("warning", (line) => warnings.push(line)),
  });
  listener.onMessage((message, _raw, connection) => onMessage(message, connection.answer));
  return { listener, warnings };
}

Deno.test("SaleListener answers on the connection a message came on", async () => {
  const received: string[] = [];
  const { listener } = listen((message, answer) => {
    received.push(message.type);
    if (message.type === "INFORM_Req") {
      answer(`INFORM_Res ${message.rq} Ann 4111111111111111 12/39 home`);
    }
  });
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  try {
    await connection.write(UTF8.encode("WINNER 4 Kite 25.00 jas\r\nINFORM_Req 5 Kite 25.00\n"));
    const buffer = new Uint8Array(256);
    const count = await connection.read(buffer);
    assert.equal(
      new TextDecoder().decode(buffer.subarray(0, count!)),
      "INFORM_Res 5 Ann 4111111111111111 12/39 home\n",
    );
    assert.deepEqual(received, ["WINNER", "INFORM_Req"]);
  } finally {
    connection.close();
    await listener.close();
  }
});

Deno.test("SaleListener closes its end after Shipping_Info, CANCEL, NON_OFFER and PAID", async (t) => {
  for (
    const line of [
      "Shipping_Info 9 Ann 1 Main St",
      "CANCEL 9 Card declined",
      "NON_OFFER 9 Kite",
      "PAID 9 Kite 40.50 1111",
    ]
  ) {
    await t.step(line.split(" ")[0]!, async () => {
      // The idle timeout is far off, so only the close after the message can end the read in
      // time; the read's deadline (20 s) is a third of it, generous for a slow machine.
      const { listener } = listen(() => {}, 60_000);
      const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
      try {
        await connection.write(UTF8.encode(`${line}\n`));
        assert.equal(await readAllWithin(connection, 20_000), "", "closed without a word");
      } finally {
        connection.close();
        await listener.close();
      }
    });
  }
});

Deno.test("SaleListener ignores lines that do not decode, or that the server does not send over TCP", async () => {
  const received: string[] = [];
  const { listener, warnings } = listen((message) => received.push(message.type));
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  try {
    await connection.write(
      UTF8.encode("HELLO 1\nBID_UPDATE 2 Kite 1.00 bob 3\nSOLD 3 Kite 25.00 scott"),
    );
    await connection.closeWrite();
    assert.equal(await readAll(connection), "");
    assert.deepEqual(received, ["SOLD"], "the last line counts without a newline");
    assert.equal(warnings.length, 2);
  } finally {
    connection.close();
    await listener.close();
  }
});

Deno.test("SaleListener times a quiet connection out on its injected timers", async () => {
  const timers = new FakeTimers();
  const listener = new SaleListener({
    port: 0,
    peers: new SalePeers(["127.0.0.1"]),
    idleTimeoutMs: 60_000,
    logger: createLogger("warning", () => {}),
    timers,
  });
  const received: string[] = [];
  listener.onMessage((message) => received.push(message.type));
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  try {
    await connection.write(UTF8.encode("WINNER 4 Kite 25.00 jas\n"));
    await waitUntil(() => received.length === 1, "the first line");
    // Past the first-line timeout: a connection that sent a line waits for the idle timeout.
    timers.advance(59_999);
    await connection.write(UTF8.encode("INFORM_Req 5 Kite 25.00\n"));
    await waitUntil(() => received.length === 2, "a line after 59.999 s");
    timers.advance(60_000);
    assert.equal(await readAllWithin(connection, 15_000), "");
  } finally {
    connection.close();
    await listener.close();
  }
});

Deno.test("SaleListener: an answer on a connection the server closed says so in its own error", async () => {
  let answer: ((line: string) => Promise<void>) | undefined;
  const { listener } = listen((message, answerHere) => {
    if (message.type === "INFORM_Req") answer = answerHere;
  });
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
  try {
    await connection.write(UTF8.encode("WINNER 4 Bell 25.00 jas\nINFORM_Req 5 Bell 25.00\n"));
    await waitUntil(() => answer !== undefined, "the INFORM_Req");
    // The server goes away while the person answers; the listener sees the end.
    connection.close();
    await listener.drain(5_000);
    await assert.rejects(
      () => answer!("INFORM_Res 5 Ann 4111111111111111 12/39 home"),
      SaleConnectionClosedError,
    );
  } finally {
    await listener.close();
  }
});
