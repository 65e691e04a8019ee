/**
 * The server's entry point: `deno task server [flags]`. Parses flags, sets up logging, starts
 * the server, and stops it cleanly on SIGINT or SIGTERM.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { runInspect } from "./server/store/inspect_cli.ts";
import { DataDirError } from "./server/store/data_dir.ts";
import { parseServerFlags, SERVER_USAGE, UsageError } from "./server/flags.ts";
import { setUpLogging } from "./server/logging.ts";
import { startServer } from "./server/mod.ts";
import { testCrashHook } from "./server/crash_hook.ts";
import { hidePassword, redactDatabaseUrl } from "./server/pg/database_url.ts";
import { DatabaseBusyError, PostgresStore } from "./server/pg/postgres_store.ts";

const logger = getLogger(["auction", "main"]);

async function runServer(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseServerFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\n\n${SERVER_USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(SERVER_USAGE);
    return 0;
  }
  await setUpLogging(flags.logLevel, flags.logFormat);
  const stopped = Promise.withResolvers<number>();
  // From the environment, the password stays out of the process list.
  const databaseUrl = flags.databaseUrl ?? (Deno.env.get("DATABASE_URL") || undefined);
  let server;
  try {
    const store = databaseUrl === undefined ? undefined : new PostgresStore(databaseUrl, {
      node: flags.node,
      writerStaleAfterSeconds: flags.writerStaleAfterSeconds,
      snapshotEveryEvents: flags.snapshotEveryEvents,
      // Logged by the store; stop at once, even with no request coming.
      onFailure: () => stopped.resolve(3),
    });
    server = await startServer({
      store,
      hostname: flags.hostname,
      udpPort: flags.udpPort,
      tcpPort: flags.tcpPort,
      httpPort: flags.httpPort ?? undefined,
      dataDir: flags.dataDir,
      storeOptions: {
        groupCommit: flags.groupCommit,
        snapshotEveryEvents: flags.snapshotEveryEvents,
        syncPollUs: flags.syncPollUs,
      },
      config: flags.config,
      onSaleStep: testCrashHook(),
      onFatal: (error) => {
        logger.fatal("Cannot save data, stopping: {error}", { error });
        stopped.resolve(3);
      },
    });
  } catch (error) {
    // A port in use, an unusable data folder or the database: say so plainly, without a stack
    // trace. The folder's message names the folder, a busy database's the database.
    const folder = error instanceof DataDirError;
    const text = folder ? error.message : errorText(error);
    const shown = databaseUrl === undefined ? text : hidePassword(text, databaseUrl);
    console.error(
      `error: cannot start the server${where(error, flags.hostname, databaseUrl)}: ${shown}`,
    );
    return 1;
  }
  if (databaseUrl === undefined) {
    logger.info("Data folder: {dataDir}", { dataDir: flags.dataDir });
  } else {
    logger.info("Database: {database} as node {node}", {
      database: redactDatabaseUrl(databaseUrl),
      node: flags.node,
    });
  }
  const stop = () => stopped.resolve(0);
  Deno.addSignalListener("SIGINT", () => {
    // Ctrl-C on a terminal echoed "^C" where the next line would begin: end that line first.
    if (Deno.stderr.isTerminal()) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    stop();
  });
  Deno.addSignalListener("SIGTERM", stop);
  const code = await stopped.promise;
  logger.info("Shutting down");
  await server.close().catch(() => {});
  return code;
}

/** What a startup error is about, for its message: the address, the database, or nothing. */
function where(error: unknown, hostname: string, databaseUrl: string | undefined): string {
  if (error instanceof DataDirError || error instanceof DatabaseBusyError) return "";
  const address = error instanceof Deno.errors.AddrInUse ||
    error instanceof Deno.errors.AddrNotAvailable || error instanceof Deno.errors.PermissionDenied;
  if (databaseUrl === undefined || address) return ` on ${hostname}`;
  return ` with the database ${redactDatabaseUrl(databaseUrl)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

if (import.meta.main) {
  const [subcommand, ...rest] = Deno.args;
  if (subcommand === "inspect") Deno.exit(await runInspect(rest));
  const args = subcommand === "server" ? rest : Deno.args;
  Deno.exit(await runServer(args));
}
