/**
 * The benchmark's baseline: a bare UDP echo server in Deno (`--port N`), which sends every
 * datagram back unchanged. Closed-loop clients against it measure the ceiling of UDP on
 * 127.0.0.1 through Deno on this machine, with no parsing, state or disk.
 * @module
 */

import { parseArgs } from "node:util";

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
  const socket = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: Number(values.port),
  });
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  try {
    for (;;) {
      const [bytes, address] = await socket.receive();
      socket.send(bytes, address).catch(() => {});
    }
  } catch {
    // The socket was closed: exit.
  }
}
