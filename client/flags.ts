/**
 * The client's command line: flags to {@linkcode ClientFlags}, with clear errors.
 * @module
 */

import { parseArgs } from "node:util";
import {
  type DurationUnit,
  parseIp,
  parsePassword,
  parseRole,
  parseUserName,
  ProtocolError,
  type Role,
} from "../protocol/mod.ts";
import type { LogLevel } from "./log.ts";
import { PAYMENT_DETAILS, type PaymentDetailSpec, type PaymentProfile } from "./payment.ts";
import { ProfileFileError, readProfileFile } from "./profile_file.ts";

/** Everything the client's flags set. */
export interface ClientFlags {
  /** The first node of --server: the auction house (passwords are kept per auction house). */
  serverHost: string;
  serverPort: number;
  /** Every node of --server, in order (the first is serverHost:serverPort). */
  servers: { hostname: string; port: number }[];
  /** More IPs the server's sale connections may come from (--sale-from), besides --server's. */
  saleFrom: string[];
  name?: string;
  role?: Role;
  password?: string;
  udpPort: number;
  tcpPort: number;
  /** The address to declare in REGISTER; undefined = find the one that reaches the server. */
  host?: string;
  json: boolean;
  profile: PaymentProfile;
  /**
   * The server's --inform-timeout as the user gave it, else the server's default: INFORM_Req
   * carries no deadline, so the client can only guess it from this.
   */
  informTimeoutSeconds: number;
  /** Whether --inform-timeout was given: the deadline shown is then the user's, not a guess. */
  informTimeoutGiven: boolean;
  /** The server's --duration-unit, to count down a bare LIST_ITEM duration. */
  durationUnit: DurationUnit;
  logLevel: LogLevel;
  help: boolean;
}

/** The server's default --inform-timeout, in seconds. */
export const DEFAULT_INFORM_TIMEOUT_SECONDS = 300;

/** The usage text of `deno task client --help`. */
export const CLIENT_USAGE = `Usage: deno task client [flags]
   or: deno run --allow-net --allow-env=XDG_CONFIG_HOME,HOME --allow-read=DIR --allow-write=DIR \\
         dist/auction-client.js [flags]
       where DIR is \${XDG_CONFIG_HOME:-$HOME/.config}/auction-client (kept passwords);
       without those permissions the client asks for a password

The auction client: an interactive shell on a terminal, JSON lines otherwise.

  --server HOST:PORT[,HOST:PORT...]
                          the server's UDP address (default 127.0.0.1:5000); several nodes
                          of one auction house: the client moves to the next when one does
                          not answer twice (the first names the auction house)
  --name NAME             your user name (the shell asks when missing)
  --role buyer|seller     your role at register (the shell asks at register when missing)
  --password PASSWORD     your password (default: one made up at register and kept in DIR)
  --udp-port PORT         local UDP port (default 0 = any free port)
  --tcp-port PORT         local TCP port for the sale exchange (default 0 = any free port)
  --host ADDRESS          the IP to declare at register (default: the local address that
                          reaches the server; 127.0.0.1 for a server on this machine)
  --sale-from IP[,IP...]  also take the sale's TCP connections from these addresses (a server
                          that connects from another address than --server's); by default
                          only --server's addresses (127.0.0.1 and ::1 for a local server)
  --json                  scripted mode: commands from stdin, JSON lines on stdout
                          (also the mode whenever stdin is not a terminal)
  --full-name NAME        payment profile: the name to send in INFORM_Res
  --card NUMBER           payment profile: card number (visible in ps; see --profile)
  --exp MM/YY             payment profile: card expiry
  --address TEXT          payment profile: shipping address
  --profile FILE          payment profile from a JSON file readable by you only (chmod 600):
                          {"fullName": ..., "card": ..., "exp": "MM/YY", "address": ...};
                          the flags above override it
  --inform-timeout SECS   the server's --inform-timeout, to show your payment deadline; without
                          it the shell says the deadline is the server's (300 s by default)
  --duration-unit UNIT    the server's --duration-unit (minutes or seconds, default minutes),
                          to count down your own listings with a bare duration
  --log-level LEVEL       debug, info, warning or error, on stderr (default warning)
  --help                  show this help

Type "help" in the shell for its commands; see docs/client.md.
`;

/** A flag that is unknown or has a bad value. */
export class UsageError extends RangeError {
  /**
   * Whether the usage helps: not for a --profile file that cannot be used, whose message says
   * what to do (40 lines of usage after it would bury it).
   */
  readonly showUsage: boolean;
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.name = "UsageError";
    this.showUsage = options.showUsage ?? true;
  }
}

