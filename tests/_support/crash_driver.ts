/**
 * A crash-test driver: clients send requests to a real server process and record every
 * acknowledgement; the server is killed with SIGKILL at random moments and restarted on the
 * same data folder and UDP port; after each kill the state on disk must hold every
 * acknowledged change. What is sent and checked is a {@linkcode CrashWorkload}.
 * @module
 */

import type { Message } from "../../protocol/mod.ts";
import { recover } from "../../server/store/recovery.ts";
import type { AuctionState } from "../../auction/state.ts";
import { type ServerProcess, startServerProcess } from "./server_process.ts";
import { UdpPeer } from "./udp_peer.ts";

/** A reply one client got to its request number `index`. */
export interface Answered {
  /** Which client sent it. */
  client: number;
  /** The client's request number (0, 1, 2, ...). */
  index: number;
  /** The reply. */
  reply: Message;
}

/** What the clients send and what must hold after each crash. */
export interface CrashWorkload {
  /**
   * Requests a separate setup peer (e.g. a seller) sends once before the first kill (RQ#s below
   * 1000), each acknowledged. The peer stays open, so pushes to it have somewhere to go.
   */
  setup?: readonly string[];
  /** Requests each client sends from its own address before the first kill, each acknowledged. */
  clientSetup?(client: number): readonly string[];
  /** Sees every message a client received (replies and pushes), in order, before its next request. */
  observe?(client: number, message: Message): void;
  /** The line of a client's request number `index`, with RQ# `rq`. */
  request(client: number, index: number, rq: number): string;
  /** Whether `reply` reports a change (it is then durable and must survive). */
  isAcknowledgement(reply: Message): boolean;
  /** Throws if `state` lacks an acknowledged change (or holds something impossible). */
  check(state: AuctionState, acknowledged: readonly Answered[], refused: readonly Answered[]): void;
}

/** Options of {@linkcode runCrashTest}. */
export interface CrashTestOptions {
  /** How many times the server is killed. */
  kills: number;
  /** Concurrent clients. */
  clients: number;
  /** A seeded random source in [0, 1). */
  random: () => number;
  /** Extra server flags. */
  serverArgs?: string[];
  /** Environment variables added to the server's (`DATABASE_URL` for the PostgreSQL store). */
  serverEnv?: Record<string, string>;
  /** Reads the state the server saved. @default recovery from the data folder, read-only */
  readState?: (dataDir: string) => Promise<AuctionState>;
}

/** What a run did. */
export interface CrashTestResult {
  acknowledged: Answered[];
  refused: Answered[];
  /** The state recovered after the last kill. */
  state: AuctionState;
  /** The data folder (the caller removes it). */
  dataDir: string;
}

const RETRANSMIT_MS = 150;
/** Messages the server starts; their server RQ# may equal a client's, but they are no reply. */
const PUSHES = new Set(["AUCTION_ANNOUNCE", "BID_UPDATE", "NEGOTIATE_REQ", "PRICE_ADJUSTMENT"]);

/**
 * Runs the crash test; throws at the first kill after which an acknowledged change is missing.
 * At the end the clients stop sending new requests but keep resending the ones in flight until
 * they are answered, so the final check sees every request answered.
 */
export async function runCrashTest(
  workload: CrashWorkload,
  options: CrashTestOptions,
): Promise<CrashTestResult> {
  const udpPort = freeUdpPort();
  const env = options.serverEnv;
  const readState = options.readState ??
    (async (dir: string) => (await recover(dir, { readOnly: true })).state);
  let server: ServerProcess = await startServerProcess({ udpPort, args: options.serverArgs, env });
  const dataDir = server.dataDir;
  const acknowledged: Answered[] = [];
  const refused: Answered[] = [];
  const setupPeer = new UdpPeer({ port: udpPort });
  const peers = Array.from({ length: options.clients }, () => new UdpPeer({ port: udpPort }));
  /** Whether clients start new requests. */
  let running = true;
  /** Whether clients resend unanswered requests (false only when giving up). */
  let resending = true;
  let state: AuctionState | null = null;
  let wakeWaiter = () => {};
  /** Resolves once `count` requests are acknowledged, or rejects after `timeoutMs`. */
  const acknowledgedAtLeast = (count: number, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out at ${count} acks`)), timeoutMs);
      wakeWaiter = () => {
        if (acknowledged.length < count) return;
        clearTimeout(timer);
        wakeWaiter = () => {};
        resolve();
      };
      wakeWaiter();
    });
  try {
    for (const line of workload.setup ?? []) await expectSetupAck(setupPeer, line);
    await Promise.all(peers.map(async (peer, client) => {
      for (const line of workload.clientSetup?.(client) ?? []) await expectSetupAck(peer, line);
    }));
    const clients = peers.map(async (peer, client) => {
      let observed = 0;
      for (let index = 0; running; index++) {
        for (; observed < peer.received.length; observed++) {
          workload.observe?.(client, peer.received[observed]!);
        }
        const rq = 1_000 + index;
        const line = workload.request(client, index, rq);
        const reply = await requestUntilAnswered(peer, line, rq, () => resending);
        if (!reply) return;
        const answered = { client, index, reply };
        (workload.isAcknowledgement(reply) ? acknowledged : refused).push(answered);
        wakeWaiter();
      }
    });
    for (let kill = 0; kill < options.kills; kill++) {
      const target = acknowledged.length + 1 + Math.floor(options.random() * 40);
      await acknowledgedAtLeast(target, 10_000);
      await server.stop("SIGKILL");
      const seen = [...acknowledged];
      state = await readState(dataDir);
      workload.check(state, seen, refused);
      server = await startServerProcess({ udpPort, dataDir, args: options.serverArgs, env });
    }
    running = false;
    await Promise.all(clients);
  } finally {
    running = false;
    resending = false;
    await server.stop("SIGTERM");
    await Promise.all([setupPeer, ...peers].map((peer) => peer.close()));
  }
  state = await readState(dataDir);
  workload.check(state, acknowledged, refused);
  return { acknowledged, refused, state, dataDir };
}

/** Sends a setup request; throws unless it is acknowledged. */
async function expectSetupAck(peer: UdpPeer, line: string): Promise<void> {
  const reply = await peer.request(line);
  if (!/^(REGISTERED|ITEM_LISTED|SUBSCRIBED|LOGIN_SUCCESS)$/.test(reply.type)) {
    throw new Error(`Setup "${line}" refused: ${reply.type}`);
  }
}

/** Sends `line` and resends the same bytes until its reply comes or `keepGoing` turns false. */
async function requestUntilAnswered(
  peer: UdpPeer,
  line: string,
  rq: number,
  keepGoing: () => boolean,
): Promise<Message | undefined> {
  const from = peer.received.length;
  while (keepGoing()) {
    await peer.send(line);
    try {
      return await peer.waitFor((message) => message.rq === rq && !PUSHES.has(message.type), {
        timeoutMs: RETRANSMIT_MS,
        from,
      });
    } catch {
      // No reply yet (the server may be down): send the same bytes again.
    }
  }
  return undefined;
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export function freeUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}
