/**
 * The part of a client the shell uses (its name, flags, item book, ports, waiting sales and
 * `pay`), for shell tests on a fake terminal. Records what it pays.
 * @module
 */

import { ItemBook } from "../../client/items.ts";
import type { PaymentDetails, PaymentProfile } from "../../client/payment.ts";
import type { AuctionClient } from "../../client/session.ts";

/** Options of {@linkcode fakeShellClient}. */
export interface FakeShellClientOptions {
  /** The sales waiting for payment details; `pay` takes an item off. @default none */
  pending?: { item: string }[];
  /** The payment profile of its flags. @default empty */
  profile?: PaymentProfile;
  /** Its item book. @default a new one */
  items?: ItemBook;
  /** Its user name. @default "scott" */
  name?: string;
}

/** A fake client for the shell, and what it paid. */
export function fakeShellClient(
  options: FakeShellClientOptions = {},
): { client: AuctionClient; paid: { item: string; details: PaymentDetails }[] } {
  const pending = options.pending ?? [];
  const paid: { item: string; details: PaymentDetails }[] = [];
  const client = {
    name: options.name ?? "scott",
    flags: { serverHost: "127.0.0.1", serverPort: 5000, profile: options.profile ?? {} },
    items: options.items ?? new ItemBook(),
    nowMs: () => 0,
    udpPort: 1,
    tcpPort: 2,
    get pendingPayments() {
      return pending;
    },
    pay(item: string, details: PaymentDetails) {
      const index = pending.findIndex((request) => request.item === item);
      if (index >= 0) pending.splice(index, 1);
      paid.push({ item, details });
      return Promise.resolve("ok");
    },
  };
  return { client: client as unknown as AuctionClient, paid };
}
