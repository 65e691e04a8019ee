/**
 * The scheduler and sale finalizer tests (the finalizer's, its limits', the sale's payment)
 * again, each harness's store a
 * {@linkcode PostgresStore} on a fresh database of one PostgreSQL for this file
 * (`_support/on_postgres.ts`).
 * @module
 */

import { onPostgres } from "../../_support/on_postgres.ts";

const finish = await onPostgres("on PostgreSQL");

await import("../scheduler_test.ts");
await import("../sale/finalizer_test.ts");
await import("../sale/finalizer_limits_test.ts");
await import("../sale/sale_payment_test.ts");

finish();
