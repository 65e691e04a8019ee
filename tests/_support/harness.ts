/**
 * An in-process server without sockets: the real core and dispatcher over a memory store, a
 * fake clock and an outbox that records. For command and rule tests.
 * @module
 */

import type { ServerMessage } from "../../protocol/mod.ts";
import { FakeClock } from "../../server/clock.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "../../server/config.ts";
import { AuctionCore, type Outbox } from "../../server/core.ts";
import { Dispatcher } from "../../server/net/dispatcher.ts";
import { LoginThrottle } from "../../server/identity/login_throttle.ts";
import { PasswordHasher } from "../../server/identity/passwords.ts";
import { fakeDerive } from "./fake_derive.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";
import { AuctionScheduler } from "../../server/scheduler.ts";
import { MemoryStore, type Store } from "../../server/store/store.ts";

/** One datagram the server sent. */
export interface SentLine {
  /** `host:port` it went to. */
  to: string;
  /** The line. */
  line: string;
  /** The message. */
  message: ServerMessage;
}

/** An outbox that keeps what it is given. */
export class RecordingOutbox implements Outbox {
  readonly sent: SentLine[] = [];
  send(to: PeerAddress, line: string, message: ServerMessage): void {
    this.sent.push({ to: addressKey(to), line, message });
  }
  /** Lines sent to `to` (`host:port`). */
  linesTo(to: string): string[] {
    return this.sent.filter((entry) => entry.to === to).map((entry) => entry.line);
  }
}

/** The harness. */
export interface Harness {
  core: AuctionCore;
  clock: FakeClock;
  store: Store;
  outbox: RecordingOutbox;
  dispatcher: Dispatcher;
  /** The auction clock, when created with `scheduler: true` (started, on the fake clock). */
  scheduler?: AuctionScheduler;
  /** Advances the fake clock by `ms` and waits until the scheduler's work is sent. */
  advance(ms: number): Promise<void>;
  /** Sends `line` from `from` (default 127.0.0.1:40000); resolves to the reply, if any. */
  request(line: string, from?: PeerAddress | number): Promise<string | undefined>;
}

/** The address of test peer number `port` on 127.0.0.1. */
export function peer(port: number): PeerAddress {
  return { hostname: "127.0.0.1", port };
}

/** Builds a harness. */
export async function createHarness(
  options: {
    config?: Partial<ServerConfig>;
    clock?: FakeClock;
    store?: Store;
    /** Also create and start the auction scheduler. @default false */
    scheduler?: boolean;
    /** Password hashing. @default a PasswordHasher over a fast fake derivation */
    passwords?: PasswordHasher;
    /** LOGIN failures per (name, IP). @default a LoginThrottle with its defaults */
    loginThrottle?: LoginThrottle;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const store = options.store ?? new MemoryStore();
  const outbox = new RecordingOutbox();
  const core = new AuctionCore({
    state: await store.load(),
    store,
    clock,
    config: { ...DEFAULT_CONFIG, ...options.config },
    outbox,
  });
  const dispatcher = new Dispatcher(core, {
    passwords: options.passwords ?? new PasswordHasher({ derive: fakeDerive() }),
    loginThrottle: options.loginThrottle ?? new LoginThrottle(),
  });
  const scheduler = options.scheduler ? new AuctionScheduler(core) : undefined;
  scheduler?.start();
  return {
    core,
    clock,
    store,
    outbox,
    dispatcher,
    scheduler,
    async advance(ms) {
      clock.advance(ms);
      await scheduler?.idle();
    },
    async request(line, from = 40000) {
      const sender = typeof from === "number" ? peer(from) : from;
      let reply: string | undefined;
      await dispatcher.dispatch(new TextEncoder().encode(line), sender, (text) => {
        reply = text;
      });
      return reply;
    },
  };
}
