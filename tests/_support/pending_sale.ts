/**
 * A store holding a closed auction whose sale is pending (no server ran it), and parties that
 * answer every INFORM_Req: the start of the sale crash tests, on the file store and on
 * PostgreSQL alike.
 * @module
 */

import { applyEvent } from "../../auction/apply.ts";
import type { Store } from "../../server/store/store.ts";
import { saleEvents } from "./sale_fixture.ts";
import type { TcpPeer } from "./tcp_peer.ts";

/** Writes into `store` a closed auction whose sale between `buyer` and `seller` is pending. */
export async function seedPendingSale(
  store: Store,
  buyer: TcpPeer,
  seller: TcpPeer,
): Promise<void> {
  const state = await store.load();
  const events = [
    ...saleEvents({ buyerTcpPort: buyer.port, sellerTcpPort: seller.port }),
    { type: "server_rq_leased", upTo: 200 } as const,
  ];
  for (const event of events) applyEvent(state, event);
  await store.append(events);
  await store.close();
}

/** Makes `peer` answer every INFORM_Req with `name` and `card`. */
export function answerEveryInformReq(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) reply(`INFORM_Res ${match[1]} ${name} "${card}" 11/31 1 Main St\n`).catch(() => {});
  };
}
