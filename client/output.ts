/**
 * What the client reports, and to whom: server messages and its own events go to one
 * {@linkcode ClientOutput} (the shell, or the scripted mode's JSON lines).
 * @module
 */

import type { Message } from "../protocol/mod.ts";
import type { AutobidEvent } from "./autobid.ts";

/** Something the client did or noticed that is not a server message. */
export type ClientEvent =
  | { type: "sent"; request: string; rq: number; raw: string }
  | { type: "timeout"; request: string; rq: number; raw: string; attempts: number }
  | { type: "error"; error: string; line?: string }
  /** A bid on an item this client does not follow: it subscribes first. */
  | { type: "subscribing"; item: string; command: "bid" | "autobid" }
  | ({ type: "autobid" } & AutobidEvent)
  | {
    type: "payment";
    action: "sent";
    item: string;
    rq: number;
    card: string;
  }
  | {
    type: "payment";
    action: "needed";
    item: string;
    rq: number;
    finalPrice: number;
    /** The client's guess (INFORM_Req carries none): now plus --inform-timeout, or its default. */
    deadlineMs: number;
    /** Whether the guess is from --inform-timeout as given, not from the server's default. */
    deadlineFromFlag: boolean;
    missing: string[];
  }
  | { type: "payment"; action: "failed"; item: string; error: string }
  | { type: "password"; action: "kept"; user: string; file: string }
  | { type: "password"; action: "not_kept"; user: string; reason: string }
  | { type: "session"; action: "lost"; user: string; cause: "key" | "moved"; reason: string }
  | { type: "unreachable"; server: string; seconds: number }
  | { type: "reachable"; server: string }
  | {
    type: "failover";
    from: string;
    /** null: no node of the list answered. */
    to: string | null;
    /** The items subscribed to again at the new node. */
    resubscribed?: string[];
    error?: string;
  };

/**
 * Asks the person at the shell; `secret` answers are masked as typed and kept out of history,
 * `answers` names the few answers a question takes (`buyer or seller`) for its hints.
 */
export type Ask = <T>(
  prompt: string,
  parse: (text: string) => T,
  options?: { secret?: boolean; answers?: string; cancels?: string },
) => Promise<T>;

/** Where the client reports. */
export interface ClientOutput {
  /**
   * A message from the server (a reply, a push, or a TCP message). `saleItem` is the item of
   * the TCP connection it came on, for CANCEL and Shipping_Info, which do not name it.
   */
  message(message: Message, raw: string, via: "udp" | "tcp", saleItem?: string): void;
  /** A client event. */
  event(event: ClientEvent): void;
  /** Asks a question (the shell); absent where nobody can answer (the scripted mode). */
  ask?: Ask;
}

/** How a command ended, for exit codes. */
export type CommandResult = "ok" | "refused" | "timeout" | "error";
