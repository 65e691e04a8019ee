import assert from "node:assert/strict";
import { join } from "node:path";
import { crc32, crc32Ascii, crcHex } from "../../../server/store/crc32.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { decodeRecord, encodeRecord, segmentName } from "../../../server/store/journal.ts";
import { JournalCorruptError, scanSegment } from "../../../server/store/journal_scan.ts";
import { recover } from "../../../server/store/recovery.ts";

const UTF8 = new TextEncoder();

function registered(name: string, port: number): AuctionEvent {
  return {
    type: "user_registered",
    atMs: 1_000 + port,
    name,
    role: "buyer",
    declaredIp: "127.0.0.1",
    udpPort: port,
    tcpPort: port + 1,
    session: { hostname: "127.0.0.1", port },
  };
}

/** Writes records 1..count of a journal into a new temp folder; returns it and the lines. */
async function journalWith(count: number): Promise<{ dir: string; lines: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "journal-test-" });
  const lines = Array.from(
    { length: count },
    (_, i) => encodeRecord(i + 1, registered(`u${i}`, i)),
  );
  await Deno.writeTextFile(join(dir, segmentName(1)), lines.join(""));
  return { dir, lines };
}

Deno.test("crc32() matches the IEEE check value and continues across chunks", () => {
  assert.equal(crc32(UTF8.encode("123456789")), 0xcbf43926);
  assert.equal(crc32(UTF8.encode("56789"), crc32(UTF8.encode("1234"))), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
});

Deno.test("crc32() four bytes at a time equals the CRC taken a byte at a time, at every length", () => {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const byteByByte = (bytes: Uint8Array, previous: number) => {
    let crc = (previous ^ 0xffffffff) >>> 0;
    for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff]! ^ (crc >>> 8)) >>> 0;
    return (crc ^ 0xffffffff) >>> 0;
  };
  const bytes = Uint8Array.from({ length: 80 }, (_, i) => (i * 167 + 13) & 0xff);
  for (let start = 0; start < 4; start++) {
    for (let end = start; end <= bytes.length; end++) {
      for (const previous of [0, 0x7fffffff, 0xcbf43926, 0xffffffff]) {
        const part = bytes.subarray(start, end);
        assert.equal(crc32(part, previous), byteByByte(part, previous), `${start}..${end}`);
      }
    }
  }
});

Deno.test("crc32Ascii() is crc32() of the text's bytes, and crcHex() gives 8 hex digits", () => {
  for (const text of ["", "commit 0", "commit 1234567890123456", "123456789"]) {
    assert.equal(crc32Ascii(text), crc32(UTF8.encode(text)));
  }
  assert.equal(crc32Ascii("56789", crc32Ascii("1234")), 0xcbf43926);
  assert.equal(crcHex(0xcbf43926), "cbf43926");
  assert.equal(crcHex(0x1a), "0000001a");
  assert.equal(crcHex(0), "00000000");
  assert.equal(crcHex(0xffffffff), "ffffffff");
});

Deno.test("encodeRecord() writes one JSON line that decodeRecord() reads back", () => {
  const event = registered("Ada «ü»", 7);
  const line = encodeRecord(42, event);
  assert.ok(line.endsWith("}\n") && !line.slice(0, -1).includes("\n"));
  const parsed = JSON.parse(line);
  assert.equal(parsed.seq, 42);
  assert.match(parsed.crc, /^[0-9a-f]{8}$/);
  assert.deepEqual(decodeRecord(UTF8.encode(line.slice(0, -1))), { seq: 42, event });
});

Deno.test("decodeRecord() refuses a record whose sequence number was changed", () => {
  const line = encodeRecord(42, registered("Ada", 7)).slice(0, -1).replace('"seq":42', '"seq":43');
  assert.throws(() => decodeRecord(UTF8.encode(line)), /CRC mismatch/);
});

