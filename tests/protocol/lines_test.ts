import assert from "node:assert/strict";
import { LineDecoder, MAX_LINE_BYTES, ProtocolError } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

const UTF8 = new TextEncoder();

Deno.test("LineDecoder splits lines on \\n and drops a \\r before it", pure, () => {
  const lines = new LineDecoder();
  assert.deepEqual(lines.push(UTF8.encode("BID 1 Kite 5\nBID 2 Kite 6\r\nBID 3")), [
    "BID 1 Kite 5",
    "BID 2 Kite 6",
  ]);
  assert.equal(lines.end(), "BID 3");
  assert.equal(lines.end(), undefined);
});

Deno.test("LineDecoder joins a line split across chunks, even inside a character", pure, () => {
  const lines = new LineDecoder();
  const bytes = UTF8.encode("CANCEL 1 refusé\r\n");
  const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
  assert.deepEqual(lines.push(bytes.subarray(0, cut)), []);
  assert.deepEqual(lines.push(bytes.subarray(cut, -1)), []); // the \r waits for its \n
  assert.deepEqual(lines.push(bytes.subarray(-1)), ["CANCEL 1 refusé"]);
  assert.equal(lines.end(), undefined);
});

Deno.test("LineDecoder returns the last line without \\n when the peer closes", pure, () => {
  const lines = new LineDecoder();
  assert.deepEqual(lines.push(UTF8.encode("INFORM_Res 1 Bob 4111111111111111 12/30 Elm St")), []);
  assert.equal(lines.end(), "INFORM_Res 1 Bob 4111111111111111 12/30 Elm St");
});

Deno.test("LineDecoder keeps empty lines as empty strings", pure, () => {
  assert.deepEqual(new LineDecoder().push(UTF8.encode("\n\r\nx\n")), ["", "", "x"]);
});

Deno.test("LineDecoder takes a line of exactly 4 KiB", pure, () => {
  const line = "x".repeat(MAX_LINE_BYTES);
  assert.deepEqual(new LineDecoder().push(UTF8.encode(`${line}\n`)), [line]);
  const unterminated = new LineDecoder();
  assert.deepEqual(unterminated.push(UTF8.encode(line)), []);
  assert.equal(unterminated.end(), line);
});

Deno.test("LineDecoder refuses a line longer than 4 KiB, with or without its newline", pure, () => {
  const line = "x".repeat(MAX_LINE_BYTES + 1);
  assert.throws(() => new LineDecoder().push(UTF8.encode(line)), /Line too long: at most 4096/);
  assert.throws(() => new LineDecoder().push(UTF8.encode(`${line}\n`)), ProtocolError);
  const growing = new LineDecoder();
  assert.deepEqual(growing.push(UTF8.encode("x".repeat(MAX_LINE_BYTES))), []);
  assert.throws(() => growing.push(UTF8.encode("x")), /Line too long/);
});

Deno.test("LineDecoder honours a smaller cap", pure, () => {
  assert.throws(() => new LineDecoder(8).push(UTF8.encode("123456789")), /at most 8 bytes/);
});

Deno.test("LineDecoder refuses a line of invalid UTF-8", pure, () => {
  const bytes = new Uint8Array([...UTF8.encode("BID 1 K"), 0xff, 0x0a]);
  assert.throws(() => new LineDecoder().push(bytes), /not valid UTF-8/);
  const last = new LineDecoder();
  last.push(new Uint8Array([0x41, 0xc3]));
  assert.throws(() => last.end(), /not valid UTF-8/);
});

Deno.test(
  "LineDecoder.takeQuietLine() takes a line without \\n only if the reader accepts it",
  pure,
  () => {
    const lines = new LineDecoder();
    const isInform = (line: string) => line.startsWith("INFORM_Res 1 ") && line.endsWith("Street");
    assert.equal(lines.takeQuietLine(() => true), undefined, "nothing buffered");
    assert.deepEqual(lines.push(UTF8.encode("INFORM_Res 1 Pat 4111111111111111 12/39 Seed")), []);
    assert.equal(lines.takeQuietLine(isInform), undefined, "refused: stays buffered");
    assert.equal(lines.hasPartialLine, true);
    assert.deepEqual(lines.push(UTF8.encode(" Street")), []);
    assert.equal(
      lines.takeQuietLine(isInform),
      "INFORM_Res 1 Pat 4111111111111111 12/39 Seed Street",
    );
    assert.equal(lines.hasPartialLine, false);
    assert.equal(lines.end(), undefined);
    // Cut inside a character: not valid UTF-8 yet, so not a whole message.
    const bytes = UTF8.encode("CANCEL 1 refusé");
    lines.push(bytes.subarray(0, -1));
    assert.equal(lines.takeQuietLine(() => true), undefined);
    lines.push(bytes.subarray(-1));
    assert.equal(lines.takeQuietLine(() => true), "CANCEL 1 refusé");
  },
);

Deno.test("LineDecoder.pushBytes() frames lines without decoding them: a bad one stands beside the good", () => {
  const decoder = new LineDecoder();
  const text = new TextEncoder();
  const lines = decoder.pushBytes(
    new Uint8Array([...text.encode("PING 1\r\n"), 0x42, 0xff, 0x0a, ...text.encode("PING 2\nPI")]),
  );
  assert.deepEqual(lines, [
    text.encode("PING 1"),
    new Uint8Array([0x42, 0xff]),
    text.encode("PING 2"),
  ]);
  assert.deepEqual(decoder.endBytes(), text.encode("PI"));
  assert.equal(decoder.endBytes(), undefined);
  assert.throws(() => decoder.pushBytes(new Uint8Array(5000)), /Line too long/);
});
