/**
 * `/readyz`: ready once the state is recovered, while the data folder can be written (or the
 * database answers) and the store has not failed.
 * @module
 */

import { join } from "node:path";

/** What `/readyz` answers. */
export interface Readiness {
  /** Whether the server can serve. */
  ready: boolean;
  /** Why not, when it cannot. */
  reason?: string;
}

/** Options of {@linkcode readinessCheck}. */
export interface ReadinessOptions {
  /** The data folder to probe for writes; `null` for a store without one. */
  dataDir: string | null;
  /** Whether the state is recovered. */
  recovered: () => boolean;
  /** Whether the store failed (the server is stopping). */
  failed: () => boolean;
  /**
   * For a store without a data folder: whether its database answers (PostgreSQL: `SELECT 1` on the
   * writer's connection, with a deadline).
   */
  reachable?: () => Promise<boolean>;
  /** Probe the folder or the database at most this often. @default 2000 */
  probeEveryMs?: number;
}

/** A readiness check; it writes and removes a probe file at most every `probeEveryMs`. */
export function readinessCheck(options: ReadinessOptions): () => Promise<Readiness> {
  const probeEveryMs = options.probeEveryMs ?? 2_000;
  let checkedAtMs = -Infinity;
  let writable = true;
  let reachable = true;
  return async () => {
    if (!options.recovered()) return { ready: false, reason: "Recovering the data" };
    if (options.failed()) return { ready: false, reason: "The data cannot be saved" };
    // Probe at most every few seconds, so that polling /readyz cannot become a stream of writes.
    if (options.dataDir !== null && performance.now() - checkedAtMs >= probeEveryMs) {
      checkedAtMs = performance.now();
      const probe = join(options.dataDir, ".readyz-probe");
      try {
        await Deno.writeTextFile(probe, "");
        await Deno.remove(probe);
        writable = true;
      } catch {
        writable = false;
      }
    }
    if (options.reachable && performance.now() - checkedAtMs >= probeEveryMs) {
      checkedAtMs = performance.now();
      reachable = await options.reachable().catch(() => false);
    }
    if (!reachable) return { ready: false, reason: "The database does not answer" };
    return writable ? { ready: true } : { ready: false, reason: "The data folder is not writable" };
  };
}
