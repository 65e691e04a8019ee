import assert from "node:assert/strict";
import { bindTransports, type BindTransportsOptions } from "../../../server/net/bind_transports.ts";
import { FakeClock } from "../../../server/clock.ts";
import { RateLimiter } from "../../../server/net/rate_limit.ts";

function options(ports: { udpPort: number; tcpPort: number }): BindTransportsOptions {
  return {
    hostname: "127.0.0.1",
    ...ports,
    clock: new FakeClock(),
    rateLimiter: new RateLimiter(0),
    maxTcpPerIp: 4,
    sessions: { hasSession: () => false },
  };
}

Deno.test("bindTransports() binds UDP and TCP on the address, picking free ports for 0", async () => {
  const { udp, tcp } = bindTransports(options({ udpPort: 0, tcpPort: 0 }));
  try {
    assert.equal(udp.address.hostname, "127.0.0.1");
    assert.equal(tcp.address.hostname, "127.0.0.1");
    assert.ok(udp.address.port > 0 && tcp.address.port > 0);
  } finally {
    await Promise.all([udp.close(), tcp.close()]);
  }
});

Deno.test("bindTransports() names a UDP port in use and the flag that picks another", () => {
  const taken = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () => bindTransports(options({ udpPort: port, tcpPort: 0 })),
      (error: unknown) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message.startsWith(`UDP port ${port} is in use (pick another with --udp-port)`),
    );
  } finally {
    taken.close();
  }
});

Deno.test("bindTransports() with the TCP port in use names it and leaves the UDP port free", () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tcpPort = taken.addr.port;
  const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const udpPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  try {
    assert.throws(
      () => bindTransports(options({ udpPort, tcpPort })),
      (error: unknown) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message.startsWith(`TCP port ${tcpPort} is in use (pick another with --tcp-port)`),
    );
    // The UDP socket bound first was closed again: its port can be had.
    const again = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: udpPort });
    again.close();
  } finally {
    taken.close();
  }
});
