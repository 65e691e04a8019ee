/**
 * `startServer`: wires the store, the core, the dispatcher and the transports together.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { type Clock, systemClock } from "./clock.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
import { AuctionCore } from "./core.ts";
import { Dispatcher, type DispatcherOptions } from "./net/dispatcher.ts";
import { FileStore, type FileStoreOptions } from "./store/file_store.ts";
import { SaleFinalizer } from "./sale/finalizer.ts";
import { type PaymentGateway, SimulatedGateway } from "./sale/payment.ts";
import { PostgresStore } from "./pg/postgres_store.ts";
import { ClusterNode } from "./pg/cluster_node.ts";
import type { SaleStepHook } from "./sale/steps.ts";
import { TcpConnector } from "./sale/peer_connection.ts";
import { RateLimiter } from "./net/rate_limit.ts";
import { ReplyExpiry } from "./net/reply_expiry.ts";
import { ProvisionalExpiry } from "./provisional_expiry.ts";
import { Retention } from "./store/retention.ts";
import { AuctionScheduler } from "./scheduler.ts";
import { SessionIps } from "./net/session_ips.ts";
import { bindTransports } from "./net/bind_transports.ts";
import type { SessionView } from "./net/reply_budget.ts";
import { MemoryStore, type Store } from "./store/store.ts";
import type { AuctionState } from "../auction/state.ts";
import type { TcpListener } from "./net/tcp_listener.ts";
import type { UdpTransport } from "./net/udp.ts";
import {
  type CommittedFeed,
  type HttpServerHandle,
  ServerMetrics,
  startHttpServer,
} from "./http/mod.ts";
import { openArchive, openLedger } from "./beside_log.ts";
import { clusterMetrics, followedFeed } from "./pg/follower_board.ts";
import type { BoardOptions } from "./http/board.ts";

const logger = getLogger(["auction", "server"]);

/** How long `/readyz` waits for the database to answer a ping. */
const READY_PING_MS = 1_000;

/** Options of {@linkcode startServer}. */
export interface ServerOptions extends DispatcherOptions {
  /** Address to bind. @default "0.0.0.0" */
  hostname?: string;
  /** UDP port; 0 picks a free one. @default 5000 */
  udpPort?: number;
  /** TCP port; 0 picks a free one. @default 5001 */
  tcpPort?: number;
  /**
   * Folder of the data files, or `null` to keep nothing on disk (a MemoryStore and an
   * in-memory payment ledger); ignored when `store` is given. @default "./data"
   */
  dataDir?: string | null;
  /** Options of the default FileStore (group commit, snapshot intervals). */
  storeOptions?: FileStoreOptions;
  /** Where state is kept. @default a FileStore in `dataDir` */
  store?: Store;
  /** The source of time. @default systemClock */
  clock?: Clock;
  /** Auction rules and limits. @default DEFAULT_CONFIG */
  config?: Partial<ServerConfig>;
  /**
   * Pays sales at the close of auctions. @default a SimulatedGateway whose ledger is the
   * `payment_ledger` table when the store is a PostgresStore, else `payments.jsonl` in `dataDir`
   * (in memory when another store is given or `dataDir` is null)
   */
  paymentGateway?: PaymentGateway;
  /** Called after each step of each sale: tests, and the test-only crash hook (`crash_hook.ts`). */
  onSaleStep?: SaleStepHook;
  /** Called when the server must stop because its data cannot be saved (fail-stop). */
  onFatal?: (error: unknown) => void;
  /** HTTP port of the board, metrics and health checks; 0 picks a free one. @default no HTTP */
  httpPort?: number;
  /** Limits of the board's model and event stream (for tests). */
  board?: BoardOptions;
}

/** A running server. */
export interface ServerHandle {
  /** The bound UDP address. */
  readonly udpAddress: Deno.NetAddr;
  /** The bound TCP address. */
  readonly tcpAddress: Deno.NetAddr;
  /** The core, for tests and tools. */
  readonly core: AuctionCore;
  /** The sale exchanges at the close of auctions, for tests and tools. */
  readonly finalizer: SaleFinalizer;
  /** The board's HTTP server; `null` when off or when its port could not be bound. */
  readonly http: HttpServerHandle | null;
  /** Stops serving, waits for pending writes, releases sockets and files. */
  close(): Promise<void>;
}

