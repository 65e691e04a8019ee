import assert from "node:assert/strict";
import { TcpListener } from "../../../server/net/tcp_listener.ts";
import { createHarness } from "../../_support/harness.ts";
import { SourcedConnection } from "../../_support/sourced_connection.ts";

/** Opens a connection from `ip` and waits until the server has answered a PING on it. */
async function served(ip: string, port: number, rq: number): Promise<SourcedConnection> {
  const connection = await SourcedConnection.open(ip, port);
  connection.write(`PING ${rq}\n`);
  await connection.waitForLine(/^(PONG|DENIED) /);
  assert.equal(connection.lines[0], `PONG ${rq}`, `${ip}'s connection ${rq} is served`);
  return connection;
}

Deno.test("TcpListener: 8 IPs holding all 128 places cannot keep another address out", async () => {
  const harness = await createHarness();
  // The defaults: 128 places, 16 per IP.
  const listener = new TcpListener({ hostname: "127.0.0.1", port: 0 });
  listener.serve(harness.dispatcher);
  const port = listener.address.port;
  const open: SourcedConnection[] = [];
  try {
    const attackers = Array.from({ length: 8 }, (_, index) => `127.0.0.${index + 1}`);
    for (const ip of attackers) {
      for (let index = 0; index < 16; index++) open.push(await served(ip, port, open.length));
    }
    // The oldest connection speaks again: the second is now the longest idle.
    const [first, second] = open;
    first!.write("PING 900\n");
    await first!.waitForLine(/^PONG 900/);

    // A newcomer from a ninth address is served...
    const honest = await SourcedConnection.open("127.0.0.9", port);
    open.push(honest);
    honest.write("PING 500\n");
    assert.equal(await honest.waitForLine(/^(PONG|DENIED) /), "PONG 500");
    // ...in the place of the longest idle connection of an IP holding the most: told, then closed.
    await second!.waitForEnd();
    assert.deepEqual(second!.lines, [
      "PONG 1",
      "DENIED 0 Too many connections from your address: closed for another address",
    ]);
    for (const other of open.filter((connection) => connection !== second)) {
      assert.equal(other.ended, false);
    }

    // The address that lost it cannot take it back: 15 against 16, it would hold the most again.
    const again = await SourcedConnection.open("127.0.0.1", port);
    open.push(again);
    await again.waitForEnd();
    assert.deepEqual(again.lines, ["DENIED 0 Too many connections: try again later"]);

    // A second newcomer address gets in too, and the first is still served.
    open.push(await served("127.0.0.10", port, 501));
    honest.write("PING 502\n");
    assert.equal(await honest.waitForLine(/^PONG 502/), "PONG 502");
  } finally {
    await Promise.all(open.map((connection) => connection.close()));
    await listener.close();
  }
});
