/**
 * What the throughput benchmark sends: one workload per request kind.
 * @module
 */

/** A kind of request to measure. */
export interface BenchWorkload {
  /** Lines client 0 sends once before measuring (RQ#s below 1000), e.g. to list an item. */
  setup: readonly string[];
  /** The line of a client's request number `index`, with RQ# `rq` (1000 and up). */
  request(client: number, index: number, rq: number): string;
  /** Whether a reply acknowledges a change (only those are counted). */
  isAcknowledgement(type: string): boolean;
}

/** The workloads by name (`--request NAME`). BID joins once the auction commands exist. */
export const WORKLOADS: Record<string, BenchWorkload> = {
  register: {
    setup: [],
    request: (client, index, rq) => `REGISTER ${rq} b${client}_${index} buyer 127.0.0.1 6000 6001`,
    isAcknowledgement: (type) => type === "REGISTERED",
  },
};
