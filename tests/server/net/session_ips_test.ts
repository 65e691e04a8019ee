import assert from "node:assert/strict";
import { createHarness, type Harness, peer } from "../../_support/harness.ts";
import { Dispatcher } from "../../../server/net/dispatcher.ts";
import { SessionIps } from "../../../server/net/session_ips.ts";
import { addressKey, emptyState, type PeerAddress } from "../../../auction/state.ts";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { MemoryStore } from "../../../server/store/store.ts";
import { keyOf, registerLine } from "../../commands/_lines.ts";
import { PasswordHasher } from "../../../server/identity/passwords.ts";
import { fakeDerive } from "../../_support/fake_derive.ts";
import { pure } from "../../_support/pure.ts";

/** A dispatcher that tells `sessions` which session addresses have shown that they receive. */
function wire(harness: Harness, sessions: SessionIps) {
  const dispatcher = new Dispatcher(harness.core, {
    onSessionShown: (address, key) => sessions.confirm(address, key),
    passwords: new PasswordHasher({ derive: fakeDerive() }),
  });
  return async (line: string, from: PeerAddress | number): Promise<string | undefined> => {
    let reply: string | undefined;
    const sender = typeof from === "number" ? peer(from) : from;
    await dispatcher.dispatch(new TextEncoder().encode(line), sender, (text) => reply = text);
    return reply;
  };
}

Deno.test("the dispatcher tells a shown session with its address key", pure, async () => {
  const harness = await createHarness();
  const shown: [PeerAddress, string][] = [];
  const dispatcher = new Dispatcher(harness.core, {
    onSessionShown: (address, key) => shown.push([address, key]),
    passwords: new PasswordHasher({ derive: fakeDerive() }),
  });
  const request = (line: string, from: PeerAddress) =>
    dispatcher.dispatch(new TextEncoder().encode(line), from, () => {});
  const far = { hostname: "10.0.0.5", port: 5555 };
  const v6 = { hostname: "::1", port: 6666 };
  await request(registerLine(1, "sam", { role: "seller" }), far);
  await request(registerLine(1, "ann", { role: "seller" }), v6);
  await request("LIST_ITEM 2 Kite kite 20 60", far);
  await request("LIST_ITEM 2 Vase vase 20 60", v6);
  assert.deepEqual(shown, [[far, addressKey(far)], [v6, addressKey(v6)]]);
  assert.deepEqual(shown.map(([, key]) => key), ["10.0.0.5:5555", "[::1]:6666"]);
});

Deno.test("SessionIps trusts a session only once a request acted for its user", pure, async () => {
  const harness = await createHarness();
  const sessions = new SessionIps(harness.core);
  const request = wire(harness, sessions);
  const far = { hostname: "10.0.0.5", port: 5555 };
  assert.equal(await request(registerLine(1, "sam", { role: "seller" }), far), "REGISTERED 1");
  assert.equal(sessions.hasSession("10.0.0.5"), false, "a REGISTER may come from a forged address");
  await request("PING 2", far);
  assert.equal(sessions.hasSession("10.0.0.5"), false, "PING shows nothing");
  await request("LIST_ITEM 3 Kite kite 20 60 nobody_else", far);
  assert.equal(sessions.hasSession("10.0.0.5"), false, "a refused request shows nothing");
  assert.equal(await request("LIST_ITEM 4 Kite kite 20 60", far), "ITEM_LISTED 4");
  assert.equal(sessions.hasSession("10.0.0.5"), true);
  assert.equal(sessions.hasSession("127.0.0.1"), false);
});

Deno.test("SessionIps forgets a session that moved, was taken or de-registered", pure, async () => {
  const harness = await createHarness();
  const sessions = new SessionIps(harness.core);
  const request = wire(harness, sessions);
  const first = { hostname: "10.0.0.5", port: 5555 };
  const second = { hostname: "10.0.0.6", port: 5555 };
  // LOGIN needs a password (PROTOCOL.md), and a password account sends its session key.
  const firstKey = keyOf(
    await request(registerLine(1, "sam", { role: "seller", password: "pw-sam" }), first),
  );
  await request(`LIST_ITEM 2 Kite kite 20 60 key=${firstKey}`, first);
  assert.equal(sessions.hasSession("10.0.0.5"), true);
  const secondKey = keyOf(await request("LOGIN 3 sam pw-sam", second));
  assert.equal(sessions.hasSession("10.0.0.5"), false, "the session left that address");
  assert.equal(sessions.hasSession("10.0.0.6"), false, "a LOGIN may come from a forged address");
  await request(`LIST_ITEM 4 Lamp lamp 20 60 key=${secondKey}`, second);
  assert.equal(sessions.hasSession("10.0.0.6"), true);
  await request(registerLine(5, "ann"), second);
  assert.equal(sessions.hasSession("10.0.0.6"), false, "ann took the address: nothing shown yet");
  await request("DE-REGISTER 6 ann", second);
  assert.equal(sessions.hasSession("10.0.0.6"), false);
});

