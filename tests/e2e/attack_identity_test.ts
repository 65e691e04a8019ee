/**
 * The identity rows of issue 9, replayed as an attacker would against the real server process
 * on loopback. Each test shows a row closed (or, for password-less accounts, forgeable by
 * design, the remaining risk exactly as docs/security/identity.md states it). An off-path
 * forger who can spoof a user's address but not read the replies is modelled by sending from
 * the user's own socket without the key: the server cannot tell the two apart.
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import type { Message } from "../../protocol/mod.ts";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const FAILED = "Unknown user or wrong password";

/** Runs `test` against a fresh server process started with `args`, then stops it cleanly. */
async function withServer(
  args: string[],
  test: (
    server: ServerProcess,
    peer: (hostname?: string, port?: number) => UdpPeer,
  ) => Promise<void>,
): Promise<void> {
  const server = await startServerProcess({ args });
  const peers: UdpPeer[] = [];
  const peer = (hostname = "127.0.0.1", port = 0) => {
    const created = new UdpPeer({ port: server.udpPort }, port, hostname);
    peers.push(created);
    return created;
  };
  try {
    await test(server, peer);
  } finally {
    await Promise.all(peers.map((created) => created.close()));
    const status = await server.stop();
    const output = server.output();
    await Deno.remove(server.dataDir, { recursive: true });
    assert.equal(status.code, 0, output);
    assert.doesNotMatch(output, /Uncaught|panicked/);
    assert.doesNotMatch(output, /key=[0-9a-f]{32}/, "no session key in the log");
  }
}

/** The session key of a REGISTERED or LOGIN_SUCCESS. */
function keyOf(reply: Message): string {
  const key = (reply as { key?: string }).key;
  assert.match(key ?? "", /^[0-9a-f]{32}$/, `a key in ${JSON.stringify(reply)}`);
  return key!;
}

function reasonOf(reply: Message): string {
  return (reply as { reason?: string }).reason ?? `(${reply.type})`;
}

/** BID_UPDATEs a peer received so far. */
function bidUpdates(peer: UdpPeer): Message[] {
  return peer.received.filter((message) => message.type === "BID_UPDATE");
}

/** A seller with an open item `Kite` at 5.00, and a subscribed buyer. */
async function auction(
  peer: (hostname?: string, port?: number) => UdpPeer,
  buyer: { name: string; password?: string; port?: number },
): Promise<{ seller: UdpPeer; sellerKey: string; bob: UdpPeer; bobKey?: string }> {
  const seller = peer();
  const sellerKey = keyOf(await seller.request("REGISTER 1 Sam seller 127.0.0.1 9 9 sam-pass-1"));
  assert.equal(
    (await seller.request(`LIST_ITEM 2 Kite red 5.00 10 key=${sellerKey}`)).type,
    "ITEM_LISTED",
  );
  const bob = peer("127.0.0.1", buyer.port);
  const registered = await bob.request(
    `REGISTER 1 ${buyer.name} buyer 127.0.0.1 9 9${buyer.password ? ` ${buyer.password}` : ""}`,
  );
  assert.equal(registered.type, "REGISTERED");
  const bobKey = buyer.password ? keyOf(registered) : undefined;
  const keyField = bobKey ? ` key=${bobKey}` : "";
  assert.equal((await bob.request(`SUBSCRIBE 2 Kite${keyField}`)).type, "SUBSCRIBED");
  return { seller, sellerKey, bob, ...(bobKey ? { bobKey } : {}) };
}

Deno.test("attack: LOGIN to someone else's account from an unrelated address is refused", async () => {
  await withServer([], async (_server, peer) => {
    const sam = peer();
    assert.equal((await sam.request("REGISTER 1 Sam seller 127.0.0.1 9 9")).type, "REGISTERED");
    const pam = peer();
    const pamKey = keyOf(await pam.request("REGISTER 1 Pam seller 127.0.0.1 9 9 pam-pass-1"));
    const attacker = peer();
    for (const line of [`LOGIN 20 Sam ${attacker.port}`, `LOGIN 21 Sam ${attacker.port} guess`]) {
      const reply = await attacker.request(line);
      assert.equal(reply.type, "LOGIN-FAILED");
      assert.match(reasonOf(reply), /^This account has no password: /);
    }
    assert.deepEqual(await attacker.request(`LOGIN 22 Pam ${attacker.port} guess`), {
      type: "LOGIN-FAILED",
      rq: 22,
      reason: FAILED,
    });
    // The sessions stayed where they were: the owners act, the attacker does not.
    assert.equal((await sam.request("LIST_ITEM 2 Kite red 5.00 10")).type, "ITEM_LISTED");
    assert.equal(
      (await pam.request(`LIST_ITEM 2 Vase blue 5.00 10 key=${pamKey}`)).type,
      "ITEM_LISTED",
    );
    const denied = await attacker.request("LIST_ITEM 23 Lamp x 5.00 10");
    assert.match(reasonOf(denied), /^Not registered/);
  });
});

