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
  reset,
} from "@logtape/logtape";
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
  const formatter = format === "json"
    ? jsonLinesFormatter
    : getTextFormatter({ timestamp: "date-time", value: inspectValue });
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
