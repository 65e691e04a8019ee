import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { keyOf, registerLine } from "./_lines.ts";
import { fakeDerive } from "../_support/fake_derive.ts";
import { PASSWORD_ITERATIONS, PasswordHasher } from "../../server/identity/passwords.ts";
import { sessionKeyHash } from "../../server/identity/session_keys.ts";
import { pure } from "../_support/pure.ts";

Deno.test("REGISTER registers a user whose session is the datagram's source", pure, async () => {
  const harness = await createHarness();
  const reply = await harness.request(
    "REGISTER 1 Alice SELLER 192.168.1.10 6000 6001",
    peer(40001),
  );
  assert.equal(reply, "REGISTERED 1");
  const user = harness.core.state.users["alice"];
  assert.ok(user);
  assert.equal(user.name, "Alice");
  assert.equal(user.role, "seller");
  assert.equal(user.declaredIp, "192.168.1.10");
  assert.equal(user.udpPort, 6000);
  assert.equal(user.tcpPort, 6001);
  assert.deepEqual(user.session, peer(40001));
  assert.equal(harness.core.state.sessions["127.0.0.1:40001"], "alice");
  assert.equal(user.passwordHash, undefined);
});

Deno.test("REGISTER refuses a name taken in another case and changes nothing", pure, async () => {
  const harness = await createHarness();
  assert.equal(await harness.request(registerLine(1, "alice"), 40001), "REGISTERED 1");
  const reply = await harness.request(registerLine(1, "ALICE", { role: "seller" }), 40002);
  assert.equal(reply, "REGISTER-DENIED 1 User name is already taken");
  assert.equal(Object.keys(harness.core.state.users).length, 1);
  assert.equal(harness.core.state.users["alice"]?.role, "buyer");
  assert.equal(harness.core.state.sessions["127.0.0.1:40002"], undefined);
});

Deno.test("REGISTER refuses a bad role, IP or port with REGISTER-DENIED", pure, async (t) => {
  const harness = await createHarness();
  const cases: [string, RegExp][] = [
    ["REGISTER 4 bob admin 10.0.0.1 6000 6001", /^REGISTER-DENIED 4 Invalid Role "admin"/],
    ["REGISTER 4 bob buyer 10.0.0.300 6000 6001", /^REGISTER-DENIED 4 Invalid IP/],
    ["REGISTER 4 bob buyer 10.0.0.1 0 6001", /^REGISTER-DENIED 4 Invalid UDP_Port/],
    ["REGISTER 4 bob buyer 10.0.0.1 6000 70000", /^REGISTER-DENIED 4 Invalid TCP_Port/],
    ["REGISTER 4 bob buyer 10.0.0.1 6000", /^REGISTER-DENIED 4 REGISTER is missing TCP_Port/],
    ["REGISTER 4 b!b buyer 10.0.0.1 6000 6001", /^REGISTER-DENIED 4 Invalid Name/],
    ["REGISTER 4 __proto__ buyer 10.0.0.1 6000 6001", /^REGISTER-DENIED 4 .*reserved/],
  ];
  for (const [line, expected] of cases) {
    await t.step(line, async () => {
      assert.match((await harness.request(line, 40003)) ?? "", expected);
    });
  }
  assert.deepEqual(harness.core.state.users, {});
  assert.deepEqual(harness.core.state.sessions, {});
});

Deno.test("REGISTER refuses a new user once config.maxUsers are registered", pure, async () => {
  // No provisional accounts: one would give its place (tests/commands/provisional_test.ts).
  const harness = await createHarness({ config: { maxUsers: 2, provisionalSeconds: 0 } });
  assert.equal(await harness.request(registerLine(1, "a"), 40001), "REGISTERED 1");
  assert.equal(await harness.request(registerLine(1, "b"), 40002), "REGISTERED 1");
  assert.equal(
    await harness.request(registerLine(1, "c"), 40003),
    "REGISTER-DENIED 1 Server is full: at most 2 users",
  );
  assert.equal(harness.core.state.users["c"], undefined);
  assert.equal(await harness.request("DE-REGISTER 2 a", 40001), undefined);
  assert.equal(await harness.request(registerLine(2, "c"), 40003), "REGISTERED 2");
});

