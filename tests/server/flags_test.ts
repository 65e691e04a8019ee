import assert from "node:assert/strict";
import { parseServerFlags, UsageError } from "../../server/flags.ts";
import { DEFAULT_CONFIG } from "../../server/config.ts";
import { pure } from "../_support/pure.ts";

Deno.test("parseServerFlags() gives the documented defaults", pure, () => {
  assert.deepEqual(parseServerFlags([]), {
    hostname: "0.0.0.0",
    udpPort: 5000,
    tcpPort: 5001,
    httpPort: 8080,
    dataDir: "./data",
    groupCommit: true,
    snapshotEveryEvents: 10000,
    config: DEFAULT_CONFIG,
    logLevel: "info",
    logFormat: "text",
    help: false,
  });
});

Deno.test("parseServerFlags() reads every flag", pure, () => {
  const flags = parseServerFlags([
    "--host=127.0.0.1",
    "--udp-port",
    "0",
    "--tcp-port",
    "7001",
    "--data-dir",
    "/tmp/auction",
    "--duration-unit",
    "seconds",
    "--announce-interval",
    "0",
    "--inform-timeout",
    "30",
    "--soft-close",
    "10",
    "--min-increment",
    "0.50",
    "--rate-limit",
    "20",
    "--max-users",
    "100",
    "--log-level",
    "debug",
    "--log-format",
    "json",
    "--no-group-commit",
    "--snapshot-events",
    "500",
    "--http-port",
    "9090",
  ]);
  assert.deepEqual(flags, {
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 7001,
    httpPort: 9090,
    dataDir: "/tmp/auction",
    groupCommit: false,
    snapshotEveryEvents: 500,
    config: {
      durationUnit: "s",
      announceIntervalSeconds: 0,
      informTimeoutSeconds: 30,
      softCloseSeconds: 10,
      rateLimitPerSecond: 20,
      maxUsers: 100,
      minIncrementCents: 50,
    },
    logLevel: "debug",
    logFormat: "json",
    help: false,
  });
  assert.equal(parseServerFlags(["--help"]).help, true);
  assert.equal(parseServerFlags(["--no-http"]).httpPort, null);
  assert.equal(parseServerFlags(["--http-port", "0"]).httpPort, 0);
  assert.equal(parseServerFlags(["--duration-unit", "minutes"]).config.durationUnit, "m");
});

Deno.test(
  "parseServerFlags() throws UsageError for an unknown flag or a bad value",
  pure,
  async (t) => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /bogus/],
      [["positional"], /positional|Unexpected argument/i],
      [["--udp-port", "65536"], /--udp-port must be a whole number from 0 to 65535/],
      [["--udp-port", "-1"], /udp-port/],
      [["--tcp-port", "abc"], /--tcp-port/],
      [["--duration-unit", "hours"], /--duration-unit must be minutes or seconds/],
      [["--announce-interval", "1.5"], /--announce-interval/],
      [["--inform-timeout", "0"], /--inform-timeout must be a whole number from 1/],
      [["--soft-close", "x"], /--soft-close/],
      [["--rate-limit", "-3"], /rate-limit/],
      [["--max-users", "1e3"], /--max-users/],
      [["--min-increment", "0"], /--min-increment must be a price above 0/],
      [["--min-increment", "0.001"], /--min-increment/],
      [["--log-level", "verbose"], /--log-level must be debug, info, warning or error/],
      [["--log-format", "xml"], /--log-format must be text or json/],
      [["--udp-port"], /udp-port/],
      [["--http-port", "70000"], /--http-port must be a whole number from 0 to 65535/],
    ];
    for (const [args, message] of cases) {
      await t.step(args.join(" "), () => {
        assert.throws(() => parseServerFlags(args), (error: unknown) => {
          assert.ok(error instanceof UsageError, `not a UsageError: ${error}`);
          assert.match(error.message, message);
          return true;
        });
      });
    }
  },
);
