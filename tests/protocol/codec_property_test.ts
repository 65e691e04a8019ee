import assert from "node:assert/strict";
import {
  decodeDatagram,
  DecodeError,
  decodeLine,
  encodeDatagram,
  encodeMessage,
  MAX_REQUEST_BYTES,
  MESSAGES,
  type MessageType,
} from "../../protocol/mod.ts";
import { Random } from "../_support/random.ts";
import { arbitraryMessage } from "./_arbitrary.ts";
import { pure } from "../_support/pure.ts";

const RUNS = 300;

Deno.test("random valid messages of every type round-trip through encode and decode", pure, () => {
  const random = new Random(20260101);
  for (const type of Object.keys(MESSAGES) as MessageType[]) {
    for (let run = 0; run < RUNS; run++) {
      const original = arbitraryMessage(random, type);
      const line = encodeMessage(original);
      let decoded;
      try {
        decoded = decodeLine(line);
      } catch (error) {
        assert.fail(`seed ${random.seed}: ${line} did not decode: ${error}`);
      }
      assert.deepEqual(decoded, original, `seed ${random.seed}: ${line}`);
      const bytes = encodeDatagram(original);
      if (bytes.byteLength <= MAX_REQUEST_BYTES) {
        assert.deepEqual(decodeDatagram(bytes), original, `seed ${random.seed}: ${line}`);
      }
    }
  }
});

/** Decodes and returns what happened; fails the test on anything but a DecodeError. */
function decodeOrRefuse(bytes: Uint8Array, seed: number): void {
  try {
    decodeDatagram(bytes);
  } catch (error) {
    if (error instanceof DecodeError) return;
    assert.fail(`seed ${seed}: ${JSON.stringify([...bytes])} threw ${error}`);
  }
}

Deno.test("random bytes only ever raise DecodeError", pure, () => {
  const random = new Random(424242);
  for (let run = 0; run < 3000; run++) {
    decodeOrRefuse(random.bytes(random.int(0, random.chance(0.05) ? 1100 : 80)), random.seed);
  }
});

Deno.test("random printable text with a known name only ever raises DecodeError", pure, () => {
  const random = new Random(777);
  const names = Object.keys(MESSAGES);
  const alphabet = [...'abcXYZ0123456789 .-_"\\\t=/:', "é", "\r"];
  for (let run = 0; run < 5000; run++) {
    const line = `${random.pick(names)} ${random.string(alphabet, 0, 60)}`;
    decodeOrRefuse(new TextEncoder().encode(line), random.seed);
  }
});

Deno.test("mutated valid messages decode or raise DecodeError, nothing else", pure, () => {
  const random = new Random(9001);
  const noise = [...'"\\ \t 0.-x', "\u0000", "\u00ff"].map((char) => char.charCodeAt(0) & 0xff);
  for (let run = 0; run < 3000; run++) {
    const bytes = [...encodeDatagram(arbitraryMessage(random))];
    for (let edit = random.int(1, 4); edit > 0; edit--) {
      const at = random.int(0, bytes.length);
      const choice = random.int(0, 2);
      if (choice === 0) bytes.splice(at, 1);
      else if (choice === 1) bytes.splice(at, 0, random.pick(noise));
      else bytes.splice(at, 0, random.int(0, 255));
    }
    decodeOrRefuse(new Uint8Array(bytes), random.seed);
  }
});