Deno.test("REGISTER stores a salted hash of the password, never the password", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice", { password: "hunter2-secret" }), 40001);
  await harness.request(registerLine(1, "bob", { password: "hunter2-secret" }), 40002);
  const alice = harness.core.state.users["alice"]!;
  const bob = harness.core.state.users["bob"]!;
  assert.match(alice.passwordHash ?? "", /^[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(alice.passwordSalt, bob.passwordSalt, "each user has its own salt");
  assert.notEqual(alice.passwordHash, bob.passwordHash);
  assert.ok(!JSON.stringify(harness.core.state).includes("hunter2"));
  assert.ok(!JSON.stringify(harness.events).includes("hunter2"));
});

Deno.test(
  "REGISTER with a password answers a session key and keeps only its hash",
  pure,
  async () => {
    const harness = await createHarness();
    const reply = await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
    const key = keyOf(reply);
    assert.equal(reply, `REGISTERED 1 key=${key}`);
    const alice = harness.core.state.users["alice"]!;
    assert.equal(alice.sessionKeyHash, sessionKeyHash(key));
    assert.equal(alice.passwordIterations, PASSWORD_ITERATIONS);
    assert.ok(!JSON.stringify(harness.core.state.users).includes(key));
    const registered = harness.events.filter((event) => event.type === "user_registered");
    assert.ok(!JSON.stringify(registered).includes(key), "the event holds the hash, not the key");
    assert.equal(await harness.request(registerLine(2, "bob"), 40002), "REGISTERED 2", "no key");
  },
);

Deno.test("REGISTER refuses a taken name before hashing the password", pure, async () => {
  const derive = fakeDerive();
  const harness = await createHarness({ passwords: new PasswordHasher({ derive }) });
  await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
  assert.equal(derive.calls.length, 1);
  for (let rq = 2; rq < 50; rq++) {
    assert.equal(
      await harness.request(registerLine(rq, "ALICE", { password: `guess${rq}` }), 40002),
      `REGISTER-DENIED ${rq} User name is already taken`,
    );
  }
  assert.equal(derive.calls.length, 1, "no hash for a taken name");
});

Deno.test(
  "REGISTER is refused at once when hashing is over capacity, and not remembered",
  pure,
  async () => {
    const gate = Promise.withResolvers<void>();
    const derive = fakeDerive();
    const slow = async (password: string, salt: Uint8Array, iterations: number) => {
      await gate.promise;
      return derive(password, salt, iterations);
    };
    const harness = await createHarness({
      passwords: new PasswordHasher({ derive: slow, maxInFlight: 4 }),
    });
    const first = harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
    const line = registerLine(1, "bob", { password: "pw" });
    // The same IP already has a hash in flight.
    assert.equal(await harness.request(line, 40002), "REGISTER-DENIED 1 Server busy: try again");
    gate.resolve();
    assert.match(await first ?? "", /^REGISTERED 1 key=/);
    assert.match(await harness.request(line, 40002) ?? "", /^REGISTERED 1 key=/, "evaluated again");
  },
);

Deno.test(
  "--require-password refuses REGISTER without one, and password-less accounts",
  pure,
  async () => {
    const harness = await createHarness({ config: { requirePassword: true } });
    assert.match(
      await harness.request(registerLine(1, "alice"), 40001) ?? "",
      /^REGISTER-DENIED 1 A password is required/,
    );
    assert.equal(harness.core.state.users["alice"], undefined);
    assert.match(
      await harness.request(registerLine(2, "alice", { password: "pw" }), 40001) ?? "",
      /^REGISTERED 2 key=/,
    );
    // An account made before the flag was turned on cannot act any more.
    harness.core.state.users["alice"]!.passwordHash = undefined;
    delete harness.core.state.users["alice"]!.sessionKeyHash;
    assert.match(
      await harness.request("DE-REGISTER 3 alice", 40001) ?? "",
      /^DENIED 3 This server requires a password and this account has none/,
    );
    assert.ok(harness.core.state.users["alice"]);
  },
);
