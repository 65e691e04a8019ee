import assert from "node:assert/strict";
import { createHarness } from "../_support/harness.ts";
import { REPLY_LIFETIME_MS } from "../../auction/replies.ts";
import { repeatDigest, requestDigest } from "../../server/net/reply_cache.ts";
import { keyOf, registerLine, withKey } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "an identical repeat of a REGISTER gets the same reply and changes nothing",
  pure,
  async () => {
    const harness = await createHarness();
    const line = registerLine(1, "alice", { password: "pw" });
    const first = await harness.request(line, 40001);
    assert.equal(first, `REGISTERED 1 key=${keyOf(first)}`);
    const events = harness.events.length;
    const state = JSON.stringify(harness.core.state);
    assert.equal(await harness.request(line, 40001), first, "the same key again");
    assert.equal(await harness.request(line, 40001), first);
    assert.equal(harness.events.length, events);
    assert.equal(JSON.stringify(harness.core.state), state);
  },
);

Deno.test("an identical repeat of a refusal gets the same refusal", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
  assert.equal(
    await harness.request("LOGIN 5 alice bad", 40002),
    "LOGIN-FAILED 5 Unknown user or wrong password",
  );
  assert.equal(
    await harness.request("LOGIN 5 alice bad", 40002),
    "LOGIN-FAILED 5 Unknown user or wrong password",
  );
});

Deno.test(
  "an identical repeat of a LOGIN after the user moved on is not redone",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
    const second = await harness.request("LOGIN 2 alice pw", 40002);
    assert.match(second ?? "", /^LOGIN_SUCCESS 2 role=buyer key=/);
    assert.match(await harness.request("LOGIN 3 alice pw", 40003) ?? "", /^LOGIN_SUCCESS 3 /);
    // A late retransmission from 40002 must not steal the session back.
    assert.equal(await harness.request("LOGIN 2 alice pw", 40002), second);
    assert.equal(harness.core.state.users["alice"]?.session?.port, 40003);
  },
);

Deno.test(
  "an identical repeat of a DE-REGISTER gets no reply and is not redone",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "alice"), 40001);
    assert.equal(await harness.request("DE-REGISTER 2 alice", 40001), undefined);
    const events = harness.events.length;
    assert.equal(await harness.request("DE-REGISTER 2 alice", 40001), undefined);
    assert.equal(harness.events.length, events);
    assert.deepEqual(harness.outbox.sent, []);
    // Redoing it now would change nothing, as alice is gone: so register her again from the same
    // address, and a late copy of the first DE-REGISTER must leave the new account alone.
    assert.equal(await harness.request(registerLine(3, "alice"), 40001), "REGISTERED 3");
    const account = JSON.stringify(harness.core.state.users["alice"]);
    const eventsAfter = harness.events.length;
    assert.equal(await harness.request("DE-REGISTER 2 alice", 40001), undefined);
    assert.equal(
      JSON.stringify(harness.core.state.users["alice"]),
      account,
      "the new account stays",
    );
    assert.equal(harness.events.length, eventsAfter);
    assert.deepEqual(harness.outbox.sent, []);
  },
);

Deno.test("a repeat with the same RQ# but different bytes is a new request", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice", { password: "pw" }), 40001);
  assert.equal(
    await harness.request("LOGIN 7 alice nope", 40002),
    "LOGIN-FAILED 7 Unknown user or wrong password",
  );
  assert.match(
    await harness.request("LOGIN 7 alice pw", 40002) ?? "",
    /^LOGIN_SUCCESS 7 role=buyer/,
  );
  assert.equal(await harness.request(registerLine(8, "bob"), 40003), "REGISTERED 8");
  assert.equal(await harness.request(registerLine(8, "carol"), 40003), "REGISTERED 8");
  assert.ok(harness.core.state.users["carol"]);
});

Deno.test("the same bytes from another address are a new request", pure, async () => {
  const harness = await createHarness();
  const line = registerLine(1, "alice");
  assert.equal(await harness.request(line, 40001), "REGISTERED 1");
  assert.equal(
    await harness.request(line, 40002),
    "REGISTER-DENIED 1 User name is already taken",
  );
});

Deno.test("a repeat after the reply lifetime is a new request", pure, async () => {
  const harness = await createHarness();
  const line = registerLine(1, "alice");
  assert.equal(await harness.request(line, 40001), "REGISTERED 1");
  harness.clock.advance(REPLY_LIFETIME_MS + 1);
  assert.equal(
    await harness.request(line, 40001),
    "REGISTER-DENIED 1 User name is already taken",
  );
});

Deno.test(
  "the reply to a state change is kept in the state, so it survives a restart",
  pure,
  async () => {
    const harness = await createHarness();
    const line = registerLine(1, "alice");
    await harness.request(line, 40001);
    const restarted = await createHarness({ events: [...harness.events] });
    assert.equal(await restarted.request(line, 40001), "REGISTERED 1");
    assert.equal(Object.keys(restarted.core.state.users).length, 1);
  },
);

