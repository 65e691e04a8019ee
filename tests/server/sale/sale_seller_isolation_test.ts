import assert from "node:assert/strict";
import { systemClock } from "../../../server/clock.ts";
import { DEFAULT_CONFIG } from "../../../server/config.ts";
import { AuctionCore } from "../../../server/core.ts";
import { SaleFinalizer } from "../../../server/sale/finalizer.ts";
import { DECLINED_TEST_CARD, SimulatedGateway } from "../../../server/sale/payment.ts";
import { TcpConnector } from "../../../server/sale/peer_connection.ts";
import { startServer } from "../../../server/server.ts";
import { MemoryStore } from "../../../server/store/store.ts";
import { BadPeer, FLOOD_BYTES, type Misbehaviour } from "../../_support/bad_peer.ts";
import { RecordingOutbox } from "../../_support/harness.ts";
import {
  answerInform,
  closeAuctionsAtOnce,
  probeUdp,
  RecordingGateway,
  refusedPort,
  UDP_REPLY_MS,
} from "../../_support/sale_crowd.ts";
import { saleEvents } from "../../_support/sale_fixture.ts";
import { TcpPeer } from "../../_support/tcp_peer.ts";
import { waitUntil } from "../../_support/wait.ts";

/** A sale whose seller is silent or trickles is cancelled at this deadline, not before. */
const INFORM_TIMEOUT_SECONDS = 3;
/** How long a sale may take from the close when nobody waits for a deadline. */
const PROMPT_MS = 1000;
/** The connector's three attempts to a refused port take 0.5 s + 1 s of backoff. */
const REFUSED_MS = 3000;
const BUYER_CARD = "4111111111111111";
const SELLER_CARD = "5555555555554444";

/** A seller that answers with card data the sale must refuse. */
type BadCard = "declined" | "invalid" | "expired";
type Seller = "good" | Misbehaviour | "refused" | BadCard;
const SELLERS: Seller[] = [
  "good",
  "silent",
  "trickle",
  "good",
  "flood",
  "reset",
  "refused",
  "declined",
  "invalid",
  "expired",
  "good",
];

/** What a buyer's CANCEL says, and when it may come, for each bad seller. */
const EXPECTED: Record<Exclude<Seller, "good">, { reason: RegExp; atDeadline: boolean }> = {
  silent: { reason: /^CANCEL \d+ Seller did not answer INFORM_Req within 3 s$/, atDeadline: true },
  trickle: { reason: /^CANCEL \d+ Seller did not answer INFORM_Req within 3 s$/, atDeadline: true },
  flood: { reason: /^CANCEL \d+ .*Line too long: at most 4096 bytes$/, atDeadline: false },
  // Whichever step the reset hits, the reason holds no address and no error of the system.
  reset: { reason: /^CANCEL \d+ (?!.*(?:os error|127\.0\.0\.1))/, atDeadline: false },
  refused: {
    reason: /^CANCEL \d+ Seller unreachable: could not connect after 3 attempts$/,
    atDeadline: false,
  },
  declined: {
    reason: /^CANCEL \d+ Payment declined: seller's card ending 0002 was declined$/,
    atDeadline: false,
  },
  invalid: { reason: /^CANCEL \d+ Invalid INFORM_Res from seller: /, atDeadline: false },
  expired: { reason: /^CANCEL \d+ Seller's card has expired$/, atDeadline: false },
};

/** The card data a bad-card seller answers with. */
const BAD_CARDS: Record<BadCard, { card: string; expiry: string }> = {
  declined: { card: DECLINED_TEST_CARD, expiry: "12/30" },
  invalid: { card: "5555555555554445", expiry: "12/30" }, // Fails the Luhn check.
  expired: { card: SELLER_CARD, expiry: "01/20" },
};

function isBadCard(kind: Seller): kind is BadCard {
  return kind in BAD_CARDS;
}

Deno.test("bad sellers cost their own sale: the buyer gets CANCEL and is never charged, other sales and UDP are unaffected", async () => {
  const gateway = new RecordingGateway();
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: null,
    paymentGateway: gateway,
    config: {
      informTimeoutSeconds: INFORM_TIMEOUT_SECONDS,
      // Isolation is under test, not pacing: without the gap the timings and the order in which
      // concurrent sales are paid stay those these limits were set for.
      tcpMessageGapMs: 0,
      durationUnit: "s",
      announceIntervalSeconds: 0,
    },
  });
  const buyers = SELLERS.map(() => new TcpPeer());
  const sellers = SELLERS.map((kind) =>
    kind === "refused"
      ? null
      : kind === "good" || isBadCard(kind)
      ? new TcpPeer()
      : new BadPeer(kind)
  );
  try {
    buyers.forEach((buyer, index) => answerInform(buyer, `b${index + 1}`, BUYER_CARD));
    sellers.forEach((seller, index) => {
      if (!(seller instanceof TcpPeer)) return;
      const kind = SELLERS[index]!;
      const { card, expiry } = isBadCard(kind)
        ? BAD_CARDS[kind]
        : { card: SELLER_CARD, expiry: "12/30" };
      answerInform(seller, `s${index + 1}`, card, expiry);
    });
    const ports = SELLERS.map((_, index) => ({
      buyer: buyers[index]!.port,
      seller: sellers[index]?.port ?? refusedPort(),
    }));
    const closedAt = Date.now();
    await closeAuctionsAtOnce(server, ports);
    let finished = false;
    const ended = Promise.all(SELLERS.map(async (kind, index) => {
      // A good sale ends at the seller's Shipping_Info, a bad one at the buyer's CANCEL.
      const last = kind === "good"
        ? await (sellers[index] as TcpPeer).waitForLine(/^Shipping_Info /, 8000)
        : await buyers[index]!.waitForLine(/^CANCEL /, 8000);
      return { kind, last, afterMs: Date.now() - closedAt };
    })).finally(() => finished = true);
    const [outcomes, slowestUdpMs] = await Promise.all([ended, probeUdp(server, () => finished)]);

    for (const { kind, last, afterMs } of outcomes) {
      if (kind === "good") {
        assert.ok(afterMs < PROMPT_MS, `a good sale settles in ${afterMs} ms, not at a deadline`);
        continue;
      }
      const expected = EXPECTED[kind];
      assert.match(last, expected.reason, `the buyer of the ${kind} seller's sale`);
      if (expected.atDeadline) {
        assert.ok(
          afterMs >= INFORM_TIMEOUT_SECONDS * 1000 - 50,
          `${kind}: cancelled at the deadline, not before (${afterMs} ms)`,
        );
        assert.ok(afterMs < (INFORM_TIMEOUT_SECONDS + 1) * 1000, `${kind}: ${afterMs} ms`);
      } else {
        const limitMs = kind === "refused" ? REFUSED_MS : PROMPT_MS;
        assert.ok(
          afterMs < limitMs,
          `${kind}: cancelled at once, not at the deadline (${afterMs} ms)`,
        );
      }
    }
    assert.ok(slowestUdpMs < UDP_REPLY_MS, `UDP answered within ${slowestUdpMs} ms`);
    // The buyer of an unreachable seller is told nothing but the CANCEL.
    const refusedBuyer = buyers[SELLERS.indexOf("refused")]!;
    assert.equal(refusedBuyer.lines.length, 1, `${refusedBuyer.lines}`);
    // Good sales' buyers got no CANCEL; the sellers that stayed connected got theirs.
    SELLERS.forEach((kind, index) => {
      const buyerLines = buyers[index]!.lines;
      if (kind === "good") assert.ok(!buyerLines.some((line) => line.startsWith("CANCEL ")));
      const seller = sellers[index];
      if (seller instanceof BadPeer && kind !== "reset") {
        assert.ok(
          seller.lines.some((line) => line.startsWith("CANCEL ")),
          `${kind}: ${seller.lines}`,
        );
      }
    });
    const flood = sellers[SELLERS.indexOf("flood")] as BadPeer;
    await waitUntil(() => flood.floodError !== null, "the flood to be cut off", 3000);
    assert.ok(flood.floodWritten < FLOOD_BYTES / 4, `${flood.floodWritten} bytes got through`);

    await server.finalizer.idle();
    const goodKeys = SELLERS.flatMap((kind, index) => kind === "good" ? [`sale-${index + 1}`] : []);
    // Money moved for the good sales only; the gateway heard of no other sale but the declined one.
    assert.deepEqual(gateway.simulated.ledger.map((entry) => entry.idempotencyKey), goodKeys);
    assert.deepEqual(
      [...gateway.requested].sort(),
      [...goodKeys, `sale-${SELLERS.indexOf("declined") + 1}`].sort(),
    );
    for (const [index, kind] of SELLERS.entries()) {
      const sale = server.core.state.sales[index + 1]!;
      assert.equal(
        sale.status,
        kind === "good" ? "settled" : "cancelled",
        `${kind}: ${sale.reason}`,
      );
      if (kind !== "good") assert.equal(sale.buyerCardLast4, undefined);
    }
  } finally {
    await server.close();
    await Promise.all([...buyers, ...sellers].map((peer) => peer?.close()));
  }
});

