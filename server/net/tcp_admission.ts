/**
 * Who gets a place on the server's TCP port. Under the caps, everyone; over the per-IP cap, no
 * one from that IP; when the port is full, a newcomer from an IP holding at least two fewer
 * connections than the IP holding the most takes the place of that IP's longest idle connection.
 * So a few IPs that fill the port (8 IPs x 16 connections = 128) cannot keep another address
 * out. Pure: the listener owns the sockets and asks this module.
 * @module
 */

/** A connection held on the port, as admission sees it. */
export interface HeldConnection {
  /** Its remote IP. */
  readonly ip: string;
  /** When it last completed a line, or was accepted if it has not yet (ms). */
  readonly lastActiveMs: number;
}

/** The caps of the port. */
export interface AdmissionLimits {
  /** Most connections at once. */
  maxConnections: number;
  /** Most connections at once from one IP; 0 = no cap. */
  maxPerIp: number;
}

/** What to do with a newcomer: serve it (maybe in the place of `evict`), or refuse it. */
export type Admission<T extends HeldConnection> =
  | { readonly verdict: "accept"; readonly evict?: T }
  | { readonly verdict: "refuse"; readonly reason: "address" | "full" };

/**
 * Whether a connection from `ip` may be served, given the connections `held` now.
 *
 * When the port is full, the IP holding the most connections gives up its longest idle one,
 * but only if the newcomer's IP, with the newcomer, still holds fewer than that IP keeps
 * (`own + 1 < heaviest`). Shares thus move toward equal and never swap back and forth: the IP
 * that lost a place cannot take it back, since it now holds at most as many as the newcomer's
 * IP plus one. An IP's only connection is never taken. Between IPs tied for the most, the one
 * whose longest idle connection has been idle longest gives; between connections idle equally
 * long, the one first in `held` (the listener keeps them oldest first).
 */
export function admitConnection<T extends HeldConnection>(
  ip: string,
  held: Iterable<T>,
  limits: AdmissionLimits,
): Admission<T> {
  const byIp = new Map<string, T[]>();
  let total = 0;
  for (const connection of held) {
    total++;
    const list = byIp.get(connection.ip);
    if (list) list.push(connection);
    else byIp.set(connection.ip, [connection]);
  }
  const own = byIp.get(ip)?.length ?? 0;
  if (limits.maxPerIp > 0 && own >= limits.maxPerIp) {
    return { verdict: "refuse", reason: "address" };
  }
  if (total < limits.maxConnections) return { verdict: "accept" };
  let heaviest: { count: number; idlest: T } | undefined;
  for (const [other, connections] of byIp) {
    if (other === ip) continue;
    const idlest = longestIdle(connections);
    if (
      !heaviest || connections.length > heaviest.count ||
      (connections.length === heaviest.count && idlest.lastActiveMs < heaviest.idlest.lastActiveMs)
    ) {
      heaviest = { count: connections.length, idlest };
    }
  }
  if (!heaviest || own + 1 >= heaviest.count) return { verdict: "refuse", reason: "full" };
  return { verdict: "accept", evict: heaviest.idlest };
}

/** The connection of `connections` (not empty) that has been idle longest; the first on a tie. */
function longestIdle<T extends HeldConnection>(connections: readonly T[]): T {
  let idlest = connections[0]!;
  for (const connection of connections) {
    if (connection.lastActiveMs < idlest.lastActiveMs) idlest = connection;
  }
  return idlest;
}