Deno.test(
  "repeats of requests handled at once, with one RQ# from two sources or two RQ#s from one, each wait for their own",
  pure,
  async () => {
    const harness = await createHarness();
    // Dispatched in one turn: each is handled after a hop, so the repeats find them in flight.
    const alice = registerLine(1, "alice");
    const bob = registerLine(1, "bob");
    const carol = registerLine(2, "carol");
    const replies = await Promise.all([
      harness.request(alice, 40001),
      harness.request(bob, 40002),
      harness.request(carol, 40002),
      harness.request(bob, 40002),
      harness.request(alice, 40001),
      harness.request(carol, 40002),
      harness.request(bob, 40002),
    ]);
    const [forAlice, forBob, forCarol] = replies;
    assert.deepEqual([forAlice, forBob, forCarol], [
      "REGISTERED 1",
      "REGISTERED 1",
      "REGISTERED 2",
    ]);
    assert.deepEqual(replies, [forAlice, forBob, forCarol, forBob, forAlice, forCarol, forBob]);
    const registered = harness.events.filter((event) => event.type === "user_registered");
    assert.deepEqual(
      registered.map((event) => event.type === "user_registered" && event.name),
      ["alice", "bob", "carol"],
      "each once",
    );
  },
);

Deno.test(
  "a repeat that arrives while the first is still being handled gets the same reply",
  pure,
  async () => {
    const harness = await createHarness();
    // REGISTER with a password spends time hashing before it is handled: retransmit meanwhile.
    const line = registerLine(1, "alice", { password: "pw" });
    const replies = await Promise.all([
      harness.request(line, 40001),
      harness.request(line, 40001),
      harness.request(line, 40001),
    ]);
    assert.deepEqual(replies, Array(3).fill(`REGISTERED 1 key=${keyOf(replies[0])}`));
    assert.equal(harness.events.filter((event) => event.type === "user_registered").length, 1);
  },
);

Deno.test(
  "repeatDigest() is the digest of the line's UTF-8 bytes, ASCII or not (it is journaled)",
  pure,
  () => {
    // Pinned values: a journal written by an earlier version must match the same requests.
    assert.equal(repeatDigest("BID 3 Kite 5.00"), "6797f18b1a4570e3");
    const line = 'LIST_ITEM 2 Kite "Drachen für Zoë 🪁" 5.00 10';
    assert.equal(repeatDigest(`${line} key=abc`), "4601ba0ee08dd9e1");
    assert.equal(repeatDigest(line), requestDigest(new TextEncoder().encode(line)));
  },
);

Deno.test("repeatDigest() leaves out only a trailing key= field", pure, () => {
  const key = "0123456789abcdef0123456789abcdef";
  assert.equal(repeatDigest(`BID 3 Kite 5.00 key=${key}`), repeatDigest("BID 3 Kite 5.00"));
  assert.equal(
    repeatDigest(`BID 3 Kite 5.00 KEY=${key.toUpperCase()}`),
    repeatDigest("BID 3 Kite 5.00"),
  );
  assert.notEqual(repeatDigest("BID 3 Kite 5.00"), repeatDigest("BID 3 Kite 5.01"));
  assert.notEqual(
    repeatDigest('LIST_ITEM 2 Kite "a key=x" 5.00 10'),
    repeatDigest('LIST_ITEM 2 Kite "a" 5.00 10'),
  );
});

Deno.test(
  "a reply cached for the user an address was bound to never answers the next user bound to it",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "sam", { role: "seller" }), 40010);
    assert.equal(await harness.request("LIST_ITEM 2 Vase blue 10 5", 40010), "ITEM_LISTED 2");
    assert.equal(await harness.request(registerLine(1, "xena"), 40001), "REGISTERED 1");
    assert.equal(await harness.request("BID 2 Vase 20", 40001), "BID_ACCEPTED 2");
    // The operating system gives the port to another program: a new user registers from it.
    assert.equal(await harness.request(registerLine(3, "yuri"), 40001), "REGISTERED 3");
    assert.equal(
      await harness.request("BID 2 Vase 20", 40001),
      "BID_REJECTED 2 Bid too low: current price is 20.00",
      "evaluated for yuri, not answered with xena's reply",
    );
    // And so after a restart, from the journal.
    const restarted = await createHarness({ events: [...harness.events] });
    assert.equal(
      await restarted.request("BID 2 Vase 20", 40001),
      "BID_REJECTED 2 Bid too low: current price is 20.00",
    );
    // A retransmission of yuri's own REGISTER still gets its first reply.
    assert.equal(await harness.request(registerLine(3, "yuri"), 40001), "REGISTERED 3");
  },
);

Deno.test(
  "a refusal to an address with no user is not the answer once a user is bound to it",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "sam", { role: "seller" }), 40010);
    await harness.request("LIST_ITEM 2 Vase blue 10 5", 40010);
    assert.match(
      await harness.request("BID 2 Vase 20", 40001) ?? "",
      /^BID_REJECTED 2 Not registered/,
    );
    assert.equal(await harness.request(registerLine(3, "xena"), 40001), "REGISTERED 3");
    assert.equal(await harness.request("BID 2 Vase 20", 40001), "BID_ACCEPTED 2");
  },
);

Deno.test(
  "a user who logs in again from its own address keeps the replies cached for it",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "sam", { role: "seller" }), 40010);
    await harness.request("LIST_ITEM 2 Vase blue 10 5", 40010);
    const key = keyOf(await harness.request(registerLine(1, "xena", { password: "pw" }), 40001));
    assert.equal(await harness.request(withKey("BID 2 Vase 20", key), 40001), "BID_ACCEPTED 2");
    const again = keyOf(await harness.request("LOGIN 3 xena pw", 40001));
    // The bid's reply was lost; its retransmission, now with the new key, is not redone.
    assert.equal(await harness.request(withKey("BID 2 Vase 20", again), 40001), "BID_ACCEPTED 2");
  },
);
