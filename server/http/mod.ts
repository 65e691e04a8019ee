/**
 * The HTTP side of the server: the live board, its JSON API and event stream, Prometheus
 * metrics and health checks, served with `Deno.serve`. It binds before the state is recovered
 * (so `/healthz` answers and `/readyz` says "recovering"), and serves the board once the core
 * is attached. A port that cannot be bound is a warning: UDP and TCP keep serving without it.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { Board, type BoardOptions, type CommittedSource } from "./board.ts";
import type { ServerMetrics } from "./metrics.ts";
import { type Readiness, readinessCheck } from "./readiness.ts";
import { StreamEnded } from "./sse.ts";
import { createHandler, jsonResponse, loadPageFiles } from "./routes.ts";

export { Board, type CommittedSource } from "./board.ts";
export { CommittedFeed } from "./committed_feed.ts";
export { type ClusterMetricsView, type MetricsView, ServerMetrics } from "./metrics.ts";

const logger = getLogger(["auction", "http"]);

/** Options of {@linkcode startHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** The data folder `/readyz` checks is writable; `null` for a store without one. */
  dataDir: string | null;
  /** Whether the store failed (then `/readyz` says not ready). */
  failed: () => boolean;
  /** Whether the store's database answers (a store without a data folder). */
  reachable?: () => Promise<boolean>;
  /**
   * The readiness of a node that serves as a follower of another (`null` when it does not):
   * `/readyz` answers it until the board is attached.
   */
  following?: () => Readiness | null;
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The board's address, e.g. `http://localhost:8080/`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The board, once attached. */
  readonly board: Board | null;
  /**
   * Starts serving the board from `source` (call before any transaction runs, so the board's
   * read of the state matches its sequence number), with `metrics` on `/metrics`. Called again,
   * it replaces the board, ending the streams of the old one (their browsers reconnect).
   */
  attach(source: CommittedSource, metrics?: ServerMetrics, options?: BoardOptions): void;
  /** Ends the event streams and stops serving. */
  close(): Promise<void>;
}

/** Binds the port and serves health checks. Resolves to `null`, after a warning, if it cannot. */
export async function startHttpServer(
  options: HttpServerOptions,
): Promise<HttpServerHandle | null> {
  const page = await loadPageFiles();
  let board: Board | null = null;
  const readiness = readinessCheck({
    dataDir: options.dataDir,
    recovered: () => board !== null,
    failed: options.failed,
    reachable: options.reachable,
  });
  // A serving follower is ready while it is caught up with the log; the writer, by its own rules.
  const ready = async () => options.following?.() ?? await readiness();
  let handler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return jsonResponse({ status: "ok" });
    const following = options.following?.();
    if (path === "/readyz" && following?.ready) return jsonResponse({ status: "ready" });
    const { reason } = following?.ready
      ? { reason: "Starting: the board is not served yet" }
      : following ?? await readiness();
    return jsonResponse({ status: "not ready", reason }, 503, { "retry-after": "1" });
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      onError: (error) => {
        if (error instanceof StreamEnded) {
          logger.debug("Event stream ended: {reason}", { reason: error.message });
        } else {
          logger.error("HTTP request failed: {error}", { error });
        }
        return new Response("Internal error", { status: 500 });
      },
    }, (request) => handler(request));
  } catch (error) {
    logger.warn("Cannot serve the board on {host} port {port}: {error}; UDP and TCP go on", {
      host: options.hostname,
      port: options.port,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return null;
  }
  const port = server.addr.port;
  const host = ["0.0.0.0", "::", ""].includes(options.hostname)
    ? "localhost"
    : options.hostname.includes(":")
    ? `[${options.hostname}]`
    : options.hostname;
  return {
    url: `http://${host}:${port}/`,
    port,
    get board() {
      return board;
    },
    attach(source, metrics, boardOptions) {
      const attached = new Board(source, {
        onDrop: metrics?.streamDropped,
        ...boardOptions,
        onChange: (change) => {
          if (change.type === "closed" && change.item.status === "no_offer") metrics?.noOffer();
        },
      });
      board?.close();
      board = attached;
      handler = createHandler({ board: attached, page, metrics, readiness: ready });
    },
    async close() {
      board?.close();
      await server.shutdown();
    },
  };
}
