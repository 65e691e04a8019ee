/**
 * The HTTP side of the server: the live board, its JSON API and event stream, Prometheus
 * metrics and health checks, served with `Deno.serve`. A port that cannot be bound is a
 * warning: UDP and TCP keep serving without it.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { Board, type CommittedSource } from "./board.ts";
import type { ServerMetrics } from "./metrics.ts";
import { createHandler, loadPageFiles, type ReadinessCheck } from "./routes.ts";

export { Board, type CommittedSource } from "./board.ts";
export { type MetricsView, ServerMetrics } from "./metrics.ts";
export type { ReadinessCheck } from "./routes.ts";

const logger = getLogger(["auction", "http"]);

/** Options of {@linkcode startHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind. */
  hostname: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Where the board's data comes from (the core). */
  source: CommittedSource;
  /** The metrics `/metrics` serves, if any. */
  metrics?: ServerMetrics;
  /** What `/readyz` reports. */
  readiness: ReadinessCheck;
  /** Limits of the board's model and stream (for tests). */
  board?: ConstructorParameters<typeof Board>[1];
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The board's address, e.g. `http://localhost:8080/`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The board. */
  readonly board: Board;
  /** Ends the event streams and stops serving. */
  close(): Promise<void>;
}

/**
 * Starts serving. Resolves to `null`, after logging a warning, when the port cannot be bound.
 * The board subscribes to the source at once, so call this before any transaction runs.
 */
export async function startHttpServer(
  options: HttpServerOptions,
): Promise<HttpServerHandle | null> {
  const board = new Board(options.source, {
    onDrop: options.metrics?.streamDropped,
    ...options.board,
    onChange: (change) => {
      if (change.type === "closed" && change.item.status === "no_offer") options.metrics?.noOffer();
    },
  });
  const page = await loadPageFiles();
  const handler = createHandler({
    board,
    page,
    metrics: options.metrics,
    readiness: options.readiness,
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: () => {},
      onError: (error) => {
        logger.error("HTTP request failed: {error}", { error });
        return new Response("Internal error", { status: 500 });
      },
    }, handler);
  } catch (error) {
    board.close();
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
  const url = `http://${host}:${port}/`;
  return {
    url,
    port,
    board,
    async close() {
      board.close();
      await server.shutdown();
    },
  };
}
