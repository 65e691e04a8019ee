import assert from "node:assert/strict";
import type { AuctionEvent } from "../../../auction/events.ts";
import {
  decodeRecord,
  encodeRecord,
  encodeRecords,
  encodeRecordsInto,
  recordsText,
} from "../../../server/store/journal.ts";

const TEXT = new TextDecoder();

function bid(amountCents: number, bidder: string): AuctionEvent {
  return {
    type: "bid_placed",
    atMs: 1_764_037_200_000,
    itemId: 3,
    bidder,
    amountCents,
    endsAtMs: 9,
  };
}

Deno.test("encodeRecords() gives exactly the bytes of encodeRecord() for each event in turn", () => {
  const events: AuctionEvent[] = [
    bid(1001, "ann"),
    bid(1002, "zoë «ü» \u2028 日本"),
    { type: "server_rq_leased", upTo: 2000 },
    bid(1003, 'quote " and \\ and \n newline'),
  ];
  for (const firstSeq of [1, 9, 99, 12345678]) {
    const expected = events.map((event, i) => encodeRecord(firstSeq + i, event)).join("");
    assert.equal(TEXT.decode(encodeRecords(firstSeq, events)), expected, `from ${firstSeq}`);
  }
});

Deno.test("encodeRecords() lines read back through decodeRecord() with their CRC", () => {
  const events = [bid(1, "é"), bid(2, "b")];
  const lines = TEXT.decode(encodeRecords(7, events)).split("\n");
  assert.equal(lines.pop(), "", "the batch ends with a newline");
  lines.forEach((line, i) => {
    assert.deepEqual(decodeRecord(new TextEncoder().encode(line)), {
      seq: 7 + i,
      event: events[i],
    });
  });
});

Deno.test("encodeRecords() of no events is empty", () => {
  assert.equal(encodeRecords(5, []).length, 0);
});

Deno.test("encodeRecordsInto() writes over a reused buffer's old bytes and refuses one too small", () => {
  const events = [bid(1, "zoë 日本"), bid(2, "b")];
  const text = recordsText(41, events);
  // A buffer kept from an earlier, longer batch: its old bytes (newlines among them) stay past
  // what is written and must not be read as part of the records.
  const buffer = new Uint8Array(3 * text.length + 64).fill(0x0a);
  const written = encodeRecordsInto(text, 41, events.length, buffer);
  assert.equal(
    TEXT.decode(buffer.subarray(0, written)),
    events.map((event, i) => encodeRecord(41 + i, event)).join(""),
  );
  assert.throws(
    () => encodeRecordsInto(text, 41, events.length, new Uint8Array(text.length)),
    RangeError,
  );
});
