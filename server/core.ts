/**
 * The transport-free core: the live state, the one way to change it (a transaction of events),
 * and the rule that nothing caused by a change leaves before the change is durable.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { encodeMessage, type ServerMessage } from "../protocol/mod.ts";
import { applyEvent } from "../auction/apply.ts";
import type { Clock } from "./clock.ts";
import type { ServerConfig } from "./config.ts";
import type { AuctionEvent } from "../auction/events.ts";
import { addressKey, type AuctionState, type PeerAddress } from "../auction/state.ts";
import { logEnabled } from "./logging.ts";
import { CoreTransaction, type TransactionHooks } from "./core_transaction.ts";
import type { Store } from "./store/store.ts";

const logger = getLogger(["auction", "push"]);

/** How many server RQ#s one lease reserves. */
const RQ_LEASE_SIZE = 1000;

/** Sends a line to a peer over UDP; the transport implements it. */
export interface Outbox {
  /**
   * Sends one message as one datagram. Never throws. `withReply`: it belongs to the answer to a
   * request (SUBSCRIBE's AUCTION_ANNOUNCE), to go with the reply rather than after the pushes
   * already waiting.
   */
  send(to: PeerAddress, line: string, message: ServerMessage, withReply?: boolean): void;
  /**
   * `undefined` when the outbox takes pushes as they come; otherwise a promise that resolves
   * once it has room again (the UDP transport's push queue is long). @default always room
   */
  whenRoom?(): Promise<void> | undefined;
}

/** A datagram to go out once the transaction that made it is durable. */
export interface Delivery {
  /** Where to. */
  to: PeerAddress;
  /** What. */
  message: ServerMessage;
  /** Part of the answer to the request (see {@linkcode Outbox.send}). @default false */
  withReply?: boolean;
}

/** The view of the core a piece of work gets while it runs: read state, emit events, push. */
export interface Transaction {
  /** The live state; change it only through {@linkcode emit}. */
  readonly state: Readonly<AuctionState>;
  /** The time this transaction runs at. */
  readonly nowMs: number;
  /** The server settings. */
  readonly config: Readonly<ServerConfig>;
  /** Applies an event now and journals it with the transaction. */
  emit(event: AuctionEvent): void;
  /** The next server RQ#, from the one counter that survives restarts. */
  nextServerRq(): number;
  /** Queues a message to a user's session address, sent once the transaction is durable. */
  push(userKey: string, build: (rq: number) => ServerMessage): void;
  /** Queues a message to an address, sent once the transaction is durable. */
  sendTo(to: PeerAddress, message: ServerMessage, withReply?: boolean): void;
}

/**
 * The read-only side of the core: its state, time and settings. Those who follow the core take
 * this (or part of it) and the one method they need, not the whole {@linkcode AuctionCore}.
 */
export interface CoreView {
  /** The live state, read-only. */
  readonly state: Readonly<AuctionState>;
  /** The source of time. */
  readonly clock: Clock;
  /** The settings. */
  readonly config: Readonly<ServerConfig>;
}

/** The one way to change the state: {@linkcode AuctionCore.run}. */
export interface TransactionRunner {
  /** Runs `work` as one transaction; see {@linkcode AuctionCore.run}. */
  run<T>(work: (transaction: Transaction) => T, onDurable?: (result: T) => void): Promise<T>;
}

/** Called after every event is applied (the scheduler listens here). */
export type EventListener = (event: AuctionEvent, transaction: Transaction) => void;

/** The events of one transaction, once durable: `events[i]` has sequence number `firstSeq + i`. */
export interface CommittedBatch {
  /** The store's sequence number of the first event (journal `seq` for the file store). */
  readonly firstSeq: number;
  /** The events, in the order they were applied. */
  readonly events: readonly AuctionEvent[];
}

/** Called once per transaction with events, after they are durable, in sequence order. */
export type CommittedListener = (batch: CommittedBatch) => void;

interface PendingBatch extends CommittedBatch {
  durable: boolean;
}

/** Options of {@linkcode AuctionCore}. */
export interface AuctionCoreOptions {
  /** The state the store loaded. */
  state: AuctionState;
  /** Where events become durable. */
  store: Store;
  /** The source of time. */
  clock: Clock;
  /** The settings. */
  config: ServerConfig;
  /** Where pushes go. */
  outbox: Outbox;
  /** Called when the store fails: the server must stop (fail-stop). */
  onFatal?: (error: unknown) => void;
}

