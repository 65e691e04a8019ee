/**
 * The client's own logger: one line per entry on stderr, with a level threshold. The client
 * keeps no logging dependency so that its bundle runs with network permissions only.
 * @module
 */

import { redactSecrets } from "../protocol/mod.ts";
import { terminalLine } from "./secrets.ts";
import type { Timers } from "./timers.ts";

/** Log levels, quietest last. */
export type LogLevel = "debug" | "info" | "warning" | "error";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

/** A logger that writes `level message key=value ...` lines. */
export interface Logger {
  debug(message: string, properties?: Record<string, unknown>): void;
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/** Where log lines go; stderr by default. */
export type LogSink = (line: string) => void;

const ENCODER = new TextEncoder();

/** Writes a line to stderr synchronously (so it never interleaves with stdout mid-line). */
export function stderrSink(line: string): void {
  Deno.stderr.writeSync(ENCODER.encode(`${line}\n`));
}

/** Creates a logger that drops entries below `threshold`. */
export function createLogger(threshold: LogLevel, sink: LogSink = stderrSink): Logger {
  const write = (level: LogLevel, message: string, properties?: Record<string, unknown>) => {
    if (RANK[level] < RANK[threshold]) return;
    // Each value alone first (a logged line keeps its REGISTER or INFORM_Res shape), then the
    // whole line: a card, password or key typed where it does not belong must not reach a log.
    const extras = Object.entries(properties ?? {})
      .map(([key, value]) => ` ${key}=${formatValue(value)}`)
      .join("");
    // A card typed where it does not belong (a mistyped command) must not reach a log, nor a
    // session key (a received REGISTERED line), nor a character that would act on a terminal.
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}${extras}`;
    sink(terminalLine(redactSecrets(line)));
  };
  return {
    debug: (message, properties) => write("debug", message, properties),
    info: (message, properties) => write("info", message, properties),
    warn: (message, properties) => write("warning", message, properties),
    error: (message, properties) => write("error", message, properties),
  };
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(redactSecrets(value.message));
  if (typeof value === "string") return JSON.stringify(redactSecrets(value));
  return String(value);
}

/**
 * At most `limit` log lines per `windowMs`; the rest are counted and told in one line later
 * (the sale listener's refusals and accept failures; the server's per-second budget is
 * `server/net/request_log.ts`'s, which the client cannot import).
 */
export class WindowedLogBudget {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #timers: Timers;
  #windowStartMs = -Infinity;
  #logged = 0;
  #suppressed = 0;

  constructor(options: { limit: number; windowMs: number; timers: Timers }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#timers = options.timers;
  }

  /**
   * Calls `write` when the budget allows; when a new window opens after lines were held back,
   * `write` first gets their count as `suppressed`.
   */
  spend(write: (suppressed: number) => void): void {
    const nowMs = this.#timers.nowMs();
    let suppressed = 0;
    if (nowMs - this.#windowStartMs >= this.#windowMs) {
      suppressed = this.#suppressed;
      this.#windowStartMs = nowMs;
      this.#logged = 0;
      this.#suppressed = 0;
    }
    if (this.#logged >= this.#limit) {
      this.#suppressed++;
      return;
    }
    this.#logged++;
    write(suppressed);
  }
}
