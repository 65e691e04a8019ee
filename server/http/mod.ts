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
/** After the HTTP server's accept loop failed, the first wait before serving again, then the longest. */
const RESTART_FIRST_MS = 1000;
const RESTART_LAST_MS = 30_000;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

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
  let handler = async (
    request: Request,
    _info?: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return jsonResponse({ status: "ok" });
    const following = options.following?.();
    if (path === "/readyz" && following?.ready) return jsonResponse({ status: "ready" });
    const { reason } = following?.ready
      ? { reason: "Starting: the board is not served yet" }
      : following ?? await readiness();
    return jsonResponse({ status: "not ready", reason }, 503, { "retry-after": "1" });
  };
  const serve = (port: number) =>
    Deno.serve({
      hostname: options.hostname,
      port,
      onListen: () => {},
      onError: (error) => {
        if (error instanceof StreamEnded) {
          logger.debug("Event stream ended: {reason}", { reason: error.message });
        } else {
          logger.error("HTTP request failed: {error}", { error });
        }
        return new Response("Internal error", { status: 500 });
      },
    }, (request, info) => handler(request, info));
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = serve(options.port);
  } catch (error) {
    logger.warn("Cannot serve the board on {host} port {port}: {error}; UDP and TCP go on", {
      host: options.hostname,
      port: options.port,
      error: describe(error),
    });
    return null;
  }
  const port = server.addr.port;
  let closing = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  // Deno.serve's accept loop ends for good on an error such as EMFILE (descriptors run out while
  // connections are held open), and its promise would reject unhandled and end the process: UDP
  // and TCP go on, and the board is served again on the same port once it can be bound.
  const watch = (serving: Deno.HttpServer<Deno.NetAddr>) => {
    serving.finished.catch((error) => {
      if (closing) return;
      logger.error("The board's HTTP server stopped: {error}; serving it again in 1 s", {
        error: describe(error),
      });
      restart(RESTART_FIRST_MS);
    });
  };
  const restart = (delayMs: number) => {
    retry = setTimeout(() => {
      retry = undefined;
      if (closing) return;
      try {
        server = serve(port);
        watch(server);
        logger.info("The board is served again on port {port}", { port });
      } catch (error) {
        const nextMs = Math.min(delayMs * 2, RESTART_LAST_MS);
        logger.warn("Cannot serve the board again yet: {error}; next try in {seconds} s", {
          error: describe(error),
          seconds: nextMs / 1000,
        });
        restart(nextMs);
      }
    }, delayMs);
  };
  watch(server);
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
      closing = true;
      clearTimeout(retry);
      board?.close();
      await server.shutdown().catch(() => {});
    },
  };
}
