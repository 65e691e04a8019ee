/**
 * The data folder at rest: only its owner may read it (folder 0700, files 0600: they hold
 * password hashes, addresses and payment records), and it must be writable before the server
 * takes its first request, so a read-only or unusable folder stops the start with a clear error
 * instead of the first change.
 * @module
 */

import { join } from "node:path";

/** Mode of the data folder. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file in it. */
export const PRIVATE_FILE_MODE = 0o600;

const PROBE_FILE = ".write-check";
/** The file a running server holds an exclusive lock on: one server per data folder. */
export const LOCK_FILE = "server.lock";

/** The data folder cannot be used: the message says which folder and why. */
export class DataDirError extends Error {
  constructor(dataDir: string, why: string) {
    super(`Cannot use the data folder ${dataDir}: ${why}`);
    this.name = "DataDirError";
  }
}

/**
 * Creates `dataDir` (0700) if needed, checks that a file can be created, synced and removed in
 * it, and tightens an existing folder and its files to 0700/0600.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await Deno.mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    const existing = await Deno.stat(dataDir).catch(() => null);
    if (!existing?.isDirectory) {
      throw new DataDirError(dataDir, `cannot create it (${reason(error)})`);
    }
  }
  const probe = join(dataDir, PROBE_FILE);
  try {
    const file = await Deno.open(probe, { write: true, create: true, mode: PRIVATE_FILE_MODE });
    try {
      await file.write(new Uint8Array([0x0a]));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.remove(probe);
  } catch (error) {
    throw new DataDirError(dataDir, `it is not writable (${reason(error)})`);
  }
  if (Deno.build.os === "windows") return;
  try {
    await Deno.chmod(dataDir, PRIVATE_DIR_MODE);
    for await (const entry of Deno.readDir(dataDir)) {
      if (entry.isFile) await Deno.chmod(join(dataDir, entry.name), PRIVATE_FILE_MODE);
    }
  } catch (error) {
    throw new DataDirError(dataDir, `cannot restrict its permissions (${reason(error)})`);
  }
}

/**
 * Takes the data folder for this process: an exclusive lock on its {@linkcode LOCK_FILE}, held
 * until the returned file is closed (the operating system lets go of it when the process dies,
 * even by SIGKILL). A second server on the same folder would interleave its journal records with
 * the first's and ruin both: it is refused, with the process id of the one that holds it.
 */
export async function lockDataDir(dataDir: string): Promise<Deno.FsFile> {
  const path = join(dataDir, LOCK_FILE);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
      mode: PRIVATE_FILE_MODE,
    });
  } catch (error) {
    throw new DataDirError(dataDir, `cannot open ${LOCK_FILE} (${reason(error)})`);
  }
  if (!(await file.tryLock(true))) {
    file.close();
    const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
    throw new DataDirError(
      dataDir,
      `another server uses it${/^\d+$/.test(holder) ? ` (process ${holder})` : ""}; stop it first`,
    );
  }
  // For the message above, in the next server that tries: which process holds it.
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return file;
}

function reason(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "no write permission given to the process";
  return error instanceof Error ? error.message : String(error);
}
