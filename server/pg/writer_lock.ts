/**
 * The writer lock: a session-level advisory lock held by the one node that writes the log. A
 * node that finds it taken waits as a standby, following the log, until the writer's session
 * ends (a clean stop, or its death), or fails at once with `lockWaitMs: 0`. A standby whose own
 * session is lost reconnects and waits again; the holder's lost session is fatal (the store's).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import postgres from "postgres";
import { redactDatabaseUrl } from "./database_url.ts";
import { isConnectionLost, pause, reconnectDelayMs } from "./connection_lost.ts";
import { LogFollower } from "./follower.ts";
import { LOCK_CLASS, NODE_NAME_LOCK_CLASS, WRITER_LOCK } from "./schema.ts";

const logger = getLogger(["auction", "store"]);

/** SQLSTATE of a lock wait that ran out (`lock_timeout`). */
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * TCP keepalives of the writer's session, on PostgreSQL's side: if this node's machine dies or is
 * cut off, PostgreSQL ends the session (and so passes the writer lock to a standby) after about
 * 25 s instead of the system's default of hours. Any user may set them for its own session.
 */
export const SESSION_KEEPALIVES = {
  tcp_keepalives_idle: "10",
  tcp_keepalives_interval: "5",
  tcp_keepalives_count: "3",
  tcp_user_timeout: "25000",
} as const;

/**
 * Opens the session of node `node` that takes the writer lock and writes (one connection, every
 * write on it); `onClose` is told when it ends, which releases the lock.
 */
export function openWriterSession(url: string, node: string, onClose: () => void): postgres.Sql {
  return postgres(url, {
    max: 1,
    // The session holds the writer lock: never recycle it (the driver's default is 30-60 min).
    max_lifetime: 0,
    idle_timeout: 0,
    onnotice: () => {},
    onclose: onClose,
    connection: { application_name: `auction ${node}`, ...SESSION_KEEPALIVES },
  });
}

/** The database is held by another node (this store writes from one node at a time). */
export class DatabaseBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseBusyError";
  }
}

/**
 * Takes the lock on node name `node` for the session of `sql`, so that two nodes of one name
 * (whose sessions and pushes would be confused) cannot serve one database; throws if it is held.
 * Resolves to the backend pid of the session that holds it.
 */
export async function takeNodeName(sql: postgres.Sql, node: string, url: string): Promise<number> {
  const [row] = await sql`
    SELECT pg_try_advisory_lock(${NODE_NAME_LOCK_CLASS}::int, hashtext(${node})) AS taken,
      pg_backend_pid() AS pid`;
  if (!row?.taken) {
    throw new DatabaseBusyError(
      `Cannot start node ${node}: a node of that name is connected to ${redactDatabaseUrl(url)} ` +
        `(give each node its own --node)`,
    );
  }
  return Number(row.pid);
}

/** Options of {@linkcode takeWriterLock}. */
export interface WriterLockOptions {
  /** The database (a standby's follower connects to it too). */
  url: string;
  /** This node's name. */
  node: string;
  /** How long to wait for the lock; 0 fails at once, Infinity waits for good. */
  lockWaitMs: number;
  /** How often a standby reads the log without a notification. */
  followPollMs: number;
  /** Called each time the standby has applied the log up to `lastSeq`. */
  onFollowed: (lastSeq: number) => void;
  /**
   * How old the writer's heartbeat may be before this standby ends the writer's session and
   * takes over (`stale_writer.ts`).
   */
  staleWriterAfterSeconds: number;
  /** Called once the node waits, with the follower that keeps its state current meanwhile. */
  onStandby?: (follower: LogFollower) => Promise<void>;
  /**
   * Called as soon as the lock is granted, before anything else runs on the session, with the
   * backend pid of the session that holds it: from then on the end of that session is fatal.
   */
  onLocked: (pid: number) => void;
  /** Aborted when the node stops: a standby stops reconnecting. */
  signal?: AbortSignal;
}

/** The session changed under a lock wait (the driver reconnected between two statements). */
class SessionChangedError extends Error {
  constructor() {
    super("The database session changed while taking the writer lock");
    this.name = "SessionChangedError";
  }
}

/**
 * Takes the node's name lock, then the writer lock, for the session of `sql`, waiting up to
 * `lockWaitMs` for the writer lock. While it waits, the node follows the log (the follower is
 * returned, to hand over its state; `null` when the lock was free at once), and a lost connection
 * (the database restarted, the network cut) is not the end: the standby reconnects, with backoff,
 * takes its name lock again and waits again. Only the holder of the lock must stop with its
 * session.
 */
