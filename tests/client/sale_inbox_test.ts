import assert from "node:assert/strict";
import { encodeMessage, type Message, message } from "../../protocol/mod.ts";
import { ItemBook } from "../../client/items.ts";
import type { ClientEvent, ClientOutput } from "../../client/output.ts";
import type { PaymentProfile } from "../../client/payment.ts";
import { SaleInbox } from "../../client/sale_inbox.ts";
import { type SaleConnection, SaleConnectionClosedError } from "../../client/tcp.ts";

const COMPLETE_PROFILE = {
  fullName: "Ann",
  card: "4111111111111111",
  expiry: { month: 1, year: 2099 },
  address: "1 Rd",
};

function connection(peer: string) {
  const answers: string[] = [];
  let closed = false;
  const sale: SaleConnection = {
    peer,
    answer: (line) => {
      answers.push(line);
      return Promise.resolve();
    },
    close: () => {
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
  return { sale, answers };
}

const winner = (rq: number, item: string, finalPrice: number) =>
  message("WINNER", rq, { item, finalPrice, seller: "jas" });

function inbox(profile: PaymentProfile, items = new ItemBook()) {
  const events: ClientEvent[] = [];
  const messages: { type: string; saleItem?: string }[] = [];
  const tracked: Promise<unknown>[] = [];
  const output: ClientOutput = {
    message: (received, _raw, _via, saleItem) => messages.push({ type: received.type, saleItem }),
    event: (event) => events.push(event),
  };
  const sales = new SaleInbox({
    flags: { informTimeoutSeconds: 60, informTimeoutGiven: true, profile },
    items,
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
    receive(winner(4, "Kite", 2000), earlier.sale);
    receive(message("INFORM_Req", 5, { item: "Kite", finalPrice: 2000 }), earlier.sale);
    // The server restarted: the first connection closed, a new one asks again.
    earlier.sale.close();
    receive(winner(6, "Kite", 3000), kite.sale);
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
    receive(winner(6, "Kite", 3000), kite.sale);
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

Deno.test({
  name: "SaleInbox gives a CANCEL that opens its connection the one sale this client waits for",
  permissions: "none",
  fn: async (t) => {
    // The server could not reach the other party: this connection only gets CANCEL.
    const reason = "Seller unreachable: Cannot connect to 127.0.0.1:4000 after 3 attempts";
    // Heard 5 s before the CANCEL.
    const led = (items: ItemBook, item: string, timeLeft: number) =>
      items.record(
        message("BID_UPDATE", 2, { item, highestBid: 1300, bidder: "ann", timeLeft }),
        -4_000,
      );
    await t.step("the one item this client led, its time up", () => {
      const items = new ItemBook({ self: () => "ann" });
      led(items, "Flute", 5);
      led(items, "Drum", 90);
      const { messages, receive } = inbox({}, items);
      receive(message("CANCEL", 9, { reason }), connection("127.0.0.1:1").sale);
      assert.deepEqual(messages, [{ type: "CANCEL", saleItem: "Flute" }]);
      assert.equal(items.get("Flute")?.outcome, "sale cancelled");
      assert.equal(items.get("Drum")?.outcome, undefined);
    });
    await t.step("the seller's listing, its time up", () => {
      const items = new ItemBook({ self: () => "jas" });
      items.listed({
        item: "Bell",
        description: "",
        startPriceCents: 500,
        duration: { amount: 10, unit: "s" },
        durationUnit: "s",
      }, -9_000);
      const { messages, receive } = inbox({}, items);
      receive(message("CANCEL", 9, { reason }), connection("127.0.0.1:1").sale);
      assert.deepEqual(messages, [{ type: "CANCEL", saleItem: "Bell" }]);
    });
    await t.step("two items it could be: none named", () => {
      const items = new ItemBook({ self: () => "ann" });
      led(items, "Flute", 6);
      led(items, "Drum", 5);
      const { messages, receive } = inbox({}, items);
      receive(message("CANCEL", 9, { reason }), connection("127.0.0.1:1").sale);
      assert.deepEqual(messages, [{ type: "CANCEL", saleItem: undefined }]);
      assert.equal(items.get("Flute")?.outcome, undefined);
    });
    await t.step("someone else led it: none named", () => {
      const items = new ItemBook({ self: () => "bob" });
      led(items, "Flute", 5);
      const { messages, receive } = inbox({}, items);
      receive(message("CANCEL", 9, { reason }), connection("127.0.0.1:1").sale);
      assert.deepEqual(messages, [{ type: "CANCEL", saleItem: undefined }]);
    });
  },
});

Deno.test({
  name:
    "SaleInbox keeps payment details that found the connection closed, and sends them when asked again",
  permissions: "none",
  fn: async () => {
    const { sales, events, tracked, receive } = inbox({});
    // The server went away while the person answered: its connection is closed.
    const closed: SaleConnection = {
      peer: "127.0.0.1:1",
      answer: () => Promise.reject(new SaleConnectionClosedError("closed")),
      close: () => {},
      closed: true,
    };
    receive(message("WINNER", 6, { item: "Bell", finalPrice: 2500, seller: "jas" }), closed);
    receive(message("INFORM_Req", 7, { item: "Bell", finalPrice: 2500 }), closed);
    assert.equal(await sales.pay("Bell", COMPLETE_PROFILE), "error");
    assert.deepEqual(events.at(-1), {
      type: "payment",
      action: "failed",
      item: "Bell",
      error: "The server's connection closed before the payment details went out; " +
        "they are kept and sent when it asks again.",
    });
    // The server restarted: it connects again and resends WINNER and INFORM_Req, same RQ#s.
    const again = connection("127.0.0.1:2");
    const before = events.length;
    receive(message("WINNER", 6, { item: "Bell", finalPrice: 2500, seller: "jas" }), again.sale);
    receive(message("INFORM_Req", 7, { item: "Bell", finalPrice: 2500 }), again.sale);
    assert.equal(await tracked[0], "ok");
    assert.equal(again.answers.length, 1);
    assert.match(again.answers[0] ?? "", /^INFORM_Res 7 Ann 4111111111111111 /);
    assert.deepEqual(
      events.slice(before).map((event) => event.type === "payment" && event.action),
      ["sent"],
    );
    // Sent once: a later sale of the name is asked anew.
    receive(message("INFORM_Req", 9, { item: "Bell", finalPrice: 3000 }), again.sale);
    assert.equal(tracked.length, 1);
    const last = events.at(-1);
    assert.equal(last?.type === "payment" && last.action, "needed");
  },
});

Deno.test({
  name: "SaleInbox answers an INFORM_Req only for an ended auction this client won or listed",
  permissions: "none",
  fn: async (t) => {
    // Heard 5 s before the INFORM_Req (the inbox's clock reads 1 s).
    const heard = (items: ItemBook, item: string, bidder: string, timeLeft: number) =>
      items.record(
        message("BID_UPDATE", 2, { item, highestBid: 1300, bidder, timeLeft }),
        -4_000,
      );
    const ask = (items: ItemBook, before: Message[] = []) => {
      const { sales, tracked, events, messages, receive } = inbox(COMPLETE_PROFILE, items);
      const sale = connection("127.0.0.1:1");
      for (const received of before) receive(received, sale.sale);
      receive(message("INFORM_Req", 7, { item: "Kite", finalPrice: 1300 }), sale.sale);
      return { sales, tracked, events, messages, sale };
    };
    const refused = (asked: ReturnType<typeof ask>) => {
      assert.equal(asked.tracked.length, 0, "nothing sent");
      assert.equal(asked.sales.pendingPayments.length, 0);
      assert.equal(asked.events.length, 0, "nothing reported");
      assert.equal(asked.sale.answers.length, 0);
      assert.equal(asked.sale.sale.closed, true, "its connection closed");
    };
    await t.step("an item never heard of: refused, and not added to the book", () => {
      const items = new ItemBook({ self: () => "ann" });
      refused(ask(items));
      assert.equal(items.get("Kite"), undefined);
    });
    await t.step("someone else led it: refused", () => {
      const items = new ItemBook({ self: () => "ann" });
      heard(items, "Kite", "bob", 5);
      refused(ask(items));
    });
    await t.step("this client leads, but the auction is still open: refused", () => {
      const items = new ItemBook({ self: () => "ann" });
      heard(items, "Kite", "ann", 90);
      refused(ask(items));
    });
    await t.step("this client led it to the end: answered", async () => {
      const items = new ItemBook({ self: () => "ann" });
      heard(items, "Kite", "ann", 5);
      const asked = ask(items);
      assert.equal(await asked.tracked[0], "ok");
      assert.match(asked.sale.answers[0] ?? "", /^INFORM_Res 7 /);
    });
    await t.step("this client listed it and its time is up: answered", async () => {
      const items = new ItemBook({ self: () => "jas" });
      items.listed({
        item: "Kite",
        description: "",
        startPriceCents: 500,
        duration: { amount: 10, unit: "s" },
        durationUnit: "s",
      }, -9_000);
      assert.equal(await ask(items).tracked[0], "ok");
    });
    await t.step("WINNER or SOLD on the connection first: answered", async () => {
      for (
        const first of [
          winner(6, "Kite", 1300),
          message("SOLD", 6, { item: "Kite", finalPrice: 1300, buyer: "scott" }),
        ]
      ) {
        assert.equal(await ask(new ItemBook({ self: () => "ann" }), [first]).tracked[0], "ok");
      }
    });
  },
});

Deno.test({
  name: "SaleInbox never lets an INFORM_Req on another open connection replace the waiting one",
  permissions: "none",
  fn: async () => {
    const { sales, events, receive } = inbox({}, new ItemBook({ self: () => "ann" }));
    const real = connection("127.0.0.1:1");
    receive(winner(6, "Kite", 2500), real.sale);
    receive(message("INFORM_Req", 7, { item: "Kite", finalPrice: 2500 }), real.sale);
    // A second connection (forged, or anything else) asks for the same item meanwhile.
    const other = connection("127.0.0.1:2");
    receive(winner(90, "Kite", 100), other.sale);
    receive(message("INFORM_Req", 91, { item: "Kite", finalPrice: 100 }), other.sale);
    assert.equal(other.sale.closed, true);
    assert.deepEqual(sales.pendingPayments.map((request) => request.rq), [7]);
    assert.equal(events.filter((event) => event.type === "payment").length, 1, "asked once");
    assert.equal(await sales.pay("Kite", COMPLETE_PROFILE), "ok");
    assert.equal(other.answers.length, 0, "the card went only where it was asked first");
    assert.match(real.answers[0] ?? "", /^INFORM_Res 7 /);
  },
});
