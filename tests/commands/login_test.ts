import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { fakeDerive } from "../_support/fake_derive.ts";
import { keyOf, registerLine, withKey } from "./_lines.ts";
import { pure } from "../_support/pure.ts";
import { LoginThrottle } from "../../server/identity/login_throttle.ts";
import {
  LEGACY_ITERATIONS,
  PASSWORD_ITERATIONS,
  PasswordHasher,
} from "../../server/identity/passwords.ts";
import { sessionKeyHash } from "../../server/identity/session_keys.ts";

const FAILED = "Unknown user or wrong password";

async function withDerive(options: { loginThrottle?: LoginThrottle } = {}) {
  const derive = fakeDerive();
  const harness = await createHarness({ passwords: new PasswordHasher({ derive }), ...options });
  return { harness, derive };
}

Deno.test("LOGIN moves the session to the sender's address with a fresh key", pure, async () => {
  const { harness } = await withDerive();
  const oldKey = keyOf(
    await harness.request(registerLine(1, "alice", { role: "seller", password: "pw" }), 40001),
  );
  const reply = await harness.request("LOGIN 7 ALICE pw", 40002);
  const key = keyOf(reply);
  assert.equal(reply, `LOGIN_SUCCESS 7 role=seller key=${key}`);
  assert.notEqual(key, oldKey);
  const { state } = harness.core;
  assert.deepEqual(state.users["alice"]?.session, peer(40002));
  assert.equal(state.sessions["127.0.0.1:40002"], "alice");
  assert.equal(state.sessions["127.0.0.1:40001"], undefined);
  assert.equal(state.users["alice"]?.tcpPort, 6001, "the TCP port stays without one");
  assert.equal(state.users["alice"]?.sessionKeyHash, sessionKeyHash(key), "only a hash is kept");
  assert.ok(!JSON.stringify(state.users).includes(key));
  // The old key no longer acts, the new one does.
  assert.equal(
    await harness.request(withKey("DE-REGISTER 8 alice", oldKey), 40002),
    "DENIED 8 Session key missing or wrong",
  );
  assert.equal(await harness.request(withKey("DE-REGISTER 9 alice", key), 40002), undefined);
  assert.equal(state.users["alice"], undefined);
});

Deno.test("LOGIN updates the TCP port when it names one", pure, async () => {
  const { harness } = await withDerive();
  await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
  assert.match(await harness.request("LOGIN 2 alice 7100 pw", 40002) ?? "", /^LOGIN_SUCCESS 2 /);
  assert.equal(harness.core.state.users["alice"]?.tcpPort, 7100);
});

Deno.test(
  "LOGIN gives an unknown name and a wrong password the same reason after one hash each",
  pure,
  async (t) => {
    const { harness, derive } = await withDerive();
    await harness.request(registerLine(1, "alice", { password: "s3cret" }), 40001);
    derive.calls.length = 0;
    await t.step("unknown", async () => {
      assert.equal(await harness.request("LOGIN 3 nobody pw", 40002), `LOGIN-FAILED 3 ${FAILED}`);
      assert.deepEqual(derive.calls.map((call) => call.iterations), [PASSWORD_ITERATIONS]);
    });
    await t.step("wrong", async () => {
      derive.calls.length = 0;
      assert.equal(
        await harness.request("LOGIN 4 alice 7100 S3CRET", 40002),
        `LOGIN-FAILED 4 ${FAILED}`,
      );
      assert.deepEqual(derive.calls.map((call) => call.iterations), [PASSWORD_ITERATIONS]);
    });
    await t.step("missing, for a known and an unknown name alike, without a hash", async () => {
      derive.calls.length = 0;
      assert.equal(await harness.request("LOGIN 5 alice", 40002), `LOGIN-FAILED 5 ${FAILED}`);
      assert.equal(await harness.request("LOGIN 6 nobody 7100", 40002), `LOGIN-FAILED 6 ${FAILED}`);
      assert.equal(derive.calls.length, 0);
    });
    await t.step("nothing moved on a failure", () => {
      assert.deepEqual(harness.core.state.users["alice"]?.session, peer(40001));
      assert.equal(harness.core.state.users["alice"]?.tcpPort, 6001);
      assert.equal(harness.core.state.sessions["127.0.0.1:40002"], undefined);
    });
    await t.step("right, with and without a TCP port", async () => {
      assert.match(
        await harness.request("LOGIN 7 alice 7100 s3cret", 40002) ?? "",
        /^LOGIN_SUCCESS 7/,
      );
      assert.equal(harness.core.state.users["alice"]?.tcpPort, 7100);
      assert.match(await harness.request("LOGIN 8 alice s3cret", 40003) ?? "", /^LOGIN_SUCCESS 8/);
    });
  },
);

