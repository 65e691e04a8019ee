import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import { keyOf, registerLine, withKey } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

async function sellerWithKey() {
  const harness = await createHarness();
  const key = keyOf(
    await harness.request(registerLine(1, "sam", { role: "seller", password: "pw" }), 40001),
  );
  return { harness, key };
}

Deno.test(
  "a password account's request without its key, or with a wrong one, is refused and changes nothing",
  pure,
  async (t) => {
    const { harness, key } = await sellerWithKey();
    const events = harness.events.length;
    const wrong = key.replace(/^./, (digit) => (digit === "0" ? "1" : "0"));
    for (
      const [name, line] of [
        ["missing", "LIST_ITEM 2 Kite red 5.00 10"],
        ["wrong", withKey("LIST_ITEM 2 Kite red 5.00 10", wrong)],
        [
          "upper-case copy of a wrong key",
          withKey("LIST_ITEM 2 Kite red 5.00 10", wrong.toUpperCase()),
        ],
      ] as const
    ) {
      await t.step(name, async () => {
        assert.equal(
          await harness.request(line, 40001),
          "LIST-DENIED 2 Session key missing or wrong",
        );
      });
    }
    assert.equal(
      await harness.request("DE-REGISTER 3 sam", 40001),
      "DENIED 3 Session key missing or wrong",
    );
    assert.equal(harness.events.length, events, "nothing journaled");
    assert.deepEqual(harness.core.state.openItems, {});
    assert.ok(harness.core.state.users["sam"]);
    await t.step("the refusal is not remembered: the same RQ# with the key is done", async () => {
      assert.equal(
        await harness.request(withKey("LIST_ITEM 2 Kite red 5.00 10", key.toUpperCase()), 40001),
        "ITEM_LISTED 2",
      );
    });
  },
);

Deno.test("repeats are compared without the key field", pure, async () => {
  const { harness, key } = await sellerWithKey();
  const line = "LIST_ITEM 2 Kite red 5.00 10";
  assert.equal(await harness.request(withKey(line, key), 40001), "ITEM_LISTED 2");
  const events = harness.events.length;
  // The client moved to a new key (a LOGIN) and resends the same request with it.
  const newKey = keyOf(await harness.request("LOGIN 3 sam pw", 40001));
  assert.equal(await harness.request(withKey(line, newKey), 40001), "ITEM_LISTED 2");
  assert.equal(harness.events.length, events + 2, "only the LOGIN was done");
});

Deno.test("PING needs no key, and password-less accounts need none", pure, async () => {
  const { harness } = await sellerWithKey();
  assert.equal(await harness.request("PING 5", 40001), "PONG 5");
  await harness.request(registerLine(1, "ann", { role: "seller" }), 40002);
  assert.equal(await harness.request("LIST_ITEM 2 Kite red 5.00 10", 40002), "ITEM_LISTED 2");
  assert.equal(
    await harness.request(
      "LIST_ITEM 3 Vase blue 5.00 10 key=0123456789abcdef0123456789abcdef",
      40002,
    ),
    "ITEM_LISTED 3",
    "a key sent by a password-less account is ignored",
  );
});

Deno.test(
  "a request on the server's TCP port never acts for the UDP user of the same port number",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "bob"), 40001);
    const events = harness.events.length;
    const viaTcp = async (line: string) => {
      let reply: string | undefined;
      await harness.dispatcher.dispatch(new TextEncoder().encode(line), peer(40001), (text) => {
        reply = text;
      }, { transport: "tcp" });
      return reply;
    };
    assert.equal(await viaTcp("DE-REGISTER 2 bob"), "DENIED 2 Requests go over UDP");
    assert.equal(
      await viaTcp("REGISTER 1 bob buyer 127.0.0.1 6000 6001"),
      "DENIED 1 Requests go over UDP",
    );
    assert.equal(await viaTcp("LOGIN 3 bob pw"), "DENIED 3 Requests go over UDP");
    assert.equal(await viaTcp("PING 4"), "PONG 4");
    assert.ok(harness.core.state.users["bob"]);
    assert.deepEqual(harness.core.state.sessions, { "127.0.0.1:40001": "bob" });
    assert.equal(harness.events.length, events);
  },
);

Deno.test(
  "a password account whose session dates from before keys must LOGIN to get one",
  pure,
  async () => {
    const { harness } = await sellerWithKey();
    // As recovered from a journal written before session keys existed.
    delete harness.core.state.users["sam"]!.sessionKeyHash;
    assert.equal(
      await harness.request("LIST_ITEM 2 Kite red 5.00 10", 40001),
      "LIST-DENIED 2 Session key missing or wrong",
    );
    const key = keyOf(await harness.request("LOGIN 3 sam pw", 40001));
    assert.equal(
      await harness.request(withKey("LIST_ITEM 2 Kite red 5.00 10", key), 40001),
      "ITEM_LISTED 2",
    );
  },
);