/** Parses the client's flags. Throws {@linkcode UsageError}. */
export function parseClientFlags(args: string[]): ClientFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "server": { type: "string", default: "127.0.0.1:5000" },
        "name": { type: "string" },
        "role": { type: "string" },
        "password": { type: "string" },
        "udp-port": { type: "string", default: "0" },
        "tcp-port": { type: "string", default: "0" },
        "host": { type: "string" },
        "sale-from": { type: "string" },
        "json": { type: "boolean", default: false },
        "full-name": { type: "string" },
        "card": { type: "string" },
        "exp": { type: "string" },
        "address": { type: "string" },
        "profile": { type: "string" },
        "inform-timeout": { type: "string" },
        "duration-unit": { type: "string", default: "minutes" },
        "log-level": { type: "string", default: "warning" },
        "help": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const logLevel = values["log-level"];
  if (!["debug", "info", "warning", "error"].includes(logLevel)) {
    throw new UsageError(`--log-level must be debug, info, warning or error, not "${logLevel}"`);
  }
  const durationUnit = values["duration-unit"];
  if (!["minutes", "seconds"].includes(durationUnit)) {
    throw new UsageError(`--duration-unit must be minutes or seconds, not "${durationUnit}"`);
  }
  const servers = parseServerList(values.server);
  return {
    serverHost: servers[0]!.hostname,
    serverPort: servers[0]!.port,
    servers,
    saleFrom: (values["sale-from"] ?? "").split(",").map((ip) => ip.trim()).filter(Boolean)
      .map((ip) => checked("--sale-from", ip, parseIp)!),
    name: checked("--name", values.name, parseUserName),
    role: checked("--role", values.role, parseRole),
    password: checked("--password", values.password, parsePassword),
    udpPort: portFlag("udp-port", values["udp-port"]),
    tcpPort: portFlag("tcp-port", values["tcp-port"]),
    host: checked("--host", values.host, parseIp),
    json: values.json,
    profile: profileFlags(values),
    informTimeoutSeconds: portFlag(
      "inform-timeout",
      values["inform-timeout"] ?? String(DEFAULT_INFORM_TIMEOUT_SECONDS),
      1,
      86_400,
    ),
    informTimeoutGiven: values["inform-timeout"] !== undefined,
    durationUnit: durationUnit === "seconds" ? "s" : "m",
    logLevel: logLevel as LogLevel,
    help: values.help,
  };
}

/** A comma-separated list of {@linkcode parseServerAddress} addresses, at least one. */
export function parseServerList(text: string): { hostname: string; port: number }[] {
  return text.split(",").map((entry) => parseServerAddress(entry.trim()));
}

/** `host:port`, `[v6]:port`, or a bare host (port 5000). */
export function parseServerAddress(text: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]*))(?::(\d+))?$/.exec(text);
  const hostname = match?.[1] ?? match?.[2] ?? "";
  if (!match || hostname === "") {
    throw new UsageError(`--server must be HOST:PORT, not "${text}"`);
  }
  if (/^\d+$/.test(hostname)) {
    // A port alone: no host is all digits.
    throw new UsageError(
      `--server must be HOST:PORT, not "${text}" (a port on this machine: 127.0.0.1:${hostname})`,
    );
  }
  const port = match[3] ?? "5000";
  if (!(Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UsageError(`--server's port must be a whole number from 1 to 65535, not "${port}"`);
  }
  return { hostname, port: Number(port) };
}

/**
 * The payment profile from `--profile FILE` and its flags (see {@linkcode PAYMENT_DETAILS});
 * a flag given overrides the file.
 */
function profileFlags(values: Record<string, unknown>): PaymentProfile {
  const detail = <T>(spec: PaymentDetailSpec<T>) =>
    checked(`--${spec.flag}`, values[spec.flag] as string | undefined, spec.parse);
  let file: PaymentProfile = {};
  if (typeof values.profile === "string") {
    try {
      file = readProfileFile(values.profile);
    } catch (error) {
      if (error instanceof ProfileFileError) {
        throw new UsageError(error.message, { showUsage: false });
      }
      throw error;
    }
  }
  return {
    fullName: detail(PAYMENT_DETAILS.fullName) ?? file.fullName,
    card: detail(PAYMENT_DETAILS.card) ?? file.card,
    expiry: detail(PAYMENT_DETAILS.expiry) ?? file.expiry,
    address: detail(PAYMENT_DETAILS.address) ?? file.address,
  };
}

function checked<T>(
  flag: string,
  text: string | undefined,
  parse: (text: string, field: string) => T,
): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text, flag);
  } catch (error) {
    if (error instanceof ProtocolError) throw new UsageError(error.message);
    throw error;
  }
}

function portFlag(name: string, text: string, min = 0, max = 65535): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}
