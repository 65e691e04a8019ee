/**
 * The server's command line: flags to {@linkcode ServerFlags}, with clear errors.
 * @module
 */

import { parseArgs } from "node:util";
import type { ServerConfig } from "./config.ts";

/** Log levels the command line accepts. */
export type LogLevel = "debug" | "info" | "warning" | "error";

/** Everything the server's flags set. */
export interface ServerFlags {
  /** `--host`: the address to bind. */
  hostname: string;
  /** `--udp-port`: 0 picks a free port. */
  udpPort: number;
  /** `--tcp-port`: 0 picks a free port. */
  tcpPort: number;
  /** `--http-port`: the board's port (0 picks a free one); `null` with `--no-http`. */
  httpPort: number | null;
  /** `--data-dir`: the folder of the snapshot and journal. */
  dataDir: string;
  /** `--database-url`: keep the state in this PostgreSQL database instead of `dataDir`. */
  databaseUrl: string | undefined;
  /** `--node`: this server's name in the database. */
  node: string;
  /** `--writer-stale-after`: a writer silent this long has its session ended by a standby. */
  writerStaleAfterSeconds: number;
  /** The auction rules the flags set (duration unit, intervals, limits). */
  config: ServerConfig;
  /** `--log-level`. */
  logLevel: LogLevel;
  /** `--log-format`. */
  logFormat: "text" | "json";
  /** False with `--no-group-commit`: each request's records are synced alone. */
  groupCommit: boolean;
  /** `--sync-poll-us`: how long the journal's sync helper polls for the next sync (0 = none). */
  syncPollUs: number;
  /** `--snapshot-events`: journaled events between snapshots. */
  snapshotEveryEvents: number;
  /** `--help`: print the usage and exit. */
  help: boolean;
}

/** The usage text of `deno task server --help`. */
export const SERVER_USAGE = `Usage: deno task server [flags]

Runs the auction server: requests over UDP, sale exchanges over TCP.

  --host ADDRESS            address to bind (default 0.0.0.0)
  --udp-port PORT           UDP port for requests (default 5000; 0 = any free port)
  --tcp-port PORT           TCP port (default 5001; 0 = any free port)
  --http-port PORT          HTTP port of the board, metrics and health checks (default 8080;
                            0 = any free port); a port that cannot be bound is only a warning;
                            public: behind a reverse proxy (no header timeout, /metrics open)
  --no-http                 serve no HTTP at all
  --data-dir DIR            folder for the snapshot and journal (default ./data)
  --database-url URL        keep the state in PostgreSQL instead: postgres://USER:PASS@HOST:PORT/DB
                            (or the DATABASE_URL environment variable, which keeps the password
                            out of the process list); the password is never logged
  --node NAME               this server's name in the database, unique per node (default node1)
  --writer-stale-after SECS a standby ends the writer's database session and takes over once the
                            writer's heartbeat (every second) is SECS old by the database's clock:
                            a frozen writer (default 10; 2 to 3600)
  --duration-unit UNIT      unit of a bare LIST_ITEM duration: minutes or seconds (default minutes)
  --announce-interval SECS  AUCTION_ANNOUNCE to subscribers every SECS seconds (default 60; 0 = off)
  --inform-timeout SECS     how long to wait for each INFORM_Res (default 300)
  --tcp-message-gap-ms MS   pause between two messages the server sends on one sale connection
                            (default 250; 0 = off)
  --soft-close SECS         anti-sniping: a bid in the last SECS seconds extends the end to
                            now + SECS (default 0 = off)
  --min-increment PRICE     a bid must beat the current price by at least this (default 0.01)
  --rate-limit N            datagrams per second accepted from one IP, every port and
                            undecodable ones counted, burst of N (default 0 = off)
  --max-users N             most registered users (default 100000; 0 = no limit); provisional
                            accounts give their place to a newcomer before anyone is refused
  --provisional-seconds SECS
                            an account whose address has not acted for it since REGISTER
                            (provisional) is removed SECS seconds after registering, freeing its
                            name (default 600; 0 = accounts are never provisional)
  --max-provisional N       most provisional accounts; a new one removes the oldest (default
                            10000; 0 = no cap)
  --max-provisional-per-net N
                            most provisional accounts registered from one IPv4 /24 or IPv6 /64;
                            a new one removes that network's oldest (default 64; 0 = no cap)
  --max-listings-per-seller N
                            most open auctions of one seller (default 100; 0 = no cap)
  --max-users-per-ip N      most existing accounts registered from one IP (default 64; 0 = no cap)
  --max-subscriptions-per-user N
                            most open auctions one buyer follows (default 1000; 0 = no cap)
  --max-sales-in-flight N   most sale exchanges at once; the rest wait, round-robin by the
                            parties' IP (default 64; 0 = no cap)
  --max-tcp N               most connections on the TCP port at once, from all IPs; when full, the
                            IP holding the most gives its longest idle one to a newcomer from
                            an IP holding fewer (default 128, at least 1)
  --max-tcp-per-ip N        most connections from one IP on the TCP port (default 16; 0 = no cap)
  --max-events-per-ip N     most live-board event streams (/events) from one IP (default 8;
                            0 = no cap: behind a reverse proxy every viewer has its address)
  --retention SECS          closed auctions whose sale is finished leave the live state SECS
                            seconds later, for archive.jsonl in the data folder (default 604800
                            = 7 days; 0 = keep them)
  --require-password        refuse REGISTER without a password; accounts without one cannot act
                            (default off: the original report's clients register without one)
  --no-group-commit         fsync each request's journal records alone (for benchmarks)
  --snapshot-events N       write a snapshot after N journaled events (default 10000)
  --sync-poll-us US         a client alone waiting for its reply has its fdatasync done by a
                            helper thread that then polls up to US microseconds for the next one
                            instead of sleeping: lower latency for some CPU (default 500; 0 = off,
                            the event loop's thread syncs itself)
  --log-level LEVEL         debug, info, warning or error (default info)
  --log-format FORMAT       text or json (default text)
  --help                    show this help
`;

