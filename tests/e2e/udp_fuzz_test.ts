import assert from "node:assert/strict";
import { decodeLine } from "../../protocol/mod.ts";
import { Random } from "../_support/random.ts";
import { type ServerProcess, startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { fuzzDatagram, type FuzzIdentity, identityLines } from "../_support/udp_fuzz.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/**
 * A fixed seed keeps CI reproducible; `FUZZ_SEED=123 deno test ...` runs another one, and
 * `FUZZ_SEED=random` a new one each run (the seed is printed on failure).
 */
const SEED_TEXT = Deno.env.get("FUZZ_SEED") ?? "20261125";
const SEED = SEED_TEXT === "random" ? Math.floor(Math.random() * 2 ** 32) : Number(SEED_TEXT);
const FUZZERS = 4;
const DATAGRAMS_PER_FUZZER = 800;
/** Unanswered datagrams a fuzzer keeps in flight, so the server's socket buffer never overflows. */
const WINDOW = 8;
/** Messages the server sends unasked. */
const PUSHES = new Set(["AUCTION_ANNOUNCE", "BID_UPDATE", "NEGOTIATE_REQ", "PRICE_ADJUSTMENT"]);
/** How long a legitimate request may wait for its reply. */
const REPLY_DEADLINE_MS = 1500;

/** A socket that sends fuzz datagrams and checks every reply is a well-formed message. */
class Fuzzer {
  readonly socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  replies = 0;
  readonly malformed: string[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly #loop = this.#receive();

  /** Sends `count` datagrams from `random` to `port`, keeping at most WINDOW unanswered. */
  async run(random: Random, port: number, count: number, self: FuzzIdentity): Promise<void> {
    const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
    const encoder = new TextEncoder();
    let unanswered = 0;
    for (let sent = 0; sent < count; sent++) {
      // A datagram the table answers with nothing (DE-SUBSCRIBE...) frees its slot after 50 ms.
      if (sent - this.replies - unanswered >= WINDOW && !await this.#replyOrTimeout(50)) {
        unanswered++;
      }
      // Every few dozen datagrams, valid lines give this socket its user back, so the fuzz
      // reaches the commands of registered buyers and sellers, not only the refusals.
      const datagrams = sent % 40 === 0
        ? identityLines(random, self).map((line) => encoder.encode(line))
        : [fuzzDatagram(random, self)];
      for (const datagram of datagrams) {
        await this.socket.send(datagram, to).catch(() => {}); // Too big: EMSGSIZE.
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.socket.close();
    await this.#loop;
  }

  /** Waits for the next reply (true), or `timeoutMs` (false). */
  #replyOrTimeout(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  async #receive(): Promise<void> {
    while (!this.#closed) {
      try {
        const [bytes] = await this.socket.receive();
        try {
          // A reply that is not valid UTF-8 is malformed too, not a receive error.
          const line = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
          // Pushes (announcements, updates) answer nothing this socket sent: not counted.
          if (!PUSHES.has(decodeLine(line).type)) this.replies++;
        } catch (error) {
          this.malformed.push(`${JSON.stringify(new TextDecoder().decode(bytes))}: ${error}`);
          this.replies++;
        }
        const wake = this.#wake;
        this.#wake = null;
        wake?.();
      } catch {
        if (this.#closed) return;
      }
    }
  }
}

/** A legitimate seller and buyer: listings, subscriptions and rising bids, each answered in time. */
async function legitimateTraffic(server: ServerProcess, until: () => boolean): Promise<number> {
  const seller = new UdpPeer({ port: server.udpPort });
  const buyer = new UdpPeer({ port: server.udpPort });
  let rq = 1;
  let slowest = 0;
  const expect = async (peer: UdpPeer, line: string, type: string) => {
    const started = Date.now();
    const reply = await peer.request(line, REPLY_DEADLINE_MS);
    slowest = Math.max(slowest, Date.now() - started);
    assert.equal(reply.type, type, `${line} got ${JSON.stringify(reply)}`);
  };
  try {
    await expect(seller, `REGISTER ${rq++} LegitSeller seller 127.0.0.1 9 9`, "REGISTERED");
    await expect(buyer, `REGISTER ${rq++} LegitBuyer buyer 127.0.0.1 9 9`, "REGISTERED");
    let priceCents = 100;
    let items = 0;
    while (!until() || items < 2) {
      const item = `LegitLamp${items++}`;
      await expect(seller, `LIST_ITEM ${rq++} ${item} "A lamp" 1.00 1h`, "ITEM_LISTED");
      const from = buyer.received.length;
      await expect(buyer, `SUBSCRIBE ${rq++} ${item}`, "SUBSCRIBED");
      await buyer.waitForType("AUCTION_ANNOUNCE", { item, from, timeoutMs: REPLY_DEADLINE_MS });
      for (let bid = 0; bid < 5; bid++) {
        priceCents += 100;
        const amount = (priceCents / 100).toFixed(2);
        const updates = seller.received.length;
        await expect(buyer, `BID ${rq++} ${item} ${amount}`, "BID_ACCEPTED");
        const update = await seller.waitForType("BID_UPDATE", {
          item,
          from: updates,
          timeoutMs: REPLY_DEADLINE_MS,
        });
        assert.equal(update.highestBid, priceCents);
        assert.equal(update.bidder, "LegitBuyer");
      }
    }
    return slowest;
  } finally {
    await Promise.all([seller.close(), buyer.close()]);
  }
}

Deno.test("hostile datagrams from several sockets neither kill the server nor delay a legitimate user", async () => {
  const server = await startServerProcess({
    args: ["--announce-interval", "0", "--max-listings-per-seller", "0"],
  });
  let exited = false;
  server.process.status.then(() => exited = true);
  const fuzzers = Array.from({ length: FUZZERS }, () => new Fuzzer());
  const seeded = `(seed ${SEED}: rerun with FUZZ_SEED=${SEED})`;
  try {
    let fuzzing = true;
    const fuzzed = Promise.all(
      fuzzers.map((fuzzer, index) =>
        fuzzer.run(new Random(SEED + index), server.udpPort, DATAGRAMS_PER_FUZZER, {
          name: `fz${index}`,
          role: index % 2 === 0 ? "seller" : "buyer",
        })
      ),
    ).finally(() => fuzzing = false);
    const [slowestMs] = await Promise.all([legitimateTraffic(server, () => !fuzzing), fuzzed])
      .catch((error) => {
        throw new Error(`${error.message} ${seeded}`, { cause: error });
      });
    assert.ok(!exited, `the server is alive ${seeded}\n${server.output().slice(-3000)}`);
    for (const fuzzer of fuzzers) {
      assert.deepEqual(fuzzer.malformed, [], `every reply is a well-formed message ${seeded}`);
      assert.ok(fuzzer.replies > DATAGRAMS_PER_FUZZER / 2, `the fuzz was answered ${seeded}`);
    }
    // A fresh client registers and bids.
    const fresh = new UdpPeer({ port: server.udpPort });
    try {
      const registered = await fresh.request("REGISTER 1 Fresh buyer 127.0.0.1 9 9", 1000);
      assert.equal(registered.type, "REGISTERED", seeded);
      const bid = await fresh.request("BID 2 LegitLamp0 999999.00", 1000);
      assert.equal(bid.type, "BID_ACCEPTED", seeded);
    } finally {
      await fresh.close();
    }
    assert.ok(slowestMs < REPLY_DEADLINE_MS);
  } finally {
    await Promise.all(fuzzers.map((fuzzer) => fuzzer.close()));
    await server.stop();
  }
  const output = server.output();
  assert.doesNotMatch(
    output,
    /Uncaught|^\s+at .*:\d+:\d+\)?$/m,
    `no crash or stack trace ${seeded}`,
  );
  assert.doesNotMatch(output, /\[(ERR|FTL|error|fatal)\]|"level":"(error|fatal)"/i, seeded);
  const verify = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `${ROOT}main.ts`,
      "inspect",
      "--data-dir",
      server.dataDir,
      "--verify",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = new TextDecoder().decode(verify.stdout) + new TextDecoder().decode(verify.stderr);
  assert.equal(verify.code, 0, `inspect --verify passes ${seeded}\n${report}`);
  await Deno.remove(server.dataDir, { recursive: true });
});
