import assert from "node:assert/strict";
import { applyEvent } from "../../auction/apply.ts";
import { emptyState } from "../../auction/state.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "a session keeps the node it was made through (REGISTER, then LOGIN elsewhere), and none " +
    "when made without one",
  pure,
  () => {
    const state = emptyState();
    const registered = (name: string, node?: string) => ({
      type: "user_registered" as const,
      atMs: 1,
      name,
      role: "buyer" as const,
      declaredIp: "127.0.0.1",
      udpPort: 7000,
      tcpPort: 7001,
      session: { hostname: "127.0.0.1", port: name === "bea" ? 7000 : 7100, node },
    });
    applyEvent(state, registered("bea", "beta"));
    applyEvent(state, { ...registered("bob"), session: { hostname: "127.0.0.1", port: 7100 } });
    assert.deepEqual(state.users["bea"]?.session, {
      hostname: "127.0.0.1",
      port: 7000,
      node: "beta",
    });
    assert.deepEqual(state.users["bob"]?.session, { hostname: "127.0.0.1", port: 7100 });
    applyEvent(state, {
      type: "user_logged_in",
      atMs: 2,
      name: "bea",
      session: { hostname: "127.0.0.1", port: 7000, node: "gamma" },
    });
    assert.deepEqual(state.users["bea"]?.session, {
      hostname: "127.0.0.1",
      port: 7000,
      node: "gamma",
    });
    assert.equal(state.sessions["127.0.0.1:7000"], "bea");
  },
);
