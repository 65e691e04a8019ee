import assert from "node:assert/strict";
import { QUIET_LINE_END_MS } from "../../../protocol/mod.ts";
import { FakeClock } from "../../../server/clock.ts";
import { isWholeInformRes, readInform } from "../../../server/sale/inform.ts";
import { ReadTimeoutError, TcpLineChannel } from "../../../server/sale/line_channel.ts";
import { waitUntil } from "../../_support/wait.ts";

const UTF8 = new TextEncoder();
const TEXT = new TextDecoder();
/** The original client's answer: unquoted, and without a line end. */
const SEED_INFORM = "INFORM_Res 9 Pat Seed 4111111111111111 12/39 1 Seed Street";

/**
 * A connection the test drives: reads return what {@linkcode FakeConnection.arrive} queued, and
 * every write is recorded with the fake clock's time.
 */
class FakeConnection {
  readonly remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 7001 };
  readonly writes: { atMs: number; text: string }[] = [];
  closed = false;
  readonly #clock: FakeClock;
  readonly #chunks: (Uint8Array | null)[] = [];
  #waiting: (() => void) | null = null;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  /** Bytes from the peer (`null`: the peer closes). */
  arrive(chunk: string | Uint8Array | null): void {
    this.#chunks.push(typeof chunk === "string" ? UTF8.encode(chunk) : chunk);
    this.#waiting?.();
  }

  /** Whether the channel has taken every chunk queued so far. */
  get drained(): boolean {
    return this.#chunks.length === 0;
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.#waiting = resolve);
      this.#waiting = null;
    }
    const chunk = this.#chunks[0]!;
    if (chunk === null) return null;
    const count = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, count));
    if (count === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(count);
    return count;
  }

  write(bytes: Uint8Array): Promise<number> {
    this.writes.push({ atMs: this.#clock.now(), text: TEXT.decode(bytes) });
    return Promise.resolve(bytes.length);
  }

  closeWrite(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.#waiting?.();
  }
}

function channelOver(options: { messageGapMs?: number } = {}) {
  const clock = new FakeClock();
  const connection = new FakeConnection(clock);
  const channel = new TcpLineChannel(connection as unknown as Deno.TcpConn, {
    clock,
    messageGapMs: options.messageGapMs,
  });
  return { clock, connection, channel };
}

/** Lets the channel's promises and its read loop run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Tracks whether a promise has settled, for "not yet" assertions. */
function track<T>(promise: Promise<T>) {
  const state = { done: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then((value) => {
    state.done = true;
    state.value = value;
  }, (error) => {
    state.done = true;
    state.error = error;
  });
  return state;
}

Deno.test("TcpLineChannel paces lines: each in its own write, the gap after the last", async (t) => {
  await t.step("the second line waits the gap, the third waits for the second", async () => {
    const { clock, connection, channel } = channelOver({ messageGapMs: 250 });
    const startMs = clock.now();
    const winner = track(channel.send("WINNER 7 Kite 25.00 sam"));
    const inform = track(channel.send("INFORM_Req 9 Kite 25.00"));
    const cancel = track(channel.send("CANCEL 11 Too slow"));
    await settle();
    assert.equal(winner.done, true);
    assert.deepEqual(connection.writes, [{ atMs: startMs, text: "WINNER 7 Kite 25.00 sam\n" }]);
    clock.advance(249);
    await settle();
    assert.equal(inform.done, false, "not before the gap");
    assert.equal(connection.writes.length, 1);
    clock.advance(1);
    await waitUntil(() => inform.done, "INFORM_Req written");
    assert.deepEqual(connection.writes[1], {
      atMs: startMs + 250,
      text: "INFORM_Req 9 Kite 25.00\n",
    });
    assert.equal(cancel.done, false);
    clock.advance(250);
    await waitUntil(() => cancel.done, "CANCEL written");
    assert.deepEqual(connection.writes.map((write) => write.atMs - startMs), [0, 250, 500]);
    assert.equal(clock.pendingTimers, 0);
    channel.close();
  });

  await t.step("a line sent after the gap has passed goes at once", async () => {
    const { clock, connection, channel } = channelOver({ messageGapMs: 250 });
    await channel.send("WINNER 7 Kite 25.00 sam");
    clock.advance(300);
    await channel.send("INFORM_Req 9 Kite 25.00");
    assert.equal(connection.writes.length, 2);
    assert.equal(clock.pendingTimers, 0);
    channel.close();
  });

  await t.step("gap 0: back to back, still one write per line", async () => {
    const { connection, channel } = channelOver({ messageGapMs: 0 });
    await Promise.all([channel.send("WINNER 7 Kite 25.00 sam"), channel.send("INFORM_Req 9")]);
    assert.deepEqual(connection.writes.map((write) => write.text), [
      "WINNER 7 Kite 25.00 sam\n",
      "INFORM_Req 9\n",
    ]);
    channel.close();
  });

  await t.step("close() during a pause: the waiting line fails and no timer is left", async () => {
    const { clock, connection, channel } = channelOver({ messageGapMs: 250 });
    await channel.send("WINNER 7 Kite 25.00 sam");
    const waiting = channel.send("INFORM_Req 9 Kite 25.00");
    await settle();
    assert.equal(clock.pendingTimers, 1);
    channel.close();
    await assert.rejects(waiting, /Channel closed/);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(connection.writes.length, 1);
  });
});

Deno.test("TcpLineChannel takes an INFORM_Res without a line end after 500 ms of quiet", async (t) => {
  const accept = { acceptQuietLine: isWholeInformRes };

  await t.step("quiet for 500 ms: accepted, not a moment before", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive(SEED_INFORM);
    const reading = track(channel.readLine(new AbortController().signal, accept));
    await waitUntil(() => connection.drained, "the bytes read");
    await settle();
    clock.advance(QUIET_LINE_END_MS - 1);
    await settle();
    assert.equal(reading.done, false, "not before 500 ms of quiet");
    clock.advance(1);
    await waitUntil(() => reading.done, "the line taken");
    assert.equal(reading.value, SEED_INFORM);
    assert.equal(clock.pendingTimers, 0);
    channel.close();
  });

  await t.step("bytes arriving restart the quiet", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive(SEED_INFORM.slice(0, 30));
    const reading = track(channel.readLine(new AbortController().signal, accept));
    await waitUntil(() => connection.drained, "the first bytes read");
    clock.advance(400);
    connection.arrive(SEED_INFORM.slice(30));
    await waitUntil(() => connection.drained, "the rest read");
    await settle();
    clock.advance(400);
    await settle();
    assert.equal(reading.done, false, "only 400 ms quiet since the last bytes");
    clock.advance(100);
    await waitUntil(() => reading.done, "the line taken");
    assert.equal(reading.value, SEED_INFORM);
    channel.close();
  });

  await t.step("a partial line that does not decode stays an error at the deadline", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive("INFORM_Res 9 Pat Seed 41111111");
    const deadline = new AbortController();
    const reading = track(readInform(channel, "buyer", {
      signal: deadline.signal,
      nowMs: () => clock.now(),
      timeoutSeconds: 6,
    }));
    await waitUntil(() => connection.drained, "the bytes read");
    clock.advance(5_999);
    await settle();
    assert.equal(reading.done, false, "still waiting for the rest of the line");
    deadline.abort();
    await waitUntil(() => reading.done, "the read ended");
    assert.deepEqual(reading.value, {
      ok: false,
      reason: "Buyer did not answer INFORM_Req within 6 s",
    });
    channel.close();
  });

  await t.step("the whole answer arriving later is still taken", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive("INFORM_Res 9 Pat Seed 4111111111111111 12/39");
    const reading = track(channel.readLine(new AbortController().signal, accept));
    await waitUntil(() => connection.drained, "the bytes read");
    clock.advance(1000);
    await settle();
    assert.equal(reading.done, false, "no address yet: not a whole INFORM_Res");
    connection.arrive(" 1 Seed Street");
    await waitUntil(() => connection.drained, "the rest read");
    await settle();
    clock.advance(QUIET_LINE_END_MS);
    await waitUntil(() => reading.done, "the line taken");
    assert.equal(reading.value, SEED_INFORM);
    channel.close();
  });

  await t.step("readInform() accepts the original client's unterminated answer", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive(SEED_INFORM);
    const reading = track(readInform(channel, "seller", {
      signal: new AbortController().signal,
      nowMs: () => clock.now(),
      timeoutSeconds: 6,
    }));
    await waitUntil(() => connection.drained, "the bytes read");
    await settle();
    clock.advance(QUIET_LINE_END_MS);
    await waitUntil(() => reading.done, "the answer read");
    assert.equal(reading.value?.ok, true);
    assert.deepEqual(reading.value, {
      ok: true,
      card: { number: "4111111111111111", expiry: { month: 12, year: 2039 }, holder: "Pat Seed" },
      name: "Pat Seed",
      address: "1 Seed Street",
    });
    channel.close();
  });

  await t.step("without the option, a quiet line without a line end is not taken", async () => {
    const { clock, connection, channel } = channelOver();
    connection.arrive(SEED_INFORM);
    const deadline = new AbortController();
    const reading = track(channel.readLine(deadline.signal));
    await waitUntil(() => connection.drained, "the bytes read");
    clock.advance(10_000);
    await settle();
    assert.equal(reading.done, false);
    deadline.abort();
    await waitUntil(() => reading.done, "the read ended");
    assert.ok(reading.error instanceof ReadTimeoutError);
    channel.close();
  });

  await t.step("over 4 KiB without a line end: refused, never buffered", async () => {
    const { connection, channel } = channelOver();
    const reading = track(channel.readLine(new AbortController().signal, accept));
    connection.arrive(`${SEED_INFORM} ${"x".repeat(4096)}`);
    await waitUntil(() => reading.done, "the read ended");
    assert.match(String(reading.error), /Line too long: at most 4096 bytes/);
    channel.close();
  });
});
