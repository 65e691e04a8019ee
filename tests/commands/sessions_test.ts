import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { COMMANDS } from "../../commands/mod.ts";
import { defineCommand, requireUser } from "../../commands/define.ts";
import { message } from "../../protocol/mod.ts";
import { Dispatcher } from "../../server/net/dispatcher.ts";
import { keyOf, registerLine, withKey } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "a REGISTER from another user's address takes the address away from that user",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "alice"), 40001);
    assert.equal(await harness.request(registerLine(1, "bob"), 40001), "REGISTERED 1");
    const { state } = harness.core;
    assert.equal(state.users["alice"]?.session, null);
    assert.deepEqual(state.users["bob"]?.session, peer(40001));
    assert.equal(state.sessions["127.0.0.1:40001"], "bob");
    // The stale binding no longer acts for alice: her DE-REGISTER from there is ignored.
    await harness.request("DE-REGISTER 2 alice", 40001);
    assert.ok(state.users["alice"]);
  },
);

Deno.test(
  "a LOGIN from another user's address takes the address away from that user",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "alice", { password: "pw-a" }), 40001);
    await harness.request(registerLine(1, "bob", { password: "pw-b" }), 40002);
    assert.match(
      await harness.request("LOGIN 2 bob pw-b", 40001) ?? "",
      /^LOGIN_SUCCESS 2 role=buyer key=[0-9a-f]{32}$/,
    );
    const { state } = harness.core;
    assert.equal(state.users["alice"]?.session, null);
    assert.deepEqual(state.users["bob"]?.session, peer(40001));
    assert.deepEqual(state.sessions, { "127.0.0.1:40001": "bob" });
    assert.match(
      await harness.request("LOGIN 3 alice pw-a", 40005) ?? "",
      /^LOGIN_SUCCESS 3 role=buyer key=/,
    );
    assert.deepEqual(state.sessions, { "127.0.0.1:40001": "bob", "127.0.0.1:40005": "alice" });
  },
);

/** A stand-in command that, like every auction command, needs a user at the sender's address. */
const whoAmI = defineCommand({
  name: "BID",
  summary: "test: answers with the sender's user",
  handle(request, context) {
    const { user } = requireUser(context);
    return message("BID_REJECTED", request.rq, { reason: `you are ${user.name}` });
  },
});

Deno.test(
  "a request from an address with no user is refused with the row's refusal",
  pure,
  async () => {
    const harness = await createHarness();
    const dispatcher = new Dispatcher(harness.core, {
      commands: [...COMMANDS.filter((command) => command.name !== "BID"), whoAmI],
    });
    const request = async (line: string, port: number) => {
      let reply: string | undefined;
      await dispatcher.dispatch(new TextEncoder().encode(line), peer(port), (text) => reply = text);
      return reply;
    };
    assert.equal(
      await request("BID 9 Kite 5", 40001),
      "BID_REJECTED 9 Not registered: REGISTER or LOGIN from this address first",
    );
    await request(registerLine(1, "alice"), 40001);
    assert.equal(await request("BID 10 Kite 5", 40001), "BID_REJECTED 10 you are alice");
    const bobKey = keyOf(await request(registerLine(2, "bob", { password: "pw-b" }), 40001));
    assert.equal(
      await request(withKey("BID 11 Kite 5", bobKey), 40001),
      "BID_REJECTED 11 you are bob",
    );
    await request("LOGIN 3 bob pw-b", 40002);
    assert.equal(
      await request(withKey("BID 12 Kite 5", bobKey), 40001),
      "BID_REJECTED 12 Not registered: REGISTER or LOGIN from this address first",
    );
  },
);

Deno.test("a request the server does not take is refused with DENIED", pure, async () => {
  const harness = await createHarness();
  assert.equal(
    await harness.request("REGISTERED 4", 40001),
    "DENIED 4 REGISTERED is not a request the server takes here",
  );
  assert.match(
    (await harness.request("PLONK 0", 40001)) ?? "",
    /^DENIED 0 Unknown message "PLONK"/,
  );
  assert.match((await harness.request("hello", 40001)) ?? "", /^DENIED 0 /);
});
