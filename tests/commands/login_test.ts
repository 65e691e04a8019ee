import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { registerLine } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

Deno.test("LOGIN moves the user's session to the sender's address", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice", { role: "seller" }), 40001);
  assert.equal(await harness.request("LOGIN 7 ALICE", 40002), "LOGIN_SUCCESS 7 role=seller");
  const { state } = harness.core;
  assert.deepEqual(state.users["alice"]?.session, peer(40002));
  assert.equal(state.sessions["127.0.0.1:40002"], "alice");
  assert.equal(state.sessions["127.0.0.1:40001"], undefined);
  assert.equal(state.users["alice"]?.tcpPort, 6001, "the TCP port stays without one");
});

Deno.test("LOGIN updates the TCP port when it names one", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  assert.equal(await harness.request("LOGIN 2 alice 7100", 40002), "LOGIN_SUCCESS 2 role=buyer");
  assert.equal(harness.core.state.users["alice"]?.tcpPort, 7100);
});

Deno.test("LOGIN refuses an unknown user", pure, async () => {
  const harness = await createHarness();
  assert.equal(await harness.request("LOGIN 3 nobody", 40001), "LOGIN-FAILED 3 Unknown user");
  assert.deepEqual(harness.core.state.sessions, {});
});

Deno.test("LOGIN needs the password when one was set, and checks it", pure, async (t) => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice", { password: "s3cret" }), 40001);
  await t.step("missing", async () => {
    assert.equal(await harness.request("LOGIN 2 alice", 40002), "LOGIN-FAILED 2 Password required");
    assert.equal(
      await harness.request("LOGIN 3 alice 7100", 40002),
      "LOGIN-FAILED 3 Password required",
    );
  });
  await t.step("wrong", async () => {
    assert.equal(
      await harness.request("LOGIN 4 alice 7100 S3CRET", 40002),
      "LOGIN-FAILED 4 Wrong password",
    );
  });
  await t.step("nothing moved on a failure", () => {
    assert.deepEqual(harness.core.state.users["alice"]?.session, peer(40001));
    assert.equal(harness.core.state.users["alice"]?.tcpPort, 6001);
  });
  await t.step("right", async () => {
    assert.equal(
      await harness.request("LOGIN 5 alice 7100 s3cret", 40002),
      "LOGIN_SUCCESS 5 role=buyer",
    );
    assert.deepEqual(harness.core.state.users["alice"]?.session, peer(40002));
    assert.equal(harness.core.state.users["alice"]?.tcpPort, 7100);
  });
  await t.step("right, without a TCP port", async () => {
    assert.equal(
      await harness.request("LOGIN 6 alice s3cret", 40003),
      "LOGIN_SUCCESS 6 role=buyer",
    );
  });
});

Deno.test("LOGIN accepts any password for a user who set none", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  assert.equal(
    await harness.request("LOGIN 2 alice whatever", 40002),
    "LOGIN_SUCCESS 2 role=buyer",
  );
});
