/**
 * The HTTP routes: the board page and its files, the JSON API, the event stream, metrics and
 * health. Every body holds public data only: names, descriptions, prices, times.
 * @module
 */

import type { Board } from "./board.ts";
import { itemDetailJson, itemJson } from "./board.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { Readiness } from "./readiness.ts";

/** The page's script modules, served as `/static/NAME`. */
const SCRIPTS = ["board.js", "live.js", "board_list.js", "item_page.js"] as const;

/** The page files, read once at start. */
export interface PageFiles {
  /** `/` */
  boardHtml: string;
  /** `/items/NAME` */
  itemHtml: string;
  /** `/static/board.css` */
  css: string;
  /** `/static/NAME.js`, by path. */
  scripts: Map<string, string>;
}

/** Whether the server can serve: recovered, and its data folder writable. */
export type ReadinessCheck = () => Promise<Readiness>;

/** What the routes serve from. */
export interface RouteOptions {
  board: Board;
  page: PageFiles;
  metrics?: ServerMetrics;
  readiness: ReadinessCheck;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

/** Loads the page files next to this module. */
export async function loadPageFiles(): Promise<PageFiles> {
  const read = (name: string) => Deno.readTextFile(new URL(`./page/${name}`, import.meta.url));
  const [boardHtml, itemHtml, css, ...scripts] = await Promise.all(
    ["board.html", "item.html", "board.css", ...SCRIPTS].map(read),
  );
  return {
    boardHtml: boardHtml!,
    itemHtml: itemHtml!,
    css: css!,
    scripts: new Map(SCRIPTS.map((name, index) => [`/static/${name}`, scripts[index]!])),
  };
}

/** The request handler of the HTTP server. */
export function createHandler(
  options: RouteOptions,
): (request: Request, info?: Deno.ServeHandlerInfo<Deno.NetAddr>) => Promise<Response> {
  const { board, page, metrics } = options;
  return async (request, info) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return jsonResponse({ error: "Method not allowed" }, 405, { allow: "GET, HEAD" });
    }
    const url = new URL(request.url);
    const path = url.pathname;
    switch (path) {
      case "/":
        return text(page.boardHtml, "text/html; charset=utf-8");
      case "/static/board.css":
        return text(page.css, "text/css; charset=utf-8");
      case "/api/items":
        return jsonResponse({
          now: new Date().toISOString(),
          seq: board.seq,
          open: board.model.open().map(itemJson),
          closed: board.model.closed().map(itemJson),
        });
      case "/events":
        if (request.method === "HEAD") {
          return new Response(null, { headers: { "content-type": "text/event-stream" } });
        }
        return board.hub.connect(
          request.headers.get("last-event-id") ?? url.searchParams.get("since"),
          info?.remoteAddr.hostname,
        );
      case "/metrics":
        if (!metrics) return jsonResponse({ error: "Metrics are off" }, 404);
        return text(await metrics.text(), metrics.contentType);
      case "/healthz":
        return jsonResponse({ status: "ok" });
      case "/readyz": {
        const { ready, reason } = await options.readiness();
        return jsonResponse(
          ready ? { status: "ready" } : { status: "not ready", reason },
          ready ? 200 : 503,
        );
      }
    }
    const script = page.scripts.get(path);
    if (script !== undefined) return text(script, "text/javascript; charset=utf-8");
    if (path.startsWith("/items/")) {
      return text(page.itemHtml, "text/html; charset=utf-8");
    }
    if (path.startsWith("/api/items/")) {
      const name = decodeURIComponent(path.slice("/api/items/".length));
      const item = board.model.find(name);
      if (!item) {
        return jsonResponse(
          { error: `No auction named "${name.slice(0, 64)}"`, seq: board.seq },
          404,
        );
      }
      return jsonResponse({
        seq: board.seq,
        now: new Date().toISOString(),
        ...itemDetailJson(item, board.model.historyLimit),
      });
    }
    return jsonResponse({ error: "Not found" }, 404);
  };
}

function text(body: string, contentType: string): Response {
  return new Response(body, {
    headers: { "content-type": contentType, "cache-control": "no-cache", ...SECURITY_HEADERS },
  });
}

/** A JSON response with the board's headers. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...SECURITY_HEADERS,
      ...headers,
    },
  });
}
