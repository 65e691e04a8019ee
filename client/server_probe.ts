/**
 * Is the server there? At start the client sends `PING` (retransmitted like any request) until
 * a reply comes; when none has come after 5 s it says so, keeps trying, and says when the
 * server answers after all. Any reply with the PING's RQ# counts (a server that does not know
 * PING answers `DENIED`). Time is injected.
 * @module
 */

import { message } from "../protocol/mod.ts";
import type { ClientEvent } from "./output.ts";
import type { ClientRequest, RequestOutcome } from "./requests.ts";
import type { Timers } from "./timers.ts";

/** How long to wait for the first reply before saying the server does not answer. */
export const UNREACHABLE_AFTER_MS = 5000;

/** Options of {@linkcode ServerProbe}. */
export interface ServerProbeOptions {
  /** The server's address, for the reports. */
  server: string;
  /** Sends a request with the next RQ# (with its retransmissions) and resolves to how it ended. */
  request(build: (rq: number) => ClientRequest): Promise<Pick<RequestOutcome, "status">>;
  report(event: ClientEvent): void;
  timers: Timers;
  /** @default UNREACHABLE_AFTER_MS */
  unreachableAfterMs?: number;
}

/** Pings the server until it answers. */
export class ServerProbe {
  readonly #options: ServerProbeOptions;
  readonly #pings = new Set<number>();
  #running = false;
  #stopped = false;

  constructor(options: ServerProbeOptions) {
    this.#options = options;
  }

  /** Whether `rq` is a PING of this probe still out (its reply is not shown to the user). */
  isPing(rq: number): boolean {
    return this.#pings.has(rq);
  }

  /** Starts pinging (once); resolves when the server answered or the probe was stopped. */
  async start(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    const { timers, server, report } = this.#options;
    const afterMs = this.#options.unreachableAfterMs ?? UNREACHABLE_AFTER_MS;
    let saidUnreachable = false;
    const timer = timers.setTimeout(() => {
      saidUnreachable = true;
      report({ type: "unreachable", server, seconds: Math.round(afterMs / 1000) });
    }, afterMs);
    try {
      while (!this.#stopped) {
        const status = await this.#ping();
        if (status === "replied") {
          timers.clear(timer);
          if (saidUnreachable) report({ type: "reachable", server });
          return;
        }
        if (status === "cancelled") return;
        // No reply after every retransmission: keep trying.
      }
    } finally {
      timers.clear(timer);
    }
  }

  async #ping(): Promise<RequestOutcome["status"]> {
    let sent = 0;
    const outcome = await this.#options.request((rq) => {
      sent = rq;
      this.#pings.add(rq);
      return message("PING", rq, {});
    });
    this.#pings.delete(sent);
    return outcome.status;
  }

  /** Stops pinging (the client is closing). */
  stop(): void {
    this.#stopped = true;
  }
}
