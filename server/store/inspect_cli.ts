/**
 * The `inspect` subcommand: `deno task inspect --data-dir DIR [--verify]`.
 * @module
 */

import { parseArgs } from "node:util";
import { formatReport, inspectDataDir } from "./inspect.ts";
import { hidePassword } from "../pg/database_url.ts";
import { formatDatabaseReport, inspectDatabase } from "../pg/inspect_database.ts";

/** The usage text of `deno task inspect --help`. */
export const INSPECT_USAGE = `Usage: deno task inspect [--data-dir DIR] [--verify]
       deno task inspect:db [--database-url URL] [--verify]

Prints what a server's data folder (or PostgreSQL database) holds, without changing it.

  --data-dir DIR        the server's data folder (default ./data)
  --database-url URL    a PostgreSQL store instead (inspect:db also reads DATABASE_URL)
  --verify              check every journal record's CRC (or that the batches follow on), and
                        that replaying them from the previous snapshot gives the newest one
  --help                show this help
`;

/** Runs `inspect` with `args`; returns the exit code (1 if the data is bad, 2 for usage). */
export async function runInspect(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "data-dir": { type: "string", default: "./data" },
        "database-url": { type: "string" },
        "verify": { type: "boolean", default: false },
        "help": { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}\n\n${INSPECT_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(INSPECT_USAGE);
    return 0;
  }
  const databaseUrl = values["database-url"] ?? environmentDatabaseUrl();
  if (databaseUrl) {
    try {
      const report = await inspectDatabase(databaseUrl, { verify: values.verify });
      console.log(formatDatabaseReport(report));
      return report.verify && report.verify.problems.length > 0 ? 1 : 0;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      console.error(`error: ${hidePassword(text, databaseUrl)}`);
      return 1;
    }
  }
  try {
    const report = await inspectDataDir(values["data-dir"], { verify: values.verify });
    console.log(formatReport(report));
    return report.verify && report.verify.problems.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      console.error(
        `error: no data folder at "${values["data-dir"]}": give the server's --data-dir`,
      );
    } else console.error(`error: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

/** `DATABASE_URL` when the environment may be read (`inspect:db`), else nothing (`inspect`). */
function environmentDatabaseUrl(): string | undefined {
  const permission = Deno.permissions.querySync({ name: "env", variable: "DATABASE_URL" });
  return permission.state === "granted" ? Deno.env.get("DATABASE_URL") || undefined : undefined;
}
