/**
 * Whether a command's log call at a level would be written. LogTape builds a whole record (a copy
 * of its properties, the category, the time) before its loggers look at the level, a few
 * microseconds per call: on the bid path that was the largest single cost of the project's own
 * JavaScript with the level off. Commands cannot ask `server/logging.ts` (imports point down),
 * so this reads LogTape's configuration itself.
 * @module
 */

import { compareLogLevel, getConfig, type LogLevel } from "@logtape/logtape";

/**
 * Whether a record at `level` in `category` passes the level of some configured logger whose
 * category is a prefix of it; `true` when LogTape is not configured (it then decides alone).
 */
export function logLevelOn(category: readonly string[], level: LogLevel): boolean {
  const config = getConfig();
  if (!config) return true;
  for (const logger of config.loggers) {
    const prefix = typeof logger.category === "string" ? [logger.category] : logger.category;
    if (!prefix.every((part, index) => category[index] === part)) continue;
    const lowest = logger.lowestLevel;
    if (lowest === undefined || lowest === null || compareLogLevel(level, lowest) >= 0) return true;
  }
  return false;
}
