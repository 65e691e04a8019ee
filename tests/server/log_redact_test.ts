import assert from "node:assert/strict";
import { getTextFormatter, jsonLinesFormatter, type LogRecord } from "@logtape/logtape";
import { redacting } from "../../server/logging.ts";
import { pure } from "../_support/pure.ts";

function record(value: unknown): LogRecord {
  return {
    category: ["auction", "test"],
    level: "info",
    message: ["Handling failed: ", value, ""],
    rawMessage: "Handling failed: {error}",
    timestamp: Date.UTC(2026, 0, 1),
    properties: { error: value, atMs: 1_764_037_200_000 },
  };
}

Deno.test("every string value and error message of a log record is redacted", pure, () => {
  for (const formatter of [getTextFormatter(), jsonLinesFormatter]) {
    const safe = redacting(formatter);
    const line = safe(record("REGISTER 1 Carol buyer 127.0.0.1 5000 CarolSecret9"));
    assert.ok(!line.includes("CarolSecret9"), line);
    assert.match(line, /REGISTER 1 Carol buyer 127\.0\.0\.1 5000 \*\*\*/);
    const error = safe(record(new Error("bad card 4111 1111 1111 1111 exp 12/30")));
    assert.ok(!error.includes("4111 1111") && !error.includes("12/30"), error);
    assert.match(safe(record("ok")), /1764037200000|Handling failed: "?ok/, "numbers are kept");
  }
});
