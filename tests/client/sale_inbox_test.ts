import assert from "node:assert/strict";
import { encodeMessage, type Message, message } from "../../protocol/mod.ts";
import { ItemBook } from "../../client/items.ts";
import type { ClientEvent, ClientOutput } from "../../client/output.ts";
import type { PaymentProfile } from "../../client/payment.ts";
import { SaleInbox } from "../../client/sale_inbox.ts";
import type { SaleConnection } from "../../client/tcp.ts";

const COMPLETE_PROFILE = {
  fullName: "Ann",
  card: "4111111111111111",
  expiry: { month: 1, year: 2099 },
  address: "1 Rd",
};

function connection(peer: string) {
  const answers: string[] = [];
  const sale: SaleConnection = {
    peer,
    answer: (line) => {
      answers.push(line);
      return Promise.resolve();
    },
    close: () => {},
  };
  return { sale, answers };
}

function inbox(profile: PaymentProfile) {
  const events: ClientEvent[] = [];
  const messages: { type: string; saleItem?: string }[] = [];
  const tracked: Promise<unknown>[] = [];
  const output: ClientOutput = {
    message: (received, _raw, _via, saleItem) => messages.push({ type: received.type, saleItem }),
    event: (event) => events.push(event),
  };
  const sales = new SaleInbox({
    flags: { informTimeoutSeconds: 60, profile },
    items: new ItemBook(),
    nowMs: () => 1_000,
    output: () => output,
    track: (task) => tracked.push(task),
  });
  const receive = (received: Message, sale: SaleConnection) =>
    sales.receive(received, encodeMessage(received), sale);
  return { sales, events, messages, tracked, receive };
}

Deno.test({
  name: "SaleInbox keeps an INFORM_Req until paid, and a CANCEL on its connection drops it",
  permissions: "none",
  fn: async () => {
    const { sales, events, messages, receive } = inbox({});
    const earlier = connection("127.0.0.1:1");
    const kite = connection("127.0.0.1:2");
    receive(message("INFORM_Req", 5, { item: "Kite", finalPrice: 2000 }), earlier.sale);
    receive(message("INFORM_Req", 7, { item: "Kite", finalPrice: 3000 }), kite.sale);
    assert.deepEqual(sales.pendingPayments.map((request) => request.rq), [7]);
    assert.deepEqual(sales.pendingPayments.map((request) => request.deadlineMs), [61_000]);
    assert.deepEqual(
      events.map((event) => event.type === "payment" && event.action),
      ["needed", "needed"],
    );
    // The CANCEL of an earlier sale of the name leaves the waiting one alone.
    receive(message("CANCEL", 5, { reason: "no" }), earlier.sale);
    assert.equal(sales.pendingPayments.length, 1);
    receive(message("CANCEL", 7, { reason: "too late" }), kite.sale);
    assert.equal(sales.pendingPayments.length, 0);
    assert.deepEqual(messages.at(-1), { type: "CANCEL", saleItem: "Kite" });
    assert.equal(await sales.pay("Kite", COMPLETE_PROFILE), "error");
    assert.equal(kite.answers.length, 0);
  },
});

Deno.test({
  name: "SaleInbox answers an INFORM_Req at once when the profile is complete",
  permissions: "none",
  fn: async () => {
    const { sales, events, tracked, receive } = inbox(COMPLETE_PROFILE);
    const kite = connection("127.0.0.1:1");
    receive(message("INFORM_Req", 7, { item: "Kite", finalPrice: 3000 }), kite.sale);
    assert.equal(tracked.length, 1);
    assert.equal(await tracked[0], "ok");
    assert.equal(kite.answers.length, 1);
    assert.match(kite.answers[0] ?? "", /^INFORM_Res 7 /);
    assert.equal(sales.pendingPayments.length, 0);
    const sent = events.at(-1);
    assert.equal(
      sent?.type === "payment" && sent.action === "sent" && sent.card,
      "************1111",
    );
  },
});
