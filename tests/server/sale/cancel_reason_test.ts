/**
 * What a CANCEL tells a party when something failed on the way: what went wrong, never the other
 * party's address or port, nor the operating system's error text (those stay in the server's log).
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../../protocol/mod.ts";
import { readInform } from "../../../server/sale/inform.ts";
import { FakeChannel } from "../../_support/fake_channel.ts";
import { pure } from "../../_support/pure.ts";
import { createSaleHarness, saleEvents } from "../../_support/sale_fixture.ts";

/** A channel whose read fails with `error`, as a socket's does. */
class FailingChannel extends FakeChannel {
  constructor(readonly error: Error) {
    super("127.0.0.1:40033");
  }

  override readLine(): Promise<string | null> {
    return Promise.reject(this.error);
  }
}

function readFrom(channel: FakeChannel) {
  return readInform(channel, "buyer", {
    signal: new AbortController().signal,
    nowMs: () => Date.UTC(2026, 0, 15),
    timeoutSeconds: 5,
  });
}

Deno.test(
  "readInform() names a lost connection without the system's error text",
  pure,
  async (t) => {
    await t.step("a reset connection", async () => {
      const reset = new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)");
      assert.deepEqual(await readFrom(new FailingChannel(reset)), {
        ok: false,
        reason: "Buyer lost the connection before answering INFORM_Req",
      });
    });
    await t.step("a line too long is the party's doing, and says so", async () => {
      const tooLong = new ProtocolError("Line too long: at most 4096 bytes");
      assert.deepEqual(await readFrom(new FailingChannel(tooLong)), {
        ok: false,
        reason: "Buyer sent an unreadable answer: Line too long: at most 4096 bytes",
      });
    });
  },
);

Deno.test(
  "a connection lost while informing the parties: CANCEL without the system's error text",
  pure,
  async () => {
    const sale = await createSaleHarness({ events: saleEvents({}) });
    sale.buyer.send = () => Promise.reject(new Deno.errors.BrokenPipe("Broken pipe (os error 32)"));
    sale.finalizer.start();
    await sale.finalizer.idle();
    const cancel = sale.seller.sent.find((line) => line.startsWith("CANCEL "));
    assert.match(cancel ?? "", /^CANCEL \d+ Connection lost while informing the parties$/);
    assert.equal(sale.core.state.sales[1]!.reason, "Connection lost while informing the parties");
  },
);