export async function takeWriterLock(
  sql: postgres.Sql,
  options: WriterLockOptions,
): Promise<LogFollower | null> {
  const database = redactDatabaseUrl(options.url);
  const busy = () =>
    new DatabaseBusyError(
      `Cannot start node ${options.node}: another node is writing to ${database} ` +
        `(one node at a time; see docs/scale-out.md)`,
    );
  let sessionPid = await takeNodeName(sql, options.node, options.url);
  const [row] = await sql`
    WITH lock AS (
      SELECT pg_try_advisory_lock(${LOCK_CLASS}::int, ${WRITER_LOCK}::int) AS taken,
        pg_backend_pid() AS pid
    ), beat AS (${firstBeat(sql, options.node)})
    SELECT taken, pid FROM lock`;
  if (row?.taken && Number(row.pid) === sessionPid) {
    options.onLocked(sessionPid);
    return null;
  }
  if (row?.taken) throw new SessionChangedError();
  if (options.lockWaitMs <= 0) throw busy();
  const follower = await LogFollower.start(options.url, {
    pollMs: options.followPollMs,
    onFollowed: options.onFollowed,
    applicationName: `auction ${options.node} standby`,
    watchWriter: { node: options.node, staleAfterSeconds: options.staleWriterAfterSeconds },
  });
  // True whether or not the node serves meanwhile (the caller says which: on a follower's ports,
  // "Listening ... as a follower"; on the writer's, "Ports in use ... without serving").
  logger.info(
    "Node {node} follows {database}: another node is writing to it; this node takes over when " +
      "that one stops",
    { node: options.node, database },
  );
  const deadline = performance.now() + options.lockWaitMs;
  try {
    await options.onStandby?.(follower);
    for (let failures = 0, lost = false;; failures++) {
      try {
        if (lost) {
          sessionPid = await takeNodeName(sql, options.node, options.url);
          logger.info("Node {node} reconnected to {database}; it waits for the writer lock again", {
            node: options.node,
            database,
          });
          lost = false;
          failures = 0;
        }
        const pid = await waitForLock(sql, options.node, deadline - performance.now());
        if (pid !== sessionPid) {
          await sql`SELECT pg_advisory_unlock(${LOCK_CLASS}::int, ${WRITER_LOCK}::int)`;
          throw new SessionChangedError();
        }
        options.onLocked(pid);
        break;
      } catch (error) {
        const reconnect = error instanceof SessionChangedError || isConnectionLost(error);
        if (!reconnect || options.signal?.aborted) throw error;
        if (!lost) {
          logger.warn(
            "Node {node} lost its database connection while waiting for the writer lock: " +
              "{error}; it reconnects",
            { node: options.node, error },
          );
        }
        lost = true;
        await pause(reconnectDelayMs(failures), options.signal);
        if (options.signal?.aborted) throw error;
      }
    }
    await sql`SELECT set_config('lock_timeout', '0', false)`;
    return follower;
  } catch (error) {
    await follower.stop();
    throw (error as { code?: string }).code === LOCK_NOT_AVAILABLE ? busy() : error;
  }
}

/**
 * Waits up to `remainingMs` for the writer lock on the session of `sql` (blocks until the
 * holder's session ends); resolves to the backend pid of the session given it.
 */
async function waitForLock(
  sql: postgres.Sql,
  node: string,
  remainingMs: number,
): Promise<number> {
  if (remainingMs <= 0) {
    throw Object.assign(new Error("lock wait ran out"), { code: LOCK_NOT_AVAILABLE });
  }
  const timeout = Number.isFinite(remainingMs) ? String(Math.ceil(remainingMs)) : "0";
  await sql`SELECT set_config('lock_timeout', ${timeout}, false)`;
  const [row] = await sql`
    WITH lock AS (
      SELECT pg_advisory_lock(${LOCK_CLASS}::int, ${WRITER_LOCK}::int) AS granted, true AS taken,
        pg_backend_pid() AS pid
    ), beat AS (${firstBeat(sql, node)})
    SELECT pid FROM lock`;
  return Number(row?.pid);
}

/**
 * The writer's first heartbeat (`writer_heartbeat.ts`), written in the statement that takes the
 * lock (as a CTE over `lock`): the row names the holder from the moment it holds the lock, even
 * if this node freezes before its first beat.
 */
function firstBeat(sql: postgres.Sql, node: string): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    INSERT INTO writer_heartbeat (node, pid, beat_at)
    SELECT ${node}, pid, clock_timestamp() FROM lock WHERE taken
    ON CONFLICT (writer) DO UPDATE SET node = excluded.node, pid = excluded.pid,
      beat_at = excluded.beat_at`;
}

/**
 * Whether the session of `sql` is the one of backend `pid` and holds the writer lock: a node
 * given the lock checks it before it serves as the writer, so that a session lost and silently
 * replaced by the driver meanwhile is caught.
 */
export async function holdsWriterLock(sql: postgres.Sql, pid: number): Promise<boolean> {
  const [row] = await sql`
    SELECT pg_backend_pid() AS pid, EXISTS (
      SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
        AND classid = ${LOCK_CLASS}::int::oid AND objid = ${WRITER_LOCK}::int::oid AND objsubid = 2
    ) AS held`;
  return Number(row?.pid) === pid && row?.held === true;
}