Deno.test(
  "SessionIps trusts the sessions loaded at start that had shown they receive",
  pure,
  async () => {
    const store = new MemoryStore();
    const before = await createHarness({ store });
    const shown = { hostname: "10.0.0.9", port: 9 };
    const forged = { hostname: "10.0.0.8", port: 8 };
    await before.request(registerLine(1, "sam", { role: "seller" }), {
      hostname: "10.0.0.7",
      port: 7,
    });
    await before.request("LIST_ITEM 2 Kite red 10 5", { hostname: "10.0.0.7", port: 7 });
    await before.request(registerLine(1, "ann"), shown);
    assert.equal(await before.request("SUBSCRIBE 2 Kite", shown), "SUBSCRIBED 2");
    // A REGISTER from an address that may be forged, and nothing after it.
    await before.request(registerLine(1, "eve"), forged);
    const shownEvents = store.events.filter((event) => event.type === "session_shown");
    assert.deepEqual(shownEvents.map((event) => event.type === "session_shown" && event.name), [
      "sam",
      "ann",
    ], "journaled once a session");
    const after = await createHarness({ store: new MemoryStore(store.events) });
    const sessions = new SessionIps(after.core);
    assert.equal(sessions.hasSession("10.0.0.9"), true);
    assert.equal(sessions.hasSession("10.0.0.8"), false, "not trusted for having been loaded");
  },
);

Deno.test(
  "SessionIps trusts a loaded session journaled before session_shown existed",
  pure,
  async () => {
    // The event as journaled then: no sessionUnproven field.
    const harness = await createHarness({
      store: new MemoryStore([{
        type: "user_registered",
        atMs: 0,
        name: "old",
        role: "buyer",
        declaredIp: "10.0.0.6",
        udpPort: 6,
        tcpPort: 7,
        session: { hostname: "10.0.0.6", port: 6 },
      }]),
    });
    assert.equal(new SessionIps(harness.core).hasSession("10.0.0.6"), true);
  },
);

Deno.test(
  "a refusal the transport dropped is not remembered: a repeat is evaluated again",
  pure,
  async () => {
    const harness = await createHarness();
    await harness.request(registerLine(1, "alice"), 40001);
    const taken = new TextEncoder().encode(registerLine(7, "alice"));
    const replies: string[] = [];
    await harness.dispatcher.dispatch(taken, peer(40002), (line) => {
      replies.push(line);
      return false; // over the reply budget
    });
    assert.deepEqual(replies, ["REGISTER-DENIED 7 User name is already taken"]);
    await harness.request("DE-REGISTER 2 alice", 40001);
    let repeat: string | undefined;
    await harness.dispatcher.dispatch(taken, peer(40002), (line) => repeat = line);
    assert.equal(repeat, "REGISTERED 7", "done again, not answered from the cache");
  },
);

Deno.test("a refusal that was sent is remembered as before", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  const line = registerLine(7, "alice");
  assert.equal(await harness.request(line, 40002), "REGISTER-DENIED 7 User name is already taken");
  await harness.request("DE-REGISTER 2 alice", 40001);
  assert.equal(await harness.request(line, 40002), "REGISTER-DENIED 7 User name is already taken");
});

Deno.test("SessionIps needs of the core only its state and its events", pure, () => {
  const state = emptyState();
  const listeners: ((event: AuctionEvent) => void)[] = [];
  const sessions = new SessionIps({ state, onEvent: (listener) => listeners.push(listener) });
  const event: AuctionEvent = {
    type: "user_registered",
    atMs: 0,
    name: "Ann",
    role: "buyer",
    declaredIp: "10.0.0.4",
    udpPort: 4,
    tcpPort: 5,
    session: { hostname: "10.0.0.4", port: 4 },
  };
  applyEvent(state, event);
  for (const listener of listeners) listener(event);
  assert.equal(sessions.hasSession("10.0.0.4"), false, "registered, nothing shown yet");
  sessions.confirm({ hostname: "10.0.0.4", port: 4 });
  assert.equal(sessions.hasSession("10.0.0.4"), true);
});

Deno.test("SessionIps lets go of the sessions of expired provisional accounts", pure, async () => {
  const harness = await createHarness();
  const sessions = new SessionIps(harness.core);
  const request = wire(harness, sessions);
  await request(registerLine(1, "ghost"), 40001);
  await request(registerLine(1, "wraith"), 40002);
  assert.equal(sessions.trackedSessions, 2);
  await harness.core.run((transaction) => {
    transaction.emit({ type: "accounts_expired", atMs: transaction.nowMs, names: ["ghost"] });
  });
  assert.equal(sessions.trackedSessions, 1);
});
