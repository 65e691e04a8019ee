/**
 * The whole auction of the bundled clients in scripted mode (`tests/client/auction_e2e_test.ts`:
 * negotiation, autobid, the sale to Shipping_Info) again, the server process keeping its state in
 * PostgreSQL (`DATABASE_URL`, a new database of one PostgreSQL for this file). What it adds to
 * `pg_auction_e2e_test.ts` (raw UDP peers, a `kill -9` mid-auction): the real client, the
 * negotiation's ACCEPT and PRICE_ADJUSTMENT, autobid, payment from the clients' profiles.
 * @module
 */

import assert from "node:assert/strict";
import { onPostgres } from "../_support/on_postgres.ts";
import { startServerProcess } from "../_support/server_process.ts";

const finish = await onPostgres("on PostgreSQL");

Deno.test("a server process started here keeps its state in PostgreSQL", async () => {
  const server = await startServerProcess({ args: ["--no-http"] });
  await server.stop();
  assert.match(server.output(), /Database: "postgres:\/\/[^"]*@127\.0\.0\.1:\d+\/auction_test_/);
});

await import("../client/auction_e2e_test.ts");

finish();