Deno.test("a seller that keeps its connection open after Shipping_Info is closed after its grace", async (t) => {
  const sellerGraceMs = 300;
  for (const keepsTalking of [false, true]) {
    await t.step(
      keepsTalking ? "the seller keeps sending" : "the seller stays silent",
      async () => {
        const buyer = new TcpPeer();
        const seller = new TcpPeer();
        answerInform(buyer, "bea", BUYER_CARD);
        let talking: ReturnType<typeof setInterval> | undefined;
        let shippedAt = 0;
        seller.onLine = (line, reply) => {
          const match = /^INFORM_Req (\d+) /.exec(line);
          if (match) {
            reply(`INFORM_Res ${match[1]} sam ${SELLER_CARD} 12/30 1 Main St\n`).catch(() => {});
          }
          if (!line.startsWith("Shipping_Info ")) return;
          shippedAt = Date.now(); // And never close.
          if (keepsTalking) talking = setInterval(() => reply("still here\n").catch(() => {}), 20);
        };
        const store = new MemoryStore(
          saleEvents({ buyerTcpPort: buyer.port, sellerTcpPort: seller.port }),
        );
        const core = new AuctionCore({
          state: await store.load(),
          store,
          clock: systemClock,
          config: DEFAULT_CONFIG,
          outbox: new RecordingOutbox(),
        });
        const finalizer = new SaleFinalizer(core, {
          gateway: new SimulatedGateway(),
          connector: new TcpConnector(),
          sellerGraceMs,
        });
        try {
          finalizer.start();
          await seller.waitForLine(/^Shipping_Info /, 3000);
          await seller.waitForEof(1, 3000);
          const closedAfterMs = Date.now() - shippedAt;
          assert.ok(
            closedAfterMs >= sellerGraceMs - 50,
            `closed after ${closedAfterMs} ms, not before the grace`,
          );
          assert.ok(closedAfterMs < sellerGraceMs + 1000, `closed after ${closedAfterMs} ms`);
          await finalizer.idle();
          assert.equal(core.state.sales[1]!.status, "settled");
          assert.equal(core.state.sales[1]!.sellerNotice?.delivered, true);
        } finally {
          clearInterval(talking);
          await finalizer.close();
          await Promise.all([buyer.close(), seller.close()]);
        }
      },
    );
  }
});
