/**
 * The server's public surface: start a server, and the seams it takes in its options (store,
 * clock, payment gateway). Everything else in `server/` is internal to the server.
 * @module
 */

export { type ServerHandle, type ServerOptions, startServer } from "./server.ts";
export { DEFAULT_CONFIG, type ServerConfig } from "./config.ts";
export { type Clock, FakeClock, systemClock } from "./clock.ts";
export { MemoryStore, type Store } from "./store/store.ts";
export { FileStore, type FileStoreOptions } from "./store/file_store.ts";
export { PostgresStore, type PostgresStoreOptions } from "./pg/postgres_store.ts";
export {
  DECLINED_TEST_CARD,
  type PaymentGateway,
  type PaymentRequest,
  type PaymentResult,
  SimulatedGateway,
} from "./sale/payment.ts";
export { splitPrice } from "../protocol/mod.ts";
export type { AuctionState } from "../auction/state.ts";
export type { AuctionEvent } from "../auction/events.ts";