Deno.test("decodeRecord() reads the prefix byte by byte as strictly as the format says", () => {
  const line = encodeRecord(9_876_543, registered("Ada", 7)).slice(0, -1);
  assert.equal(decodeRecord(UTF8.encode(line)).seq, 9_876_543);
  const crc = JSON.parse(line).crc as string;
  const broken: [string, string][] = [
    ["no seq key", line.replace('{"seq":', '{"Seq":')],
    ["no digits", line.replace('"seq":9876543', '"seq":')],
    ["17 digits", line.replace('"seq":9876543', '"seq":12345678901234567')],
    ["upper-case CRC", line.replace(crc, crc.toUpperCase().replace(/^[0-9]/, "A"))],
    ["short CRC", line.replace(`"crc":"${crc}"`, `"crc":"${crc.slice(1)}"`)],
    ["no event key", line.replace('","event":', '","evt":')],
    ["no closing brace", `${line}x`],
    ["empty", ""],
  ];
  for (const [what, text] of broken) {
    assert.throws(() => decodeRecord(UTF8.encode(text)), /not a journal record/, what);
  }
  const wrongCrc = line.replace(crc, crc === "00000000" ? "00000001" : "00000000");
  assert.throws(
    () => decodeRecord(UTF8.encode(wrongCrc)),
    new RegExp(`CRC mismatch \\(stored ${crc === "00000000" ? "00000001" : "00000000"}, computed`),
  );
  const badUtf8 = UTF8.encode(line);
  const eventAt = line.indexOf('"name":"Ada"') + 9;
  badUtf8[eventAt] = 0xff;
  assert.throws(() => decodeRecord(badUtf8), /CRC mismatch/);
});

Deno.test("recover() drops a torn last record cut at any byte and truncates the file", async () => {
  const { dir, lines } = await journalWith(3);
  const path = join(dir, segmentName(1));
  const whole = UTF8.encode(lines.join(""));
  const lastStart = UTF8.encode(lines.slice(0, 2).join("")).length;
  try {
    for (let cut = lastStart; cut < whole.length; cut++) {
      await Deno.writeFile(path, whole.subarray(0, cut));
      const recovered = await recover(dir);
      assert.equal(recovered.lastSeq, 2, `cut at byte ${cut}`);
      assert.deepEqual(Object.keys(recovered.state.users), ["u0", "u1"], `cut at byte ${cut}`);
      assert.equal(recovered.torn === undefined, cut === lastStart, `cut at byte ${cut}`);
      assert.equal((await Deno.stat(path)).size, lastStart, `file truncated, cut at byte ${cut}`);
    }
    await Deno.writeFile(path, whole);
    assert.equal((await recover(dir)).lastSeq, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recover() in read-only mode reports a torn tail without truncating", async () => {
  const { dir, lines } = await journalWith(2);
  const path = join(dir, segmentName(1));
  const text = lines.join("").slice(0, -5);
  await Deno.writeTextFile(path, text);
  try {
    const recovered = await recover(dir, { readOnly: true });
    assert.equal(recovered.lastSeq, 1);
    assert.equal(recovered.torn?.line, 2);
    assert.equal(await Deno.readTextFile(path), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recover() refuses a flipped byte in a middle record, naming file and line", async (t) => {
  const { dir, lines } = await journalWith(5);
  const path = join(dir, segmentName(1));
  const original = UTF8.encode(lines.join(""));
  const thirdStart = UTF8.encode(lines.slice(0, 2).join("")).length;
  try {
    for (const offset of [thirdStart + 3, thirdStart + 20, thirdStart + 60]) {
      await t.step(`byte ${offset}`, async () => {
        const damaged = original.slice();
        damaged[offset] = damaged[offset]! ^ 0x04;
        await Deno.writeFile(path, damaged);
        await assert.rejects(
          () => recover(dir),
          (error: unknown) =>
            error instanceof JournalCorruptError && error.line === 3 && error.file === path &&
            /refusing to start/.test(error.message),
        );
        assert.deepEqual(await Deno.readFile(path), damaged, "nothing changed");
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recover() refuses a gap in the sequence numbers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "journal-test-" });
  const text = encodeRecord(1, registered("a", 1)) + encodeRecord(3, registered("b", 2)) +
    encodeRecord(4, registered("c", 3));
  await Deno.writeTextFile(join(dir, segmentName(1)), text);
  try {
    await assert.rejects(() => recover(dir), /line 2: expected record 2, found 3/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scanSegment() refuses a torn line in a segment that is not the last", async () => {
  const { dir, lines } = await journalWith(2);
  await Deno.writeTextFile(join(dir, segmentName(1)), lines.join("").slice(0, -3));
  try {
    await assert.rejects(
      () => scanSegment(dir, segmentName(1), { tolerateTornTail: false }),
      /line 2: unterminated last line/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
