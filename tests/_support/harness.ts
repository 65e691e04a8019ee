/**
 * An in-process server without sockets: the real core and dispatcher over a memory store (or
 * the store {@linkcode setStoreFactory} makes: PostgreSQL), a fake clock and an outbox that
 * records. For command and rule tests.
 * @module
 */

import type { AuctionEvent } from "../../auction/events.ts";
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

/** A store that keeps every event appended, in order, in `events` (as {@linkcode MemoryStore}). */
export type JournalStore = Store & { readonly events: AuctionEvent[] };

/**
 * Makes the store of a harness: a new one that loads `events` first (a restart over that log),
 * with `now` as its clock (the harness's fake clock).
 */
export type StoreFactory = (options: {
  events: readonly AuctionEvent[];
  now: () => number;
}) => Promise<JournalStore>;

const memoryStores: StoreFactory = ({ events }) => Promise.resolve(new MemoryStore([...events]));
let storeFactory = memoryStores;

/**
 * Has every harness made from now on in this test file get its store from `factory` (the
 * PostgreSQL runs of `tests/server/pg/*_on_pg_test.ts`); `undefined` restores the memory store.
 */
export function setStoreFactory(factory: StoreFactory | undefined): void {
  storeFactory = factory ?? memoryStores;
}

/** A new store from the current factory (by default a {@linkcode MemoryStore}) holding `events`. */
export function createStore(
  options: { events?: readonly AuctionEvent[]; now?: () => number } = {},
): Promise<JournalStore> {
  return storeFactory({ events: options.events ?? [], now: options.now ?? Date.now });
}

/** One datagram the server sent. */
export interface SentLine {
  /** `host:port` it went to. */
  to: string;
  /** The line. */
  line: string;
  /** The message. */
  message: ServerMessage;
  /** Whether it went with the reply (`Outbox.send`'s `withReply`). */
  withReply: boolean;
}

/** An outbox that keeps what it is given. */
export class RecordingOutbox implements Outbox {
  readonly sent: SentLine[] = [];
  /** What {@linkcode Outbox.whenRoom} answers; set by a test. @default always room */
  whenRoom?: () => Promise<void> | undefined;
  send(to: PeerAddress, line: string, message: ServerMessage, withReply?: boolean): void {
    this.sent.push({ to: addressKey(to), line, message, withReply: withReply === true });
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
  /** Every event its store holds, in order (a {@linkcode JournalStore}'s; throws for another). */
  readonly events: AuctionEvent[];
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
    /** The store. @default a new one from {@linkcode createStore} */
    store?: Store;
    /** Without `store`: the events the new store holds already (a restart over that log). */
    events?: readonly AuctionEvent[];
    /** Also create and start the auction scheduler. @default false */
    scheduler?: boolean;
    /** Password hashing. @default a PasswordHasher over a fast fake derivation */
    passwords?: PasswordHasher;
    /** LOGIN failures per (name, IP). @default a LoginThrottle with its defaults */
    loginThrottle?: LoginThrottle;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? new FakeClock();
  const store = options.store ??
    await createStore({ events: options.events, now: () => clock.now() });
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
    get events() {
      const events = (store as Partial<JournalStore>).events;
      if (!events) throw new TypeError("This harness's store does not keep its events");
      return events;
    },
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
