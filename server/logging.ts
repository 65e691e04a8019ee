/**
 * Logging set-up, done once by the entry point: LogTape to stderr, as text or JSON lines,
 * through a buffered sink (`log_sink.ts`); and {@linkcode logEnabled}, so hot paths skip
 * building records nobody will see.
 * @module
 */

import {
  configure,
  getTextFormatter,
  jsonLinesFormatter,
  type LogLevel as LogTapeLevel,
  type LogRecord,
  reset,
  type TextFormatter,
} from "@logtape/logtape";
import { redactSecrets } from "../protocol/redact.ts";
import { type BufferedSink, bufferedSink, inspectValue, writeStderr } from "./log_sink.ts";

/** The levels the server logs at, lowest first. */
const LEVELS = ["debug", "info", "warning", "error"] as const;
type Level = typeof LEVELS[number];

/** The lowest level setUpLogging configured; `null` when it was not called (LogTape decides). */
let lowestLevel: Level | null = null;
let sink: BufferedSink | null = null;

/** Configures the `auction` loggers at `level`, writing to stderr. */
export async function setUpLogging(
  level: Level,
  format: "text" | "json" = "text",
): Promise<void> {
  const formatter = redacting(
    format === "json"
      ? jsonLinesFormatter
      : getTextFormatter({ timestamp: "date-time", value: inspectValue }),
  );
  sink?.flush();
  sink = bufferedSink(formatter, writeStderr);
  await configure({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
      { category: ["auction"], lowestLevel: level as LogTapeLevel, sinks: ["stderr"] },
    ],
  });
  lowestLevel = level;
  globalThis.addEventListener("unload", flushLogs);
}

/** Writes what is buffered and undoes {@linkcode setUpLogging} (for tests). */
export async function tearDownLogging(): Promise<void> {
  flushLogs();
  globalThis.removeEventListener("unload", flushLogs);
  await reset();
  sink = null;
  lowestLevel = null;
}

/** Writes buffered log lines now (before the process exits). */
export function flushLogs(): void {
  sink?.flush();
}

/**
 * Whether an `auction` record at `level` would be written. Guard costly log calls on hot paths
 * with it: LogTape builds a record even for a level that is off. True when logging was not set
 * up here, so that LogTape's own configuration decides.
 */
export function logEnabled(level: Level): boolean {
  return lowestLevel === null || LEVELS.indexOf(level) >= LEVELS.indexOf(lowestLevel);
}

/**
 * `formatter` with every string value and error message of a record passed through the one
 * redaction rule (`protocol/redact.ts`) first: a safety net under the call sites that redact
 * wire lines themselves, so no card, expiry, password or session key reaches the log from a
 * value nobody thought of.
 */
export function redacting(formatter: TextFormatter): TextFormatter {
  return (record: LogRecord) =>
    formatter({
      ...record,
      message: record.message.map((part, index) => (index % 2 === 1 ? redactValue(part) : part)),
      properties: Object.fromEntries(
        Object.entries(record.properties).map(([key, value]) => [key, redactValue(value)]),
      ),
    });
}

function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value instanceof Error) {
    const copy = new Error(redactSecrets(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactSecrets(value.stack);
    return copy;
  }
  return value;
}