Deno.test("attack: a TCP socket on the buyer's port number does not bid for the UDP user", async () => {
  await withServer([], async (server, peer) => {
    // Bob's UDP port number is one the kernel gave a TCP listener: a number it picked for UDP
    // alone can be held on TCP by a connection of an earlier test still in TIME_WAIT, and the
    // TCP socket below could not bind it (EADDRINUSE). The listener holds it until then.
    const reserved = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { seller, bob } = await auction(peer, { name: "Bob", port: reserved.addr.port });
    reserved.close();
    // A TCP socket bound to Bob's UDP port number, connected to the server's TCP port.
    const socket = net.connect({
      host: "127.0.0.1",
      port: server.tcpPort,
      localAddress: "127.0.0.1",
      localPort: bob.port,
    });
    let text = "";
    const line = new Promise<string>((resolve, reject) => {
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.includes("\n")) resolve(text.split("\n")[0]!);
      });
      socket.on("error", reject);
      setTimeout(() => reject(new Error(`no reply on TCP: ${JSON.stringify(text)}`)), 5000);
    });
    try {
      socket.write("BID 77 Kite 99.00\n");
      assert.equal(await line, "DENIED 77 Requests go over UDP");
    } finally {
      socket.destroy();
    }
    // Nothing happened for Bob: his own bid at that amount is the first one.
    assert.equal((await bob.request("BID 3 Kite 99.00")).type, "BID_ACCEPTED");
    const update = await seller.waitForType("BID_UPDATE", { item: "Kite" });
    assert.equal(update.highestBid, 9900);
    assert.equal(update.bidder, "Bob");
    assert.equal(bidUpdates(seller).length, 1);
  });
});

Deno.test("attack: a forged datagram from a password account's address without its key changes nothing", async () => {
  for (const args of [[], ["--require-password"]]) {
    await withServer(args, async (_server, peer) => {
      const { seller, bob, bobKey } = await auction(peer, { name: "Bob", password: "bob-pass-1" });
      const wrong = bobKey!.replace(/^./, (digit) => (digit === "0" ? "1" : "0"));
      for (
        const [rq, line] of [[5, "BID 5 Kite 50.00"], [6, `BID 6 Kite 50.00 key=${wrong}`]] as const
      ) {
        assert.deepEqual(await bob.request(line), {
          type: "BID_REJECTED",
          rq,
          reason: "Session key missing or wrong",
        });
      }
      assert.match(reasonOf(await bob.request("DE-REGISTER 7 Bob")), /^Session key missing/);
      assert.match(reasonOf(await bob.request("SUBSCRIBE 8 Kite")), /^Session key missing/);
      // Bob is still there, the price did not move: his keyed bid is the first.
      assert.equal((await bob.request(`BID 9 Kite 6.00 key=${bobKey}`)).type, "BID_ACCEPTED");
      const update = await seller.waitForType("BID_UPDATE", { item: "Kite" });
      assert.equal(update.highestBid, 600);
      assert.equal(bidUpdates(seller).length, 1, `${args.join(" ")}: one update only`);
    });
  }
});

Deno.test("remaining risk: a password-less account acts for any datagram from its address", async () => {
  await withServer([], async (_server, peer) => {
    // As documented: no key exists, so whoever can send from Carol's address bids for her.
    const { seller, bob } = await auction(peer, { name: "Carol" });
    assert.equal((await bob.request("BID 5 Kite 50.00")).type, "BID_ACCEPTED");
    assert.equal((await seller.waitForType("BID_UPDATE")).bidder, "Carol");
  });
});

