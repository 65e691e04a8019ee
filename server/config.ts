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
  /** A bid in the last N seconds moves the end to now + N; 0 turns it off. @default 0 */
  softCloseSeconds: number;
  /** Requests per second accepted from one address; 0 = unlimited. @default 0 */
  rateLimitPerSecond: number;
  /** Most users that may be registered; 0 = unlimited. @default 0 */
  maxUsers: number;
  /** Smallest amount by which a bid must beat the current price, in cents. @default 1 */
  minIncrementCents: number;
  /** REGISTER without a password is refused, and password-less accounts cannot act. @default false */
  requirePassword: boolean;
}

/** The defaults. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  durationUnit: "m",
  announceIntervalSeconds: 60,
  informTimeoutSeconds: 300,
  softCloseSeconds: 0,
  rateLimitPerSecond: 0,
  maxUsers: 0,
  minIncrementCents: 1,
  requirePassword: false,
};
