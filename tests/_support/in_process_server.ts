/**
 * The real server in this process, on free loopback ports with no data folder, for socket tests
 * of its wiring; it is closed when the test ends, whatever happens.
 * @module
 */

import { type ServerHandle, startServer } from "../../server/server.ts";

/** Runs `test` against a server started for it, then closes the server. */
export async function withServer(test: (server: ServerHandle) => Promise<void>): Promise<void> {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: null,
  });
  try {
    await test(server);
  } finally {
    await server.close();
  }
}
