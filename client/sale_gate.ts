/**
 * Admission on the sale port: a connection from an address that is not the server's is refused,
 * and those from the server's addresses are capped, in all and per IP, so that a flood cannot use
 * up the client's file descriptors. Refusals are logged within a budget: a flood writes a few
 * lines a minute, not one per connection.
 * @module
 */

import { type Logger, WindowedLogBudget } from "./log.ts";
import type { SalePeers } from "./sale_peers.ts";
import type { Timers } from "./timers.ts";

/** Sale connections held at once; the server opens one per sale in flight (64 by default). */
export const DEFAULT_MAX_SALE_CONNECTIONS = 64;
/** Sale connections held at once from one IP. */
export const DEFAULT_MAX_SALE_CONNECTIONS_PER_IP = 32;

/** Options of {@linkcode SaleGate}. */
export interface SaleGateOptions {
  peers: SalePeers;
  logger: Logger;
  timers: Timers;
  /** @default DEFAULT_MAX_SALE_CONNECTIONS */
  maxConnections?: number;
  /** @default DEFAULT_MAX_SALE_CONNECTIONS_PER_IP */
  maxPerIp?: number;
}

/** Decides which connections the sale listener serves, and counts those it holds. */
export class SaleGate {
  readonly #options: SaleGateOptions;
  readonly #perIp = new Map<string, number>();
  readonly #log: WindowedLogBudget;
  #held = 0;

  constructor(options: SaleGateOptions) {
    this.#options = options;
    this.#log = new WindowedLogBudget({ limit: 5, windowMs: 60_000, timers: options.timers });
  }

  /** Connections held now. */
  get held(): number {
    return this.#held;
  }

  /** Whether to serve a connection from `ip`; when it says yes, {@linkcode release} must follow. */
  admit(ip: string, peer: string): boolean {
    const maxConnections = this.#options.maxConnections ?? DEFAULT_MAX_SALE_CONNECTIONS;
    const maxPerIp = this.#options.maxPerIp ?? DEFAULT_MAX_SALE_CONNECTIONS_PER_IP;
    const fromIp = this.#perIp.get(ip) ?? 0;
    let reason: string | undefined;
    if (!this.#options.peers.allows(ip)) {
      reason = "not from the server's address (see --sale-from)";
    } else if (this.#held >= maxConnections) {
      reason = `already ${maxConnections} sale connections open`;
    } else if (fromIp >= maxPerIp) {
      reason = `already ${maxPerIp} sale connections open from this address`;
    }
    if (reason !== undefined) {
      this.refused(peer, reason);
      return false;
    }
    this.#held++;
    this.#perIp.set(ip, fromIp + 1);
    return true;
  }

  /** A connection {@linkcode admit} let in has closed. */
  release(ip: string): void {
    this.#held--;
    const fromIp = (this.#perIp.get(ip) ?? 1) - 1;
    if (fromIp > 0) this.#perIp.set(ip, fromIp);
    else this.#perIp.delete(ip);
  }

  /** Logs a refused or dropped connection, within the budget. */
  refused(peer: string, reason: string): void {
    this.#log.spend((suppressed) =>
      this.#options.logger.warn("Refused a sale connection", {
        peer,
        reason,
        ...(suppressed > 0 ? { notLoggedBefore: suppressed } : {}),
      })
    );
  }
}
