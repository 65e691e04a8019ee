/**
 * The reply budget of PROTOCOL.md ("Reliability"): before an IP address has a session, what
 * the server sends it totals at most 3x the bytes received from it over the last 10 s, so a
 * forged source address cannot turn the server into an amplifier. A datagram over the budget is
 * dropped whole, never shortened. REGISTERED and LOGIN_SUCCESS, the replies that create a
 * session, are exempt (always sent, and counted against what follows). Bytes are counted in
 * one-second steps.
 * @module
 */

/** Replies may total this many times the bytes received. */
export const REPLY_BUDGET_FACTOR = 3;
/** Over this window. */
export const REPLY_BUDGET_WINDOW_MS = 10_000;
/** The replies that create a session: always sent. */
const EXEMPT = new Set(["REGISTERED", "LOGIN_SUCCESS"]);
/** Most addresses tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_ADDRESSES = 50_000;
const STEP_MS = 1000;
const STEPS = REPLY_BUDGET_WINDOW_MS / STEP_MS;

/** The narrow view of the state the budget needs. */
export interface SessionView {
  /** Whether `ip` has a session the server trusts to receive what it sends. */
  hasSession(ip: string): boolean;
}

/** Bytes in and out of one IP, per one-second step of the window. */
interface Traffic {
  /** The step it was last seen in: it moves to the end of the recency order once per step. */
  seenStep: number;
  /** Step number (`floor(ms / 1000)`) of each slot. */
  steps: number[];
  received: number[];
  sent: number[];
}

/** Decides, per datagram, whether it fits the budget of its destination IP. */
export class ReplyBudget {
  readonly #sessions: SessionView;
  readonly #maxTracked: number;
  /** In recency order, to the step: the first entry was seen longest ago. */
  readonly #traffic = new Map<string, Traffic>();

  constructor(sessions: SessionView, options: { maxTrackedAddresses?: number } = {}) {
    this.#sessions = sessions;
    this.#maxTracked = options.maxTrackedAddresses ?? MAX_TRACKED_ADDRESSES;
  }

  /** Counts `bytes` received from `ip` at `nowMs`. */
  received(ip: string, bytes: number, nowMs: number): void {
    const traffic = this.#touch(ip, nowMs);
    traffic.received[this.#slot(traffic, nowMs)]! += bytes;
  }

  /**
   * Whether `line` (`bytes` long) may go to `ip` at `nowMs`; when it may, counts it as sent.
   * `false` means: drop it whole. A `repeat` (a reply resent from the reply cache to a repeated
   * request) creates no session, so even a REGISTERED or LOGIN_SUCCESS is then within the budget:
   * otherwise one short request resent from a forged address would get its long reply for ever.
   */
  trySend(ip: string, line: string, bytes: number, nowMs: number, repeat = false): boolean {
    if (this.#sessions.hasSession(ip)) return true;
    if (!repeat && EXEMPT.has(line.slice(0, line.indexOf(" ")))) {
      // Always sent, but counted: the replies after it share what is left.
      const traffic = this.#touch(ip, nowMs);
      traffic.sent[this.#slot(traffic, nowMs)]! += bytes;
      return true;
    }
    const traffic = this.#traffic.get(ip);
    if (!traffic) return false;
    const slot = this.#slot(traffic, nowMs);
    const windowStart = Math.floor(nowMs / STEP_MS) - STEPS + 1;
    let received = 0;
    let sent = 0;
    for (let index = 0; index < STEPS; index++) {
      if (traffic.steps[index]! < windowStart) continue;
      received += traffic.received[index]!;
      sent += traffic.sent[index]!;
    }
    if (sent + bytes > REPLY_BUDGET_FACTOR * received) return false;
    traffic.sent[slot]! += bytes;
    return true;
  }

  /**
   * The traffic of `ip`, moved to the end of the recency order unless it was seen in this step
   * already (every datagram comes through here: most need no change to the order).
   */
  #touch(ip: string, nowMs: number): Traffic {
    const step = Math.floor(nowMs / STEP_MS);
    let traffic = this.#traffic.get(ip);
    if (traffic) {
      if (traffic.seenStep === step) return traffic;
      this.#traffic.delete(ip);
    } else {
      traffic = {
        seenStep: step,
        steps: new Array(STEPS).fill(-Infinity),
        received: new Array(STEPS).fill(0),
        sent: new Array(STEPS).fill(0),
      };
      if (this.#traffic.size >= this.#maxTracked) {
        const oldest = this.#traffic.keys().next().value;
        if (oldest !== undefined) this.#traffic.delete(oldest);
      }
    }
    traffic.seenStep = step;
    this.#traffic.set(ip, traffic);
    return traffic;
  }

  /** The slot of `nowMs`, emptied first if it held an older step. */
  #slot(traffic: Traffic, nowMs: number): number {
    const step = Math.floor(nowMs / STEP_MS);
    const index = ((step % STEPS) + STEPS) % STEPS;
    if (traffic.steps[index] !== step) {
      traffic.steps[index] = step;
      traffic.received[index] = 0;
      traffic.sent[index] = 0;
    }
    return index;
  }
}
