/**
 * Several real server nodes on one PostgreSQL database, for the multi-node tests: starting them,
 * waiting for what they log, reading the shared log, and requests that retransmit while a node
 * takes over (as a real client does).
 * @module
 */

import postgresClient from "postgres";
import type { AuctionEvent } from "../../auction/events.ts";
import type { Message } from "../../protocol/mod.ts";
import { type ServerProcess, startServerProcess } from "./server_process.ts";
import type { UdpPeer } from "./udp_peer.ts";

/** Server flags of the multi-node tests: seconds, no periodic announcements. */
export const NODE_ARGS = [
  "--duration-unit",
  "seconds",
  "--announce-interval",
  "0",
  "--inform-timeout",
  "5",
];

/** Starts node `node` on the database at `url`; resolves once it serves (writer or follower). */
export function startNode(
  url: string,
  node: string,
  options: { udpPort?: number; args?: string[] } = {},
): Promise<ServerProcess> {
  return startServerProcess({
    udpPort: options.udpPort,
    args: [...NODE_ARGS, ...(options.args ?? []), "--node", node],
    env: { DATABASE_URL: url },
  });
}

/** Waits until `server` has logged a line matching `pattern`. */
export async function waitForOutput(
  server: ServerProcess,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(server.output())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${pattern} in:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether `server` serves as the writer now (it logged so after its last "as a follower"). */
export function isWriter(server: ServerProcess): boolean {
  const output = server.output();
  return output.lastIndexOf("as the writer") > output.lastIndexOf("as a follower");
}

/** One committed batch of the shared log. */
export interface LoggedBatch {
  seq: number;
  node: string;
  events: AuctionEvent[];
}

/** Every batch of the log at `url`, in order. */
export async function readLog(url: string): Promise<LoggedBatch[]> {
  const sql = postgresClient(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT seq, node, events::text AS json FROM auction_log ORDER BY seq`;
    return rows.map((row) => ({
      seq: Number(row.seq),
      node: String(row.node),
      events: JSON.parse(row.json) as AuctionEvent[],
    }));
  } finally {
    await sql.end();
  }
}

/** The events of type `type` in the log at `url`, in log order, with the node that wrote each. */
export async function loggedEvents<T extends AuctionEvent["type"]>(
  url: string,
  type: T,
): Promise<(Extract<AuctionEvent, { type: T }> & { writtenBy: string })[]> {
  const found = [];
  for (const batch of await readLog(url)) {
    for (const event of batch.events) {
      if (event.type === type) {
        found.push({ ...event as Extract<AuctionEvent, { type: T }>, writtenBy: batch.node });
      }
    }
  }
  return found;
}

/**
 * Sends `line` and waits for the reply with its RQ#, sending the same bytes again every
 * `everyMs` meanwhile (the server answers a repeat from its reply cache, never doing it twice).
 */
export async function requestRetrying(
  peer: UdpPeer,
  line: string,
  options: { everyMs?: number; timeoutMs?: number } = {},
): Promise<Message> {
  const rq = Number(line.trim().split(/\s+/)[1]);
  const from = peer.received.length;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (true) {
    await peer.send(line);
    const waitMs = Math.min(options.everyMs ?? 500, deadline - Date.now());
    try {
      return await peer.waitFor((message) => message.rq === rq, { timeoutMs: waitMs, from });
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
}
