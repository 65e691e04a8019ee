import assert from "node:assert/strict";
import type { LogLevel, LogRecord } from "@logtape/logtape";
import { bufferedSink, inspectValue } from "../../server/log_sink.ts";
import { logEnabled, setUpLogging, tearDownLogging } from "../../server/logging.ts";

const TEXT = new TextDecoder();

function record(level: LogLevel, text: string): LogRecord {
  return {
    category: ["auction"],
    level,
    message: [text],
    rawMessage: text,
    properties: {},
    timestamp: 0,
  };
}

function recordingSink() {
  const writes: string[] = [];
  const sink = bufferedSink(
    (r) => `${r.level} ${r.message[0]}\n`,
    (bytes) => writes.push(TEXT.decode(bytes)),
  );
  return { sink, writes };
}

Deno.test("bufferedSink() writes info lines together, in order, at the next turn", async () => {
  const { sink, writes } = recordingSink();
  sink(record("info", "one"));
  sink(record("debug", "two"));
  assert.deepEqual(writes, [], "nothing written synchronously");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(writes, ["info one\ndebug two\n"]);
});

Deno.test("bufferedSink() writes a warning at once, after the lines buffered before it", () => {
  const { sink, writes } = recordingSink();
  sink(record("info", "before"));
  sink(record("warning", "careful"));
  assert.deepEqual(writes, ["info before\nwarning careful\n"]);
  sink(record("fatal", "stop"));
  assert.deepEqual(writes.at(-1), "fatal stop\n");
});

Deno.test("bufferedSink() writes once 64 KiB are buffered, and flush() writes the rest", () => {
  const { sink, writes } = recordingSink();
  const long = "x".repeat(1000);
  for (let i = 0; i < 70; i++) sink(record("info", long));
  assert.equal(writes.length, 1);
  assert.ok(writes[0]!.length >= 64 * 1024);
  sink.flush();
  assert.equal(writes.join("").length, 70 * (long.length + 6));
  sink.flush();
  assert.equal(writes.length, 2, "an empty flush writes nothing");
});

Deno.test("bufferedSink() never throws a failed write: a closed stderr drops the lines after it", async () => {
  const writes: string[] = [];
  let failure: Error | null = new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
  const sink = bufferedSink((r) => `${r.level} ${r.message[0]}\n`, (bytes) => {
    if (failure) throw failure;
    writes.push(TEXT.decode(bytes));
  });
  // At once (a warning) and at the next turn (info): neither throws.
  sink(record("warning", "lost"));
  sink(record("info", "lost too"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  sink.flush();
  // The reader is gone for good: nothing is formatted or written again.
  failure = null;
  sink(record("error", "after"));
  sink.flush();
  assert.deepEqual(writes, []);
});

Deno.test("bufferedSink() drops only the lines of a write that failed otherwise", () => {
  const writes: string[] = [];
  let failure: Error | null = new Deno.errors.WouldBlock("Resource temporarily unavailable");
  const sink = bufferedSink((r) => `${r.level} ${r.message[0]}\n`, (bytes) => {
    if (failure) throw failure;
    writes.push(TEXT.decode(bytes));
  });
  sink(record("warning", "lost"));
  failure = null;
  sink(record("warning", "written"));
  assert.deepEqual(writes, ["warning written\n"]);
});

Deno.test("inspectValue() gives Deno.inspect's text for every value it shortcuts", () => {
  const values: unknown[] = [0, 7, -3, 2 ** 53 - 1, 2 ** 53, -0, 1.5, NaN, null, undefined, {
    a: 1,
  }];
  for (let code = 0; code < 0x200; code++) values.push(`a${String.fromCharCode(code)}b`);
  values.push("", "BID 1000 Kite 12.50", "127.0.0.1:5000", '"quoted"', "it's", "new\nline");
  for (const value of values) {
    assert.equal(inspectValue(value, (v) => Deno.inspect(v)), Deno.inspect(value), String(value));
  }
});

Deno.test("logEnabled() follows the level setUpLogging configured", async () => {
  assert.equal(logEnabled("info"), true, "not set up: LogTape decides");
  await setUpLogging("warning");
  try {
    assert.equal(logEnabled("debug"), false);
    assert.equal(logEnabled("info"), false);
    assert.equal(logEnabled("warning"), true);
    assert.equal(logEnabled("error"), true);
  } finally {
    await tearDownLogging();
  }
  assert.equal(logEnabled("debug"), true);
});
