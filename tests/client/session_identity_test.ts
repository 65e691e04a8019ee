import assert from "node:assert/strict";
import { SessionIdentity } from "../../client/session_identity.ts";

Deno.test({
  name:
    "SessionIdentity keeps the role when a LOGIN leaves it out, and the password only with a name",
  permissions: "none",
  fn: () => {
    const identity = new SessionIdentity();
    assert.equal(identity.credentials(), undefined);
    identity.set({ name: "ann", role: "buyer", key: "k1", password: "pw" });
    assert.equal(identity.name, "ann");
    assert.equal(identity.role, "buyer");
    assert.deepEqual(identity.credentials(), { name: "ann", password: "pw" });
    identity.set({ name: "ann", key: "k2", password: "pw2" });
    assert.equal(identity.role, "buyer");
    assert.deepEqual(identity.credentials(), { name: "ann", password: "pw2" });
    identity.set({ name: undefined, password: "pw3" });
    assert.equal(identity.name, undefined);
    assert.equal(identity.credentials(), undefined);
  },
});

Deno.test({
  name: "SessionIdentity.withKey() adds the latest session key, and nothing before one is known",
  permissions: "none",
  fn: () => {
    const identity = new SessionIdentity();
    assert.deepEqual(identity.withKey({ type: "PING", rq: 1 }), { type: "PING", rq: 1 });
    identity.set({ name: "ann", key: "k1", password: "pw" });
    assert.deepEqual(identity.withKey({ type: "PING", rq: 2 }), { type: "PING", rq: 2, key: "k1" });
    identity.loggedIn("k2");
    assert.deepEqual(identity.withKey({ type: "PING", rq: 3 }), { type: "PING", rq: 3, key: "k2" });
    identity.loggedIn(undefined);
    assert.deepEqual(identity.withKey({ type: "PING", rq: 4 }), { type: "PING", rq: 4 });
  },
});
