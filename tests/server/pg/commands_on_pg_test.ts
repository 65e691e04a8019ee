/**
 * The command tests (`tests/commands/`) again, each harness's store a {@linkcode PostgresStore}
 * on a fresh database of one PostgreSQL for this file (`_support/on_postgres.ts`). Left out:
 * `log_level_test.ts` and `registry_test.ts`, which use no store.
 * @module
 */

import { onPostgres } from "../../_support/on_postgres.ts";

const finish = await onPostgres("on PostgreSQL");

await import("../../commands/accept_test.ts");
await import("../../commands/bid_test.ts");
await import("../../commands/caps_test.ts");
await import("../../commands/deregister_test.ts");
await import("../../commands/exactly_once_test.ts");
await import("../../commands/handler_events_test.ts");
await import("../../commands/list_item_test.ts");
await import("../../commands/login_test.ts");
await import("../../commands/refuse_test.ts");
await import("../../commands/register_test.ts");
await import("../../commands/session_key_check_test.ts");
await import("../../commands/sessions_test.ts");
await import("../../commands/subscribe_test.ts");

finish();