/** A flag that is unknown or has a bad value. */
export class UsageError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses the server's flags. Throws {@linkcode UsageError}. */
export function parseServerFlags(args: string[]): ServerFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "host": { type: "string", default: "0.0.0.0" },
        "udp-port": { type: "string", default: "5000" },
        "tcp-port": { type: "string", default: "5001" },
        "http-port": { type: "string", default: "8080" },
        "no-http": { type: "boolean", default: false },
        "data-dir": { type: "string", default: "./data" },
        "database-url": { type: "string" },
        "node": { type: "string", default: "node1" },
        "writer-stale-after": { type: "string", default: "10" },
        "duration-unit": { type: "string", default: "minutes" },
        "announce-interval": { type: "string", default: "60" },
        "inform-timeout": { type: "string", default: "300" },
        "tcp-message-gap-ms": { type: "string", default: "250" },
        "soft-close": { type: "string", default: "0" },
        "min-increment": { type: "string", default: "0.01" },
        "rate-limit": { type: "string", default: "0" },
        "max-users": { type: "string", default: "100000" },
        "provisional-seconds": { type: "string", default: "600" },
        "max-provisional": { type: "string", default: "10000" },
        "max-provisional-per-net": { type: "string", default: "64" },
        "max-listings-per-seller": { type: "string", default: "100" },
        "max-users-per-ip": { type: "string", default: "64" },
        "max-subscriptions-per-user": { type: "string", default: "1000" },
        "max-sales-in-flight": { type: "string", default: "64" },
        "max-tcp": { type: "string", default: "128" },
        "max-tcp-per-ip": { type: "string", default: "16" },
        "max-events-per-ip": { type: "string", default: "8" },
        "log-level": { type: "string", default: "info" },
        "log-format": { type: "string", default: "text" },
        "no-group-commit": { type: "boolean", default: false },
        "require-password": { type: "boolean", default: false },
        "retention": { type: "string", default: "604800" },
        "snapshot-events": { type: "string", default: "10000" },
        "sync-poll-us": { type: "string", default: "500" },
        "help": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const unit = values["duration-unit"];
  if (!["minutes", "seconds", "m", "s"].includes(unit)) {
    throw new UsageError(`--duration-unit must be minutes or seconds, not "${unit}"`);
  }
  const logLevel = values["log-level"];
  if (!["debug", "info", "warning", "error"].includes(logLevel)) {
    throw new UsageError(`--log-level must be debug, info, warning or error, not "${logLevel}"`);
  }
  const logFormat = values["log-format"];
  if (logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format must be text or json, not "${logFormat}"`);
  }
  const node = values.node;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(node)) {
    throw new UsageError(`--node must be 1 to 64 letters, digits, "_", "." or "-", not "${node}"`);
  }
  const increment = values["min-increment"];
  if (!/^\d+(\.\d{1,2})?$/.test(increment) || Number(increment) <= 0) {
    throw new UsageError(`--min-increment must be a price above 0, not "${increment}"`);
  }
  if (values["data-dir"] === "") throw new UsageError("--data-dir needs a folder");
  return {
    hostname: values.host,
    udpPort: integerFlag("udp-port", values["udp-port"], { max: 65535 }),
    tcpPort: integerFlag("tcp-port", values["tcp-port"], { max: 65535 }),
    httpPort: values["no-http"]
      ? null
      : integerFlag("http-port", values["http-port"], { max: 65535 }),
    dataDir: values["data-dir"],
    databaseUrl: values["database-url"],
    node,
    // Two beats at least: a shorter bound would end a writer that beats on time.
    writerStaleAfterSeconds: integerFlag("writer-stale-after", values["writer-stale-after"], {
      min: 2,
      max: 3600,
    }),
    config: {
      durationUnit: unit.startsWith("s") ? "s" : "m",
      announceIntervalSeconds: integerFlag("announce-interval", values["announce-interval"]),
      informTimeoutSeconds: integerFlag("inform-timeout", values["inform-timeout"], { min: 1 }),
      tcpMessageGapMs: integerFlag("tcp-message-gap-ms", values["tcp-message-gap-ms"], {
        max: 60_000,
      }),
      softCloseSeconds: integerFlag("soft-close", values["soft-close"]),
      rateLimitPerSecond: integerFlag("rate-limit", values["rate-limit"]),
      maxUsers: integerFlag("max-users", values["max-users"]),
      provisionalSeconds: integerFlag("provisional-seconds", values["provisional-seconds"]),
      maxProvisional: integerFlag("max-provisional", values["max-provisional"]),
      maxProvisionalPerNetwork: integerFlag(
        "max-provisional-per-net",
        values["max-provisional-per-net"],
      ),
      maxListingsPerSeller: integerFlag(
        "max-listings-per-seller",
        values["max-listings-per-seller"],
      ),
      maxUsersPerIp: integerFlag("max-users-per-ip", values["max-users-per-ip"]),
      maxSubscriptionsPerUser: integerFlag(
        "max-subscriptions-per-user",
        values["max-subscriptions-per-user"],
      ),
      maxSalesInFlight: integerFlag("max-sales-in-flight", values["max-sales-in-flight"]),
      maxTcp: integerFlag("max-tcp", values["max-tcp"], { min: 1 }),
      maxTcpPerIp: integerFlag("max-tcp-per-ip", values["max-tcp-per-ip"]),
      maxEventStreamsPerIp: integerFlag("max-events-per-ip", values["max-events-per-ip"]),
      minIncrementCents: Math.round(Number(increment) * 100),
      retentionSeconds: integerFlag("retention", values.retention),
      requirePassword: values["require-password"],
    },
    logLevel: logLevel as LogLevel,
    logFormat,
    groupCommit: !values["no-group-commit"],
    snapshotEveryEvents: integerFlag("snapshot-events", values["snapshot-events"], { min: 1 }),
    syncPollUs: integerFlag("sync-poll-us", values["sync-poll-us"], { max: 100_000 }),
    help: values.help,
  };
}

/** The whole number `text` of flag `--name`, within `range` (0 to 1e9 unless narrowed). */
function integerFlag(
  name: string,
  text: string,
  range: { min?: number; max?: number } = {},
): number {
  const { min = 0, max = 1_000_000_000 } = range;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}
