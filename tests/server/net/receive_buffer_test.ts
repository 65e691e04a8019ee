import assert from "node:assert/strict";
import {
  defaultReceiveBuffer,
  receiveBufferAdvice,
  SUGGESTED_BUFFER_BYTES,
} from "../../../server/net/receive_buffer.ts";

Deno.test("the default UDP receive buffer is read from the kernel's setting, null when unreadable", () => {
  assert.equal(defaultReceiveBuffer(() => "212992\n"), 212_992);
  assert.equal(
    defaultReceiveBuffer(() => {
      throw new Deno.errors.NotFound("no /proc here");
    }),
    null,
  );
  assert.equal(defaultReceiveBuffer(() => "garbage"), null);
  assert.equal(defaultReceiveBuffer(() => "0"), null);
});

Deno.test("a small receive buffer gets advice with how many requests it holds; a big one none", () => {
  const advice = receiveBufferAdvice(212_992);
  assert.ok(advice);
  assert.match(advice, /212992 bytes/);
  assert.match(advice, /about 256 requests, 20 ms at 13,000 requests\/s/);
  assert.match(advice, /sysctl -w net\.core\.rmem_default=4194304/);
  assert.equal(receiveBufferAdvice(SUGGESTED_BUFFER_BYTES), null);
  assert.equal(receiveBufferAdvice(null), null);
});
