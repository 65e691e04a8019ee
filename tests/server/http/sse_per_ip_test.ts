import assert from "node:assert/strict";
import { startServer } from "../../../server/server.ts";
import { SourcedConnection } from "../../_support/sourced_connection.ts";
import { waitUntil } from "../../_support/wait.ts";

/** Opens `/events` from `localAddress` and waits for the response's status line. */
async function openStream(
  localAddress: string,
  port: number,
): Promise<{ status: string; connection: SourcedConnection }> {
  const connection = await SourcedConnection.open(localAddress, port);
  connection.write("GET /events HTTP/1.1\r\nHost: board\r\nAccept: text/event-stream\r\n\r\n");
  const status = await connection.waitForLine(/^HTTP\/1\.1 \d+/);
  return { status, connection };
}

Deno.test("one address cannot take every /events place: past its cap it gets 429, another address is served", async () => {
  // The global cap is 4 here (1,000 by default): before the per-IP cap, 4 streams from one
  // address left a viewer from another address a 503.
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    httpPort: 0,
    dataDir: null,
    config: { maxEventStreamsPerIp: 3 },
    board: { maxClients: 4 },
  });
  const open: SourcedConnection[] = [];
  try {
    const port = server.http!.port;
    for (let i = 0; i < 3; i++) {
      const { status, connection } = await openStream("127.0.0.3", port);
      open.push(connection);
      assert.match(status, /^HTTP\/1\.1 200/, `stream ${i + 1} from 127.0.0.3`);
    }
    const over = await openStream("127.0.0.3", port);
    open.push(over.connection);
    assert.match(over.status, /^HTTP\/1\.1 429/, "the fourth from 127.0.0.3");
    const viewer = await openStream("127.0.0.4", port);
    open.push(viewer.connection);
    assert.match(viewer.status, /^HTTP\/1\.1 200/, "a viewer from another address is served");
    // A stream that ends gives its address's place back.
    await open.shift()!.close();
    await waitUntil(() => server.http!.board!.hub.clients === 3, "the closed stream forgotten");
    const again = await openStream("127.0.0.3", port);
    open.push(again.connection);
    assert.match(again.status, /^HTTP\/1\.1 200/, "127.0.0.3 again, under its cap");
  } finally {
    await Promise.all(open.map((connection) => connection.close()));
    await server.close();
  }
});
