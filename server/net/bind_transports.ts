/**
 * Binds the server's two sockets on one address: UDP (requests, replies, pushes) and TCP (the
 * sale's connections). Both or neither: when the TCP port cannot be bound, the UDP socket is
 * closed again. A port in use is named, with the flag that picks another (`port_in_use.ts`).
 * Neither serves until it is given a handler.
 * @module
 */

import type { Clock } from "../clock.ts";
import { portInUse } from "./port_in_use.ts";
import type { RateLimiter } from "./rate_limit.ts";
import { ReplyBudget, type SessionView } from "./reply_budget.ts";
import { TcpListener } from "./tcp_listener.ts";
import { UdpTransport } from "./udp.ts";
import { TransportLog } from "./transport_log.ts";

/** Options of {@linkcode bindTransports}. */
export interface BindTransportsOptions {
  /** Address to bind. */
  hostname: string;
  /** UDP port; 0 picks a free one. @default 5000 */
  udpPort?: number;
  /** TCP port; 0 picks a free one. @default 5001 */
  tcpPort?: number;
  /** Time for the limits. */
  clock: Clock;
  /** `--rate-limit`, shared by both transports. */
  rateLimiter: RateLimiter;
  /** TCP connections all IPs may hold at once. @default 128 */
  maxTcp?: number;
  /** TCP connections one IP may hold at once. */
  maxTcpPerIp: number;
  /** Who has a session: the reply budget of UDP spares their IPs. */
  sessions: SessionView;
}

/** The two bound transports. */
export interface BoundTransports {
  udp: UdpTransport;
  tcp: TcpListener;
}

/** Binds UDP, then TCP; throws (with nothing left bound) when either port cannot be had. */
export function bindTransports(options: BindTransportsOptions): BoundTransports {
  const { hostname, clock, rateLimiter } = options;
  const udpPort = options.udpPort ?? 5000;
  const tcpPort = options.tcpPort ?? 5001;
  // One budget for both transports' per-datagram and per-connection lines.
  const log = new TransportLog();
  let udp: UdpTransport;
  try {
    udp = new UdpTransport({
      hostname,
      port: udpPort,
      clock,
      rateLimiter,
      replyBudget: new ReplyBudget(options.sessions),
      log,
    });
  } catch (error) {
    throw portInUse(error, "UDP", udpPort);
  }
  try {
    const tcp = new TcpListener({
      hostname,
      port: tcpPort,
      maxConnections: options.maxTcp,
      maxPerIp: options.maxTcpPerIp,
      rateLimiter,
      clock,
      log,
    });
    return { udp, tcp };
  } catch (error) {
    void udp.close();
    throw portInUse(error, "TCP", tcpPort);
  }
}
