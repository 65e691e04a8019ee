/**
 * A harness with the auction clock and four registered users: seller `sam` and buyers `ann`,
 * `ben` and `cat`, each on its own port of 127.0.0.1. Bare durations count in seconds and
 * periodic announcements are off unless the test turns them on.
 * @module
 */

import type { AuctionEvent } from "../../auction/events.ts";
import type { ServerMessage } from "../../protocol/mod.ts";
import type { FakeClock } from "../../server/clock.ts";
import type { ServerConfig } from "../../server/config.ts";
import type { Store } from "../../server/store/store.ts";
import { createHarness, type Harness } from "./harness.ts";

/** Port of the seller `sam`. */
export const SAM = 41000;
/** Port of the buyer `ann`. */
export const ANN = 41001;
/** Port of the buyer `ben`. */
export const BEN = 41002;
/** Port of the buyer `cat`. */
export const CAT = 41003;

/** Builds the harness and registers the four users (unless the store already has them). */
export async function createAuctionHarness(
  options: {
    config?: Partial<ServerConfig>;
    store?: Store;
    /** Without `store`: the events the new store holds already (a restart over that log). */
    events?: readonly AuctionEvent[];
    clock?: FakeClock;
  } = {},
): Promise<Harness> {
  const harness = await createHarness({
    scheduler: true,
    store: options.store,
    events: options.events,
    clock: options.clock,
    config: { durationUnit: "s", announceIntervalSeconds: 0, ...options.config },
  });
  const users: [string, string, number][] = [
    ["sam", "seller", SAM],
    ["ann", "buyer", ANN],
    ["ben", "buyer", BEN],
    ["cat", "buyer", CAT],
  ];
  for (const [name, role, port] of users) {
    if (harness.core.state.users[name]) continue;
    const reply = await harness.request(
      `REGISTER 1 ${name} ${role} 127.0.0.1 ${port} ${port + 1000}`,
      port,
    );
    if (reply !== "REGISTERED 1") throw new Error(`Cannot register ${name}: ${reply}`);
  }
  return harness;
}

/** Messages the server sent to 127.0.0.1:`port`, oldest first. */
export function sentTo(harness: Harness, port: number): ServerMessage[] {
  return harness.outbox.sent.filter((entry) => entry.to === `127.0.0.1:${port}`).map((entry) =>
    entry.message
  );
}

/** Lines the server sent to 127.0.0.1:`port` without their RQ#, e.g. `BID_UPDATE Kite ...`. */
export function linesTo(harness: Harness, port: number): string[] {
  return harness.outbox.linesTo(`127.0.0.1:${port}`).map((line) => line.replace(/ \d+/, ""));
}

/** Forgets what was sent so far. */
export function clearSent(harness: Harness): void {
  harness.outbox.sent.length = 0;
}