/** Loads the state and starts serving UDP and TCP. */
export async function startServer(options: ServerOptions = {}): Promise<ServerHandle> {
  if (options.dataDir === "") throw new RangeError("dataDir is empty: pass null to keep nothing");
  const hostname = options.hostname ?? "0.0.0.0";
  const clock = options.clock ?? systemClock;
  const live: { state?: AuctionState; fatal: boolean } = { fatal: false };
  let http: HttpServerHandle | null = null;
  /** The board's feed while this node follows another's log, and after it takes over. */
  const followed = { feed: null as CommittedFeed | null };
  // Several nodes on one database (docs/scale-out.md).
  const cluster = options.store instanceof PostgresStore
    ? new ClusterNode(options.store.openLink())
    : null;
  const shownState = () => followed.feed?.state ?? live.state;
  const metrics = options.httpPort === undefined ? undefined : new ServerMetrics({
    openAuctions: () => Object.keys(shownState()?.openItems ?? {}).length,
    sessions: () => Object.keys(shownState()?.sessions ?? {}).length,
    streamClients: () => http?.board?.hub.clients ?? 0,
    pushesWaiting: () => boundUdp?.pushesWaiting ?? 0,
    datagrams: () => ({
      unanswerable: boundUdp?.unanswerableDropped ?? 0,
      sendFailed: boundUdp?.sendFailures ?? 0,
    }),
    cluster: cluster ? clusterMetrics(cluster) : undefined,
  });
  const stopHttp = async () => {
    metrics?.close();
    await http?.close();
  };
  /** The data folder, or null when nothing is kept on disk. */
  const onDisk = options.store || options.dataDir === null ? null : options.dataDir ?? "./data";
  if (options.httpPort !== undefined) {
    // Before recovery, so that /healthz answers and /readyz says "recovering" meanwhile.
    http = await startHttpServer({
      hostname,
      port: options.httpPort,
      dataDir: onDisk,
      failed: () => live.fatal,
      reachable: options.store instanceof PostgresStore
        ? ((store) => () => store.ping(READY_PING_MS))(options.store)
        : undefined,
      following: () => cluster?.readiness() ?? null,
    });
    if (http) logger.info("Board at {url}", { url: http.url });
  }
  const storeOptions = metrics
    ? { ...options.storeOptions, onBatchWritten: metrics.batchWritten }
    : options.storeOptions;
  const store = options.store ??
    (onDisk === null ? new MemoryStore() : new FileStore(onDisk, {
      clock,
      // One client alone waiting for its reply: its sync is waited for on the thread.
      syncOnThread: () => boundUdp?.soleClientWaiting ?? false,
      ...storeOptions,
    }));
  const config = { ...DEFAULT_CONFIG, ...options.config };
  const boardOptions = { maxClientsPerIp: config.maxEventStreamsPerIp, ...options.board };
  const rateLimiter = new RateLimiter(config.rateLimitPerSecond);
  // The index follows the core, which needs the transport first: the budget asks it lazily.
  const sessions = { index: undefined as SessionView | undefined };
  let ownGateway: SimulatedGateway | undefined;
  let boundUdp: UdpTransport | undefined;
  let boundTcp: TcpListener | undefined;
  const bind = () => {
    ({ udp: boundUdp, tcp: boundTcp } = bindTransports({
      hostname,
      udpPort: options.udpPort,
      tcpPort: options.tcpPort,
      clock,
      rateLimiter,
      maxTcp: config.maxTcp,
      maxTcpPerIp: config.maxTcpPerIp,
      sessions: { hasSession: (ip) => sessions.index?.hasSession(ip) ?? false },
    }));
  };
  try {
    if (cluster && store instanceof PostgresStore) {
      // Bound before the writer lock, to serve as a follower while another node writes; on the
      // writer's own ports (a standby on its machine) the node waits without serving.
      try {
        bind();
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse)) throw error;
        logger.warn("Ports in use: node {node} waits as a standby without serving", {
          node: cluster.node,
        });
      }
      store.onStandby(async (follower) => {
        if (!boundUdp || !boundTcp) return;
        sessions.index = cluster;
        followed.feed = followedFeed(follower, (source) => {
          if (metrics) source.onCommitted((batch) => metrics.committed(batch));
          http?.attach(source, metrics, boardOptions);
        });
        await cluster.follow(follower, boundUdp);
        boundUdp.serve(cluster.handler);
        boundTcp.serve(cluster.handler);
        logListening(boundUdp, boundTcp, "as a follower");
      });
    }
    live.state = await store.load();
    ownGateway = options.paymentGateway ? undefined : new SimulatedGateway({
      clock,
      ledger: await openLedger(store, onDisk),
    });
    if (!boundUdp) bind();
  } catch (error) {
    await Promise.all([boundUdp?.close(), boundTcp?.close(), cluster?.close()]);
    await ownGateway?.close();
    await store.close().catch(() => {});
    await stopHttp();
    throw error;
  }
  const [udp, tcp] = [boundUdp, boundTcp] as [UdpTransport, TcpListener];
  const served = cluster?.following ?? false;
  const outbox = metrics ? metrics.countingOutbox(udp) : udp;
  const core = new AuctionCore({
    state: live.state,
    store,
    clock,
    config,
    outbox: cluster ? cluster.outbox(outbox) : outbox,
    onFatal: (error) => {
      live.fatal = true;
      if (!options.onFatal) throw error;
      options.onFatal(error);
    },
  });
  const shownSessions = new SessionIps(core);
  sessions.index = shownSessions;
  if (followed.feed) {
    // A follower that took over: its board and metrics go on, now fed by the core.
    core.onCommitted(followed.feed.publish);
  } else {
    if (metrics) core.onCommitted((batch) => metrics.committed(batch));
    http?.attach(core, metrics, boardOptions);
  }
  // The nodes connected are known before the scheduler and finalizer push anything.
  await cluster?.watchNodes();
  const finalizer = new SaleFinalizer(core, {
    gateway: options.paymentGateway ?? ownGateway!,
    connector: new TcpConnector({
      clock: core.clock,
      messageGapMs: core.config.tcpMessageGapMs,
    }),
    onStep: options.onSaleStep,
  });
  finalizer.start();
  const dispatcher = new Dispatcher(core, {
    ...options,
    onSessionShown: (address, key) => shownSessions.confirm(address, key),
    onRequest: metrics?.request,
  });
  const scheduler = new AuctionScheduler(core);
  scheduler.start();
  const replyExpiry = new ReplyExpiry(core);
  replyExpiry.start();
  const provisionalExpiry = new ProvisionalExpiry(core);
  provisionalExpiry.start();
  const retention = new Retention(core, { archive: openArchive(store, onDisk) });
  retention.start();
  if (cluster) {
    await cluster.write(dispatcher, shownSessions);
    if (!served) {
      udp.serve(cluster.handler);
      tcp.serve(cluster.handler);
    }
  } else {
    udp.serve(dispatcher);
    tcp.serve(dispatcher);
  }
  logListening(udp, tcp, cluster ? `as the writer (node ${cluster.node})` : "");
  let closing: Promise<void> | null = null;
  return {
    udpAddress: udp.address,
    tcpAddress: tcp.address,
    core,
    finalizer,
    http,
    close() {
      closing ??= (async () => {
        await stopHttp();
        await Promise.all([
          scheduler.stop(),
          replyExpiry.stop(),
          provisionalExpiry.stop(),
          retention.stop(),
        ]);
        await Promise.all([udp.close(), tcp.close(), finalizer.close()]);
        await cluster?.close();
        await store.close();
        await ownGateway?.close();
      })();
      return closing;
    },
  };
}

function logListening(udp: UdpTransport, tcp: TcpListener, role: string): void {
  logger.info(`Listening on UDP {udp} and TCP {tcp}${role ? " " + role : ""}`, {
    udp: `${udp.address.hostname}:${udp.address.port}`,
    tcp: `${tcp.address.hostname}:${tcp.address.port}`,
  });
}
