/**
 * Logging set-up, done once by the entry point: LogTape to stderr, as text or JSON lines.
 * @module
 */

import {
  configure,
  getTextFormatter,
  jsonLinesFormatter,
  type LogLevel as LogTapeLevel,
  type LogRecord,
} from "@logtape/logtape";

const UTF8 = new TextEncoder();

/** Configures the `auction` loggers at `level`, writing to stderr. */
export async function setUpLogging(
  level: "debug" | "info" | "warning" | "error",
  format: "text" | "json" = "text",
): Promise<void> {
  const formatter = format === "json"
    ? jsonLinesFormatter
    : getTextFormatter({ timestamp: "date-time" });
  await configure({
    reset: true,
    sinks: {
      stderr: (record: LogRecord) => {
        Deno.stderr.writeSync(UTF8.encode(formatter(record)));
      },
    },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
      { category: ["auction"], lowestLevel: level as LogTapeLevel, sinks: ["stderr"] },
    ],
  });
}