Deno.test("LOGIN to an account without a password is refused, whatever is sent", pure, async () => {
  const { harness, derive } = await withDerive();
  await harness.request(registerLine(1, "alice"), 40001);
  for (const line of ["LOGIN 2 alice", "LOGIN 3 alice whatever", "LOGIN 4 alice 7000 x"]) {
    assert.match(
      await harness.request(line, 40009) ?? "",
      /^LOGIN-FAILED \d This account has no password: /,
    );
  }
  assert.equal(derive.calls.length, 0, "no hash spent on it");
  assert.deepEqual(harness.core.state.users["alice"]?.session, peer(40001));
});

Deno.test(
  "LOGIN failures are throttled per (name, IP), unknown names exactly like known ones",
  pure,
  async (t) => {
    const throttle = new LoginThrottle({ freeFailures: 3, baseDelayMs: 10_000 });
    const { harness, derive } = await withDerive({ loginThrottle: throttle });
    await harness.request(registerLine(1, "alice", { password: "right" }), 40001);
    const attacker = { hostname: "10.0.0.66", port: 5555 };
    const replies: Record<string, string[]> = { alice: [], ghost: [] };
    for (const name of ["alice", "ghost"]) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const reply = await harness.request(
          `LOGIN ${10 + attempt} ${name} guess${attempt}`,
          attacker,
        );
        replies[name]!.push(reply!.replace(/^LOGIN-FAILED \d+ /, ""));
      }
    }
    await t.step("the same replies for a known and an unknown name", () => {
      assert.deepEqual(replies["alice"], replies["ghost"]);
      assert.deepEqual(replies["alice"]!.slice(0, 3), [FAILED, FAILED, FAILED]);
      assert.match(replies["alice"]![3]!, /^Too many failed logins .*: try again in 10 s$/);
    });
    await t.step("refused without a password check, even the right password", async () => {
      derive.calls.length = 0;
      assert.match(await harness.request("LOGIN 20 alice right", attacker) ?? "", /Too many/);
      assert.equal(derive.calls.length, 0);
    });
    await t.step("another address is not locked out", async () => {
      assert.match(await harness.request("LOGIN 21 alice right", 40002) ?? "", /^LOGIN_SUCCESS/);
    });
    await t.step("the refusal is not remembered: the same request later is checked", async () => {
      harness.clock.advance(10_000);
      assert.match(await harness.request("LOGIN 20 alice right", attacker) ?? "", /^LOGIN_SUCCESS/);
    });
  },
);

Deno.test("a 100,000-iteration hash is upgraded at the next successful LOGIN", pure, async () => {
  const { harness, derive } = await withDerive();
  await harness.request(registerLine(1, "alice", { password: "old-pw" }), 40001);
  // Make alice's hash look like one made before iterations were recorded.
  const legacySalt = btoa("legacy-salt-0001");
  const legacy = await derive(
    "old-pw",
    Uint8Array.from(atob(legacySalt), (c) => c.charCodeAt(0)),
    LEGACY_ITERATIONS,
  );
  const alice = harness.core.state.users["alice"]!;
  alice.passwordHash = btoa(String.fromCharCode(...legacy));
  alice.passwordSalt = legacySalt;
  delete alice.passwordIterations;
  derive.calls.length = 0;
  assert.equal(await harness.request("LOGIN 2 alice nope", 40002), `LOGIN-FAILED 2 ${FAILED}`);
  const spent = derive.calls.reduce((sum, call) => sum + call.iterations, 0);
  assert.equal(spent, PASSWORD_ITERATIONS, "a weaker hash is topped up to the same work");
  assert.equal(alice.passwordIterations, undefined, "no upgrade on a failure");
  assert.match(await harness.request("LOGIN 3 alice old-pw", 40002) ?? "", /^LOGIN_SUCCESS 3/);
  const upgraded = harness.core.state.users["alice"]!;
  assert.equal(upgraded.passwordIterations, PASSWORD_ITERATIONS);
  assert.notEqual(upgraded.passwordSalt, legacySalt);
  const event = harness.events.findLast((entry) => entry.type === "user_logged_in");
  assert.ok(event && "upgradedPassword" in event, "the upgrade is journaled with the LOGIN");
  assert.match(await harness.request("LOGIN 4 alice old-pw", 40003) ?? "", /^LOGIN_SUCCESS 4/);
});
