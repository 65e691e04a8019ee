import assert from "node:assert/strict";
import { startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

/** The value of counter `name` on the server's /metrics. */
async function counter(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text.split("\n").find((line) => line.startsWith(`${name} `));
  assert.ok(line, `${name} on /metrics`);
  return Number(line.split(" ")[1]);
}

/**
 * One buyer alone bidding one request at a time (the case the helper is for) until `done` holds
 * after a bid, 2,000 bids at most; returns the bids made.
 */
async function bidAlone(
  server: { udpPort: number; httpPort: number | null },
  done: () => Promise<boolean>,
): Promise<number> {
  const seller = new UdpPeer({ port: server.udpPort });
  const buyer = new UdpPeer({ port: server.udpPort });
  try {
    assert.equal(
      (await seller.request("REGISTER 1 sam seller 127.0.0.1 6000 6001")).type,
      "REGISTERED",
    );
    assert.equal((await seller.request("LIST_ITEM 2 Kite red 1.00 10")).type, "ITEM_LISTED");
    assert.equal(
      (await buyer.request("REGISTER 1 bea buyer 127.0.0.1 6100 6101")).type,
      "REGISTERED",
    );
    for (let bid = 1; bid <= 2000; bid++) {
      const reply = await buyer.request(`BID ${bid + 1} Kite ${(1 + bid / 100).toFixed(2)}`);
      assert.equal(reply.type, "BID_ACCEPTED");
      if (bid >= 8 && bid % 8 === 0 && await done()) return bid;
    }
    throw new Error("2,000 bids and the condition never held");
  } finally {
    await Promise.all([seller.close(), buyer.close()]);
  }
}

Deno.test("the server process syncs a lone client's bids through its sync helper by default", async () => {
  const server = await startServerProcess();
  try {
    const port = server.httpPort!;
    await bidAlone(
      server,
      async () => await counter(port, "auction_journal_syncs_by_helper_total") > 0,
    );
    assert.ok(await counter(port, "auction_journal_syncs_on_thread_total") > 0);
  } finally {
    await server.stop();
  }
});

Deno.test("--sync-poll-us 0: the server process syncs on its thread, with no helper", async () => {
  const server = await startServerProcess({ args: ["--sync-poll-us", "0"] });
  try {
    const port = server.httpPort!;
    const bids = await bidAlone(
      server,
      async () => await counter(port, "auction_journal_syncs_on_thread_total") >= 40,
    );
    assert.ok(bids >= 40);
    assert.equal(await counter(port, "auction_journal_syncs_by_helper_total"), 0);
  } finally {
    await server.stop();
  }
});

Deno.test("--no-group-commit: a lone client's requests synced on the thread are all answered", async () => {
  const server = await startServerProcess({ args: ["--no-group-commit"] });
  try {
    const port = server.httpPort!;
    const bids = await bidAlone(
      server,
      async () => await counter(port, "auction_journal_syncs_on_thread_total") >= 40,
    );
    assert.ok(bids >= 40);
  } finally {
    await server.stop();
  }
});