Deno.test("--require-password: no password-less account, and a forged REGISTER subscribes nothing", async () => {
  await withServer(["--require-password"], async (_server, peer) => {
    const victim = peer();
    assert.match(
      reasonOf(await victim.request("REGISTER 1 Carol buyer 127.0.0.1 9 9")),
      /^A password is required/,
    );
    const sam = peer();
    const samKey = keyOf(await sam.request("REGISTER 1 Sam seller 127.0.0.1 9 9 sam-pass-1"));
    assert.equal(
      (await sam.request(`LIST_ITEM 2 Kite red 5.00 10 key=${samKey}`)).type,
      "ITEM_LISTED",
    );
    // A forger who spoofs the victim's address registers, but never sees the key.
    assert.equal(
      (await victim.request("REGISTER 3 Mallory buyer 127.0.0.1 9 9 mal-pass-1")).type,
      "REGISTERED",
    );
    for (let rq = 4; rq < 24; rq++) {
      assert.match(reasonOf(await victim.request(`SUBSCRIBE ${rq} Kite`)), /^Session key missing/);
    }
    assert.equal(victim.received.filter((m) => m.type === "AUCTION_ANNOUNCE").length, 0);
  });
});

Deno.test("attack: REGISTERs of a taken name with passwords are refused before hashing", async () => {
  await withServer([], async (_server, peer) => {
    const alice = peer();
    keyOf(await alice.request("REGISTER 1 alice buyer 127.0.0.1 9 9 alice-pass-1"));
    const pam = peer();
    keyOf(await pam.request("REGISTER 1 Pam buyer 127.0.0.1 9 9 pam-pass-1"));
    const flooders = Array.from({ length: 4 }, () => peer());
    let flooding = true;
    const reasons = new Map<string, number>();
    const startedMs = Date.now();
    let sent = 0;
    const flood = Promise.all(flooders.map(async (flooder, index) => {
      for (let rq = 1; rq <= 100; rq++) {
        const reply = await flooder.request(
          `REGISTER ${rq} ALICE buyer 127.0.0.1 9 9 guess-${index}-${rq}`,
        );
        reasons.set(reasonOf(reply), (reasons.get(reasonOf(reply)) ?? 0) + 1);
        sent++;
      }
    })).finally(() => flooding = false);
    // A legitimate LOGIN meanwhile (600,000 iterations: one hash, not one per flood request).
    const loginTimesMs: number[] = [];
    for (let rq = 2; flooding || loginTimesMs.length === 0; rq++) {
      const at = Date.now();
      assert.equal((await pam.request(`LOGIN ${rq} Pam pam-pass-1`)).type, "LOGIN_SUCCESS");
      loginTimesMs.push(Date.now() - at);
    }
    await flood;
    const floodMs = Date.now() - startedMs;
    assert.deepEqual([...reasons], [["User name is already taken", 400]], "no hash, so never busy");
    assert.equal(sent, 400);
    // Hashing each one (tens of ms at the least) would take many seconds.
    assert.ok(floodMs < 8000, `400 refusals took ${floodMs} ms`);
    assert.ok(Math.max(...loginTimesMs) < 2000, `LOGIN took ${Math.max(...loginTimesMs)} ms`);
  });
});

Deno.test("attack: password guessing is throttled per (name, IP), unknown names alike", async () => {
  await withServer([], async (_server, peer) => {
    const alice = peer();
    keyOf(await alice.request("REGISTER 1 alice buyer 127.0.0.1 9 9 alice-pass-1"));
    // Guesses from many ports of one IP: the throttle keys on the IP, not the port.
    const sockets = Array.from({ length: 8 }, () => peer());
    const replies: Record<string, string[]> = { alice: [], ghost: [] };
    const timesMs: Record<string, number[]> = { alice: [], ghost: [] };
    for (const name of ["alice", "ghost"]) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const at = Date.now();
        const reply = await sockets[attempt]!.request(
          `LOGIN ${10 + attempt} ${name} guess-${attempt}`,
        );
        timesMs[name]!.push(Date.now() - at);
        assert.equal(reply.type, "LOGIN-FAILED");
        replies[name]!.push(reasonOf(reply).replace(/\d+ s$/, "N s"));
      }
    }
    assert.deepEqual(
      replies["alice"],
      replies["ghost"],
      "a known and an unknown name look the same",
    );
    assert.deepEqual(replies["alice"]!.slice(0, 5), Array(5).fill(FAILED));
    for (const reason of replies["alice"]!.slice(5)) {
      assert.equal(
        reason,
        "Too many failed logins for this name from this address: try again in N s",
      );
    }
    // About the same time: both spend one full hash on each of the first five.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
    const known = median(timesMs["alice"]!.slice(0, 5));
    const unknown = median(timesMs["ghost"]!.slice(0, 5));
    assert.ok(unknown >= 10 && known >= 10, `a real hash each (${known} / ${unknown} ms)`);
    assert.ok(unknown / known < 3 && known / unknown < 3, `${known} ms vs ${unknown} ms`);
    // The right password from this IP is refused for now; from another IP it works.
    assert.match(reasonOf(await sockets[0]!.request("LOGIN 30 alice alice-pass-1")), /^Too many/);
    const elsewhere = peer("127.0.0.2");
    assert.equal((await elsewhere.request("LOGIN 31 alice alice-pass-1")).type, "LOGIN_SUCCESS");
  });
});

