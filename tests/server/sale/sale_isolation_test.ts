import assert from "node:assert/strict";
import { startServer } from "../../../server/server.ts";
import { BadPeer, FLOOD_BYTES, type Misbehaviour } from "../../_support/bad_peer.ts";
import {
  answerInform,
  closeAuctionsAtOnce,
  probeUdp,
  refusedPort,
  UDP_REPLY_MS,
} from "../../_support/sale_crowd.ts";
import { TcpPeer } from "../../_support/tcp_peer.ts";
import { waitUntil } from "../../_support/wait.ts";

/** Every bad winner's sale is cancelled only at this deadline (or earlier); good ones are not. */
const INFORM_TIMEOUT_SECONDS = 3;
/** How long a well-behaved sale may take from the close to Shipping_Info. */
const GOOD_SALE_MS = 1000;
const SELLER_CARD = "5555555555554444";

type Winner = "good" | Misbehaviour | "refused";
const WINNERS: Winner[] = [
  "good",
  "silent",
  "trickle",
  "good",
  "flood",
  "reset",
  "refused",
  "good",
];

Deno.test("bad winners cost their own sale one deadline: good sales and UDP are unaffected, a flood is cut off unread", async () => {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: null,
    config: {
      informTimeoutSeconds: INFORM_TIMEOUT_SECONDS,
      // Isolation is under test, not pacing: without the gap the timings and the order in which
      // concurrent sales are paid stay those these limits were set for.
      tcpMessageGapMs: 0,
      durationUnit: "s",
      announceIntervalSeconds: 0,
    },
  });
  const sellers = WINNERS.map(() => new TcpPeer());
  const buyers = WINNERS.map((kind) =>
    kind === "good" ? new TcpPeer() : kind === "refused" ? null : new BadPeer(kind)
  );
  try {
    sellers.forEach((seller, index) => answerInform(seller, `s${index + 1}`, SELLER_CARD));
    buyers.forEach((buyer, index) => {
      if (buyer instanceof TcpPeer) answerInform(buyer, `b${index + 1}`, "4111111111111111");
    });
    const ports = WINNERS.map((_, index) => ({
      buyer: buyers[index]?.port ?? refusedPort(),
      seller: sellers[index]!.port,
    }));
    const closedAt = Date.now();
    await closeAuctionsAtOnce(server, ports);
    let finished = false;
    const settled = Promise.all(WINNERS.map(async (kind, index) => {
      const last = await sellers[index]!.waitForLine(/^(Shipping_Info|CANCEL) /, 8000);
      return { kind, last, afterMs: Date.now() - closedAt };
    })).finally(() => finished = true);
    // UDP requests go on while the sales run; one reply too late fails the test at once.
    const [outcomes, slowestUdpMs] = await Promise.all([
      settled,
      probeUdp(server, () => finished),
    ]);

    for (const { kind, last, afterMs } of outcomes) {
      if (kind === "good") {
        assert.match(last, /^Shipping_Info /, `a good sale settles: ${last}`);
        assert.ok(
          afterMs < GOOD_SALE_MS,
          `a good sale settles in ${afterMs} ms, not at a deadline`,
        );
      } else {
        assert.match(last, /^CANCEL /, `the ${kind} winner's sale is cancelled: ${last}`);
        if (kind === "flood" || kind === "reset") {
          assert.ok(afterMs < GOOD_SALE_MS, `${kind} cancelled at once, not at the deadline`);
        }
        assert.ok(
          afterMs < (INFORM_TIMEOUT_SECONDS + 1) * 1000,
          `${kind} cancelled in ${afterMs} ms`,
        );
      }
    }
    assert.ok(slowestUdpMs < UDP_REPLY_MS, `UDP answered within ${slowestUdpMs} ms`);
    // The winners whose connections are up get the CANCEL too.
    const reasons: Partial<Record<Winner, RegExp>> = {
      silent: /^CANCEL \d+ Buyer did not answer INFORM_Req within 3 s$/,
      trickle: /^CANCEL \d+ Buyer did not answer INFORM_Req within 3 s$/,
      flood: /^CANCEL \d+ .*Line too long: at most 4096 bytes$/,
    };
    buyers.forEach((buyer, index) => {
      const reason = reasons[WINNERS[index]!];
      if (buyer instanceof BadPeer && reason) {
        assert.ok(
          buyer.lines.some((line) => reason.test(line)),
          `${buyer.behaviour}: ${buyer.lines}`,
        );
      }
    });
    // The flood was cut off, not buffered: its writes failed long before 64 MiB got through.
    const flood = buyers[WINNERS.indexOf("flood")] as BadPeer;
    await waitUntil(() => flood.floodError !== null, "the flood to be cut off", 3000);
    assert.ok(flood.floodWritten < FLOOD_BYTES / 4, `${flood.floodWritten} bytes got through`);
    await server.finalizer.idle();
    for (const [index, kind] of WINNERS.entries()) {
      assert.equal(
        server.core.state.sales[index + 1]!.status,
        kind === "good" ? "settled" : "cancelled",
      );
    }
  } finally {
    await server.close();
    await Promise.all([...sellers, ...buyers].map((peer) => peer?.close()));
  }
});
