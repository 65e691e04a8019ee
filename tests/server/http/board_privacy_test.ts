import assert from "node:assert/strict";
import { startServerProcess } from "../../_support/server_process.ts";
import { SseClient } from "../../_support/sse_client.ts";
import { TcpPeer } from "../../_support/tcp_peer.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

const BUYER_CARD = "4012 8888 8888 1881";
const SELLER_CARD = "5555555555554444";
const EXPIRY = "11/31";
const ADDRESS = "77 Hidden Lane, Secretville";
const PASSWORDS = { jas: "Seller-Secret-91", bea: "Buyer-Secret-27" };
const DECLARED_IP = "10.9.8.7";

function answerWith(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} "${card}" ${EXPIRY} ${ADDRESS}\n`).catch(() => {});
    }
  };
}

Deno.test("no route shows a card digit, address, password, IP address or port", async () => {
  const server = await startServerProcess({
    args: ["--duration-unit", "seconds", "--inform-timeout", "5", "--announce-interval", "0"],
  });
  const base = `http://127.0.0.1:${server.httpPort}`;
  const sellerTcp = new TcpPeer();
  const buyerTcp = new TcpPeer();
  const sellerUdp = new UdpPeer({ port: server.udpPort });
  const buyerUdp = new UdpPeer({ port: server.udpPort });
  const stream = await SseClient.connect(`${base}/events?since=0`);
  const keys: string[] = [];
  try {
    answerWith(sellerTcp, '"Jas Privatename"', SELLER_CARD);
    answerWith(buyerTcp, '"Bea Privatename"', BUYER_CARD);
    const register = (name: "jas" | "bea", role: string, udp: UdpPeer, tcp: TcpPeer) =>
      udp.request(
        `REGISTER 1 ${name} ${role} ${DECLARED_IP} ${udp.port} ${tcp.port} ${PASSWORDS[name]}`,
      );
    // Password accounts: each later request carries the session key (PROTOCOL.md).
    const keyOf = (reply: { type: string }) => {
      assert.match(reply.type, /^(REGISTERED|LOGIN_SUCCESS)$/);
      return (reply as { key?: string }).key!;
    };
    const jasKey = keyOf(await register("jas", "seller", sellerUdp, sellerTcp));
    keyOf(await register("bea", "buyer", buyerUdp, buyerTcp));
    const beaKey = keyOf(
      await buyerUdp.request(`LOGIN 2 bea ${buyerTcp.port} ${PASSWORDS.bea}`),
    );
    keys.push(jasKey, beaKey);
    assert.equal(
      (await sellerUdp.request(`LIST_ITEM 3 Kite "A red kite" 10.00 2 key=${jasKey}`)).type,
      "ITEM_LISTED",
    );
    assert.equal(
      (await buyerUdp.request(`BID 4 Kite 25.50 key=${beaKey}`)).type,
      "BID_ACCEPTED",
    );
    await sellerTcp.waitForLine(/^Shipping_Info /);
    await stream.waitFor((event) => event.type === "outcome" && event.data.status === "sold", {
      timeoutMs: 10_000,
    });

    const bodies: Record<string, string> = { "/events": stream.text };
    for (
      const path of [
        "/",
        "/items/Kite",
        "/static/board.js",
        "/static/live.js",
        "/static/board_list.js",
        "/static/item_page.js",
        "/static/board.css",
        "/api/items",
        "/api/items/Kite",
        "/api/items/Nothing",
        "/metrics",
        "/healthz",
        "/readyz",
        "/no/such/route",
      ]
    ) {
      bodies[path] = await (await fetch(`${base}${path}`)).text();
    }
    assert.match(bodies["/api/items/Kite"]!, /"status":"sold"/, "the sale went through");
    const digits = (text: string) => text.replace(/[ -]/g, "");
    const ports = [
      sellerUdp.port,
      buyerUdp.port,
      sellerTcp.port,
      buyerTcp.port,
      server.udpPort,
      server.tcpPort,
    ];
    for (const [path, body] of Object.entries(bodies)) {
      for (
        const secret of [
          BUYER_CARD,
          digits(BUYER_CARD),
          SELLER_CARD,
          EXPIRY,
          ADDRESS,
          "Secretville",
          ...keys,
        ]
      ) {
        assert.ok(!body.includes(secret), `${path} shows ${secret}`);
      }
      for (const secret of [...Object.values(PASSWORDS), "Privatename", DECLARED_IP, "127.0.0.1"]) {
        assert.ok(!body.includes(secret), `${path} shows ${secret}`);
      }
      assert.doesNotMatch(
        body,
        /"(passwordHash|passwordSalt|declaredIp|session|tcpPort|udpPort|\w*CardLast4|shipTo)"/,
      );
      for (const port of ports) {
        assert.doesNotMatch(
          body,
          new RegExp(`(?<![\\d.])${port}(?![\\d.])`),
          `${path} shows port ${port}`,
        );
      }
      if (path !== "/metrics") {
        for (const last4 of ["1881", "4444"]) {
          assert.doesNotMatch(
            body,
            new RegExp(`(?<!\\d)${last4}(?!\\d)`),
            `${path} shows ${last4}`,
          );
        }
      }
    }
  } finally {
    await stream.close();
    await Promise.all([sellerUdp.close(), buyerUdp.close()]);
    await server.stop();
    await Promise.all([sellerTcp.close(), buyerTcp.close()]);
  }
});
