/**
 * What the throughput benchmark sends: one workload per request kind.
 * @module
 */

/** A kind of request to measure. */
export interface BenchWorkload {
  /** Lines a separate setup peer sends once before measuring (RQ#s below 1000), in order. */
  setup(clients: number): readonly string[];
  /** Lines each client sends from its own address before measuring (RQ#s below 1000). */
  clientSetup?(client: number): readonly string[];
  /** The line of a client's request number `index`, with RQ# `rq` (1000 and up). */
  request(client: number, index: number, rq: number): string;
  /** Whether a reply acknowledges a change (only those are counted). */
  isAcknowledgement(type: string): boolean;
}

/**
 * The workloads by name (`--request NAME`). `bid`: a seller lists one item per client, each
 * client registers as a buyer and bids on its own item, one cent above its last bid, so every
 * bid is accepted (and pushes a BID_UPDATE to the seller).
 */
export const WORKLOADS: Record<string, BenchWorkload> = {
  register: {
    setup: () => [],
    request: (client, index, rq) => `REGISTER ${rq} b${client}_${index} buyer 127.0.0.1 6000 6001`,
    isAcknowledgement: (type) => type === "REGISTERED",
  },
  bid: {
    setup: (clients) => [
      "REGISTER 1 seller seller 127.0.0.1 6000 6001",
      ...Array.from(
        { length: clients },
        (_, client) => `LIST_ITEM ${2 + client} item${client} bench 1.00 3600s`,
      ),
    ],
    clientSetup: (client) => [`REGISTER 1 b${client} buyer 127.0.0.1 6000 6001`],
    request: (client, index, rq) => `BID ${rq} item${client} ${centsText(200 + index)}`,
    isAcknowledgement: (type) => type === "BID_ACCEPTED",
  },
};

/** `cents` as a price with two decimals (`1234` → `12.34`). */
function centsText(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}