Deno.test("attack: a flood of password attempts does not delay another user's bids", async () => {
  await withServer([], async (_server, peer) => {
    const { bob } = await auction(peer, { name: "Bob" });
    let amountCents = 600;
    let rq = 10;
    /** Bob's bid round trips (ms), 10 ms apart: at least `count`, and until `enough()`. */
    const bids = async (count: number, enough = () => true) => {
      const timesMs: number[] = [];
      for (let index = 0; index < count || !enough(); index++, rq++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        amountCents += 1;
        const price = `${Math.floor(amountCents / 100)}.${
          String(amountCents % 100).padStart(2, "0")
        }`;
        const at = performance.now();
        const from = bob.received.length;
        await bob.send(`BID ${rq} Kite ${price}`);
        // Bob is subscribed: a BID_UPDATE may carry the same number as his RQ#.
        const reply = await bob.waitFor((m) => m.rq === rq && m.type !== "BID_UPDATE", { from });
        assert.equal(reply.type, "BID_ACCEPTED");
        timesMs.push(performance.now() - at);
      }
      return timesMs;
    };
    /** Bob's bids while guessers on three IPs send LOGINs (with a password when `hashed`). */
    const underFlood = async (hashed: boolean) => {
      let flooding = true;
      const counts = { failed: 0, busy: 0, other: 0 };
      const hashMs: number[] = [];
      const ips = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];
      const guessers = ips.flatMap((ip) => [peer(ip), peer(ip)]);
      const guess = async (guesser: UdpPeer, index: number) => {
        for (let attempt = 1; flooding; attempt++) {
          // A fresh unknown name each time: with a password, a full (dummy) hash each.
          const name = `ghost${hashed ? "h" : "c"}${index}x${attempt}`;
          const at = performance.now();
          const password = hashed ? ` guess${attempt}` : "";
          const reason = reasonOf(await guesser.request(`LOGIN ${attempt} ${name}${password}`));
          if (reason === "Server busy: try again") counts.busy++;
          else if (reason === FAILED) counts.failed++;
          else counts.other++;
          if (hashed && reason === FAILED) hashMs.push(performance.now() - at);
          // About 150 attempts a second in all, as the issue measured.
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
      };
      const flood = Promise.all(guessers.map(guess));
      try {
        const timesMs = await bids(200, () => !hashed || counts.failed >= 5);
        return { timesMs, counts, hashMs };
      } finally {
        flooding = false;
        await flood;
      }
    };
    const p99 = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(0.99 * values.length)]!;
    /** One round: bids alone, under a flood without hashing, under a hashing flood. */
    const round = async () => {
      const baseline = await bids(100);
      // The same flood without hashing shows what the datagrams alone cost on this machine.
      const control = await underFlood(false);
      const flood = await underFlood(true);
      const hashMedianMs = [...flood.hashMs].sort((a, b) => a - b)[flood.hashMs.length >> 1] ?? 0;
      const summary = `bids p99: ${p99(baseline).toFixed(1)} ms alone, ${
        p99(control.timesMs).toFixed(1)
      } ms under LOGINs without a password, ${
        p99(flood.timesMs).toFixed(1)
      } ms under ${flood.counts.failed} hashed (+${flood.counts.busy} busy) password guesses of ${
        hashMedianMs.toFixed(0)
      } ms each`;
      console.log(summary);
      assert.ok(flood.counts.failed >= 5, `the flood was hashing: ${summary}`);
      assert.equal(flood.counts.other + control.counts.other, 0);
      // A bid stuck behind a hash on the event loop would wait for it: the p99 would grow by
      // about a whole hash. Allowed: under half of one, and never over 60 ms, above the noisier
      // of the two references. (On an idle machine all three p99s are about the same; a loaded
      // one shares its cores with the hash.)
      const allowedMs = Math.min(60, hashMedianMs / 2);
      const referenceMs = Math.max(p99(baseline), p99(control.timesMs));
      return { ok: p99(flood.timesMs) < referenceMs + allowedMs, summary };
    };
    // A machine shared with other work stalls now and then for tens of ms: up to three rounds.
    // A hash on the event loop would fail every one of them.
    const summaries: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const { ok, summary } = await round();
      summaries.push(summary);
      if (ok) return;
    }
    assert.fail(`bids were delayed in every round:\n${summaries.join("\n")}`);
  });
});
