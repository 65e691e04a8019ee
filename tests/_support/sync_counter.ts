/**
 * Counts the fdatasyncs of every file in this process while a test body runs: those waited for
 * the async way (`syncData`) and those on the thread (`syncDataSync`).
 * @module
 */

/** The syncs counted so far. */
export interface SyncCounts {
  async: number;
  onThread: number;
}

/** Runs `body` with every `Deno.FsFile` sync counted in the counts it is given. */
export async function countingSyncs(body: (counts: SyncCounts) => Promise<void>): Promise<void> {
  const counts = { async: 0, onThread: 0 };
  const prototype = Deno.FsFile.prototype;
  const { syncData, syncDataSync } = prototype;
  prototype.syncData = function () {
    counts.async++;
    return syncData.call(this);
  };
  prototype.syncDataSync = function () {
    counts.onThread++;
    return syncDataSync.call(this);
  };
  try {
    await body(counts);
  } finally {
    prototype.syncData = syncData;
    prototype.syncDataSync = syncDataSync;
  }
}
