/**
 * The server's settings, with the defaults of the command line.
 * @module
 */

import type { DurationUnit } from "../protocol/mod.ts";

/** Settings of the auction rules and limits. */
export interface ServerConfig {
  /** Unit of a bare LIST_ITEM duration. @default "m" */
  durationUnit: DurationUnit;
  /** Seconds between AUCTION_ANNOUNCE rounds; 0 turns them off. @default 60 */
  announceIntervalSeconds: number;
  /** Seconds to wait for each INFORM_Res. @default 300 */
  informTimeoutSeconds: number;
  /**
   * Least time between two messages the server writes on one of its sale connections, so a
   * client that reads one message per `recv` gets them one at a time; 0 turns it off.
   * @default 250
   */
  tcpMessageGapMs: number;
  /** A bid in the last N seconds moves the end to now + N; 0 turns it off. @default 0 */
  softCloseSeconds: number;
  /** Datagrams per second accepted from one IP (burst of as many); 0 = unlimited. @default 0 */
  rateLimitPerSecond: number;
  /**
   * Most users that may be registered; 0 = unlimited. A provisional account gives its place to a
   * newcomer before anyone is refused. @default 100000
   */
  maxUsers: number;
  /**
   * Seconds after REGISTER at which an account that is still provisional (no request from its
   * address acted for it) is removed, freeing its name; 0 = accounts are never provisional.
   * @default 600
   */
  provisionalSeconds: number;
  /** Most provisional accounts; a new one removes the oldest; 0 = no cap. @default 10000 */
  maxProvisional: number;
  /**
   * Most provisional accounts registered from one IPv4 /24 or IPv6 /64; a new one removes that
   * network's oldest; 0 = no cap. @default 64
   */
  maxProvisionalPerNetwork: number;
  /** Most open auctions of one seller; 0 = no cap. @default 100 */
  maxListingsPerSeller: number;
  /** Most existing accounts registered from one IP; 0 = no cap. @default 64 */
  maxUsersPerIp: number;
  /** Most open auctions one buyer follows; 0 = no cap. @default 1000 */
  maxSubscriptionsPerUser: number;
  /** Most sale exchanges running at once (the rest wait, round-robin by IP); 0 = no cap. @default 64 */
  maxSalesInFlight: number;
  /**
   * Most connections on the server's TCP port at once, from all IPs (when full, the fullest IP
   * gives its longest idle one to a newcomer from an IP holding fewer). @default 128
   */
  maxTcp: number;
  /** Most connections from one IP on the server's TCP port; 0 = no cap. @default 16 */
  maxTcpPerIp: number;
  /** Most board event streams (`/events`) from one IP at once; 0 = no cap. @default 8 */
  maxEventStreamsPerIp: number;
  /** Smallest amount by which a bid must beat the current price, in cents. @default 1 */
  minIncrementCents: number;
  /**
   * Seconds a closed item and its finished sale stay in the live state before they move to the
   * archive file; 0 keeps them forever. @default 604800 (7 days)
   */
  retentionSeconds: number;
  /** REGISTER without a password is refused, and password-less accounts cannot act. @default false */
  requirePassword: boolean;
}

/** The defaults. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  durationUnit: "m",
  announceIntervalSeconds: 60,
  informTimeoutSeconds: 300,
  tcpMessageGapMs: 250,
  softCloseSeconds: 0,
  rateLimitPerSecond: 0,
  maxUsers: 100_000,
  provisionalSeconds: 600,
  maxProvisional: 10_000,
  maxProvisionalPerNetwork: 64,
  maxListingsPerSeller: 100,
  maxUsersPerIp: 64,
  maxSubscriptionsPerUser: 1000,
  maxSalesInFlight: 64,
  maxTcp: 128,
  maxTcpPerIp: 16,
  maxEventStreamsPerIp: 8,
  minIncrementCents: 1,
  retentionSeconds: 604_800,
  requirePassword: false,
};
