/**
 * The client's entry point: `deno task client [flags]`, or the bundle
 * `deno run --allow-net <password folder permissions> dist/auction-client.js [flags]` (see
 * docs/client.md). A terminal on stdin gets the shell; anything else (or `--json`) gets the
 * scripted mode.
 * @module
 */

import { CLIENT_USAGE, parseClientFlags, UsageError } from "./flags.ts";
import { createLogger } from "./log.ts";
import { EXIT, JsonOutput, readLines, runScript } from "./script.ts";
import { jsonLine } from "./secrets.ts";
import { AuctionClient } from "./session.ts";
import { Shell } from "./shell.ts";
import { systemTerminal } from "./terminal.ts";

const ENCODER = new TextEncoder();

/** Runs the client with `args`; resolves to the exit code. */
export async function runClient(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseClientFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}${error.showUsage ? `\n\n${CLIENT_USAGE}` : ""}`);
    return EXIT.usage;
  }
  if (flags.help) {
    console.log(CLIENT_USAGE);
    return EXIT.ok;
  }
  const interactive = !flags.json && Deno.stdin.isTerminal();
  if (!interactive) {
    const logger = createLogger(flags.logLevel);
    const output = new JsonOutput((record) => {
      Deno.stdout.writeSync(ENCODER.encode(`${jsonLine(record)}\n`));
    });
    let client;
    try {
      client = await AuctionClient.start(flags, output, logger);
    } catch (error) {
      logger.error("Cannot start the client", { error });
      return EXIT.usage;
    }
    try {
      client.watchServer();
      return await runScript(client, output, readLines(Deno.stdin.readable));
    } finally {
      await client.close();
    }
  }
  const shell = new Shell(systemTerminal);
  // Log lines on the shell's terminal are drawn above the prompt, like pushes, not through it.
  const logger = createLogger(
    flags.logLevel,
    Deno.stderr.isTerminal() ? (line) => shell.print(line) : undefined,
  );
  const identity = await shell.askIdentity({ name: flags.name });
  if (identity === undefined) return EXIT.ok;
  let client;
  try {
    client = await AuctionClient.start({ ...flags, ...identity }, shell, logger);
  } catch (error) {
    shell.print(`Cannot start the client: ${(error as Error).message}`);
    return EXIT.usage;
  }
  try {
    client.watchServer();
    await shell.run(client);
    await client.drain(5000);
  } finally {
    await client.close();
  }
  return EXIT.ok;
}

if (import.meta.main) {
  Deno.exit(await runClient(Deno.args));
}
