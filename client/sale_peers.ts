/**
 * Who may open a sale connection: only the server does (WINNER or SOLD, then INFORM_Req), so the
 * listener takes connections from the IPs of the `--server` nodes alone, resolved once at start,
 * plus those of `--sale-from` (a server that connects from another address than the one it is
 * reached at). Anyone else could ask this client for its card.
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Logger } from "./log.ts";

/** Resolves a host name to its addresses; `node:dns` lookup (getaddrinfo, /etc/hosts) by default. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

/** A server on this machine connects from these, whichever loopback address it was given. */
const LOOPBACK_SOURCES = ["127.0.0.1", "::1"];

/** The source IPs a sale connection may come from. */
export class SalePeers {
  readonly #addresses: ReadonlySet<string>;

  constructor(addresses: Iterable<string>) {
    this.#addresses = new Set([...addresses].map(canonicalIp));
  }

  /** Whether a connection from `ip` may be the server's. */
  allows(ip: string): boolean {
    return this.#addresses.has(canonicalIp(ip));
  }

  /** The allowed IPs, for the log. */
  get addresses(): string[] {
    return [...this.#addresses];
  }
}

/**
 * The IPs of `servers` (host names resolved now, once) and of `extra`. A node on this machine
 * (a loopback or unspecified address, or a name resolving to one) connects from 127.0.0.1 or
 * ::1. A name that does not resolve is logged and left out.
 */
export async function resolveSalePeers(
  servers: readonly { hostname: string }[],
  extra: readonly string[],
  options: { logger: Logger; resolve?: ResolveHost },
): Promise<SalePeers> {
  const resolve = options.resolve ?? resolveWithLookup;
  const addresses = new Set(extra.map(canonicalIp));
  for (const { hostname } of servers) {
    let found: string[];
    try {
      found = isIP(hostname) ? [hostname] : await resolve(hostname);
    } catch (error) {
      options.logger.warn("Cannot resolve a --server host: its sale connections will be refused", {
        hostname,
        error,
      });
      continue;
    }
    for (const address of found.map(canonicalIp)) {
      addresses.add(address);
      if (isLocal(address)) LOOPBACK_SOURCES.forEach((local) => addresses.add(local));
    }
  }
  return new SalePeers(addresses);
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`; IPv6 in lower case. */
export function canonicalIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}

function isLocal(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip === "0.0.0.0" || ip === "::";
}

async function resolveWithLookup(hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true });
  return found.map((entry) => entry.address);
}
