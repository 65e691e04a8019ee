/**
 * Durable file operations: replace a file atomically, fsync a folder.
 * @module
 */

import { join } from "node:path";
import { PRIVATE_FILE_MODE } from "./data_dir.ts";

/** Replaces `dir/name` with `text` (0600) so that a crash leaves either the old or the new file. */
export async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  const target = join(dir, name);
  const temporary = `${target}.tmp`;
  const file = await Deno.open(temporary, {
    write: true,
    create: true,
    truncate: true,
    mode: PRIVATE_FILE_MODE,
  });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(temporary, target);
  await syncDirectory(dir);
}

/** Writes all of `bytes` to `file` (a write may take only part). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

/** fsyncs a folder so that a rename, creation or deletion in it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}