/** The live state and the transactions that change it. */
export class AuctionCore {
  /** The live state, read-only: it changes only through {@linkcode run}'s transactions. */
  readonly state: Readonly<AuctionState>;
  /** The source of time. */
  readonly clock: Clock;
  /** The settings. */
  readonly config: Readonly<ServerConfig>;
  readonly #state: AuctionState;
  readonly #store: Store;
  readonly #outbox: Outbox;
  readonly #listeners: EventListener[] = [];
  readonly #committedListeners: CommittedListener[] = [];
  /** Batches appended but not yet reported, in sequence order. */
  readonly #pending: PendingBatch[] = [];
  #committedSeq: number;
  readonly #onFatal: (error: unknown) => void;
  #nextServerRq: number;

  constructor(options: AuctionCoreOptions) {
    this.state = this.#state = options.state;
    this.#store = options.store;
    this.clock = options.clock;
    this.config = options.config;
    this.#outbox = options.outbox;
    this.#onFatal = options.onFatal ?? ((error) => {
      throw error;
    });
    this.#nextServerRq = this.state.serverRqLeased;
    this.#committedSeq = this.#store.lastSeq;
  }

  /**
   * Resolves once everything applied so far is durable: for a reply that changes nothing but
   * may describe state still on its way to disk.
   */
  whenDurable(): Promise<void> {
    return this.#store.flush();
  }

  /**
   * `undefined` when pushes go out as they are made; otherwise a promise that resolves once the
   * outbox has room again. Work that pushes by the thousand (an announcement round) waits for
   * it between slices, so that a round never queues more than the socket drains.
   */
  whenPushRoom(): Promise<void> | undefined {
    return this.#outbox.whenRoom?.();
  }

  /** Registers a listener called after each event is applied. */
  onEvent(listener: EventListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Registers a listener called with each transaction's events once they are durable (after
   * fsync, after the reply and pushes went out), in sequence order. `state` read before any
   * transaction ran matches {@linkcode committedSeq}; the listener must be quick and not throw.
   */
  onCommitted(listener: CommittedListener): void {
    this.#committedListeners.push(listener);
  }

  /** Sequence number of the last event reported to committed listeners. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /**
   * Runs `work` synchronously against the state, then waits until its events (and everything
   * before them) are durable, calls `onDurable` (which sends the reply) and then sends the
   * pushes, in order. Resolves to what `work` returned.
   */
  async run<T>(
    work: (transaction: Transaction) => T,
    onDurable?: (result: T) => void,
  ): Promise<T> {
    const events: AuctionEvent[] = [];
    const deliveries: Delivery[] = [];
    const transaction = this.#transaction(events, deliveries);
    const result = work(transaction);
    let batch: PendingBatch | undefined;
    let durable: Promise<void>;
    if (events.length > 0) {
      durable = this.#store.append(events);
      batch = { firstSeq: this.#store.lastSeq - events.length + 1, events, durable: false };
      this.#pending.push(batch);
    } else {
      durable = this.#store.flush();
    }
    try {
      await durable;
    } catch (error) {
      this.#onFatal(error);
      throw error;
    }
    onDurable?.(result);
    for (const delivery of deliveries) this.#deliver(delivery);
    if (batch) {
      batch.durable = true;
      this.#reportCommitted();
    }
    return result;
  }

  /** Reports durable batches to committed listeners, oldest first, never past one still on its way. */
  #reportCommitted(): void {
    while (this.#pending[0]?.durable) {
      const batch = this.#pending.shift()!;
      this.#committedSeq = batch.firstSeq + batch.events.length - 1;
      for (const listener of this.#committedListeners) {
        try {
          listener(batch);
        } catch (error) {
          logger.error("A committed-events listener failed: {error}", { error });
        }
      }
    }
  }

  #deliver(delivery: Delivery): void {
    const line = encodeMessage(delivery.message);
    if (logEnabled("info")) {
      logger.info("Pushed {line} to {peer}", { line, peer: addressKey(delivery.to) });
    }
    this.#outbox.send(delivery.to, line, delivery.message, delivery.withReply);
  }

  #transaction(events: AuctionEvent[], deliveries: Delivery[]): Transaction {
    return new CoreTransaction(this.#hooks, events, deliveries);
  }

  /** What every transaction calls back into, made once rather than per transaction. */
  readonly #hooks: TransactionHooks = {
    core: this,
    emit: (transaction, events, event) => {
      applyEvent(this.#state, event);
      events.push(event);
      for (const listener of this.#listeners) listener(event, transaction);
    },
    nextServerRq: (transaction) => {
      const rq = this.#nextServerRq++;
      if (this.#nextServerRq >= this.state.serverRqLeased) {
        transaction.emit({ type: "server_rq_leased", upTo: this.#nextServerRq + RQ_LEASE_SIZE });
      }
      return rq;
    },
  };
}
