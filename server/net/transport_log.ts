/**
 * The log lines the transports write per datagram or per connection, not per request: the UDP
 * datagrams dropped for a source that cannot be answered, the UDP sends that failed, and the TCP
 * port's refusals, evictions and closings. An attacker decides how often each happens (a datagram
 * forged from source port 0, a loop of connections over the per-IP cap), so they share one
 * {@linkcode LogBudget}: at most so many a second, the count of those left out said with the
 * next that fits. A failure is logged by its message, never its stack.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { logEnabled } from "../logging.ts";
import { LogBudget } from "./request_log.ts";

const udpLogger = getLogger(["auction", "udp"]);
const tcpLogger = getLogger(["auction", "tcp"]);

/** Transport log lines a second, by default, UDP and TCP together. */
export const TRANSPORT_LOG_LINES_PER_SECOND = 10;

/** The budget the transports' lines share: {@linkcode TRANSPORT_LOG_LINES_PER_SECOND} a second. */
export function transportLogBudget(nowMs?: () => number): LogBudget {
  return new LogBudget(TRANSPORT_LOG_LINES_PER_SECOND, {
    nowMs,
    lines: "transport log lines",
    logger: getLogger(["auction", "net"]),
  });
}

/** The transports' per-datagram and per-connection lines, within one {@linkcode LogBudget}. */
export class TransportLog {
  readonly #budget: LogBudget;

  constructor(budget: LogBudget = transportLogBudget()) {
    this.#budget = budget;
  }

  /** A datagram from `peer` was dropped unread: its source cannot be answered (`reason`). */
  unanswerable(peer: string, reason: string): void {
    if (!this.#writes("info")) return;
    udpLogger.info("Dropped a datagram from {peer}: {reason}", { peer, reason });
  }

  /** A datagram to `peer` could not be sent. */
  sendFailed(peer: string, error: unknown): void {
    if (!this.#writes("warning")) return;
    udpLogger.warn("Cannot send a datagram to {peer}: {reason}", { peer, reason: reason(error) });
  }

  /** A connection from `ip` was refused: the IP holds `count`, its cap. */
  tcpRefused(ip: string, count: number): void {
    if (!this.#writes("info")) return;
    tcpLogger.info("Refused a TCP connection from {ip}: {count} already open", { ip, count });
  }

  /** The port was full: a connection from `evicted` gave its place to one from `ip`. */
  tcpEvicted(evicted: string, ip: string): void {
    if (!this.#writes("info")) return;
    tcpLogger.info("TCP port full: closed a connection from {evicted} for one from {ip}", {
      evicted,
      ip,
    });
  }

  /** A connection from `peer` is closed for `reason` (a line over 4 KiB, a failed read). */
  tcpClosing(peer: string, reason: string): void {
    if (!this.#writes("info")) return;
    tcpLogger.info("Closing TCP connection from {peer}: {reason}", { peer, reason });
  }

  #writes(level: "info" | "warning"): boolean {
    return logEnabled(level) && this.#budget.allow();
  }
}

/** A failure's name and message, without its stack. */
function reason(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
