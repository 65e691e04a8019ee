/**
 * The `inspect` subcommand: `deno task inspect --data-dir DIR [--verify]`.
 * @module
 */

import { parseArgs } from "node:util";
import { formatReport, inspectDataDir } from "./inspect.ts";

/** The usage text of `deno task inspect --help`. */
export const INSPECT_USAGE = `Usage: deno task inspect [--data-dir DIR] [--verify]

Prints what a server's data folder holds, without changing it.

  --data-dir DIR  the server's data folder (default ./data)
  --verify        check every journal record's CRC, and that replaying the journal from the
                  previous snapshot gives the newest snapshot's state
  --help          show this help
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
