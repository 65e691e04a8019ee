import assert from "node:assert/strict";
import { parseServerFlags, UsageError } from "../../server/flags.ts";
import { pure } from "../_support/pure.ts";

// The numbers of the README's flags table, written out: a default changed in the code alone
// must fail here.
Deno.test("parseServerFlags() gives the documented defaults", pure, () => {
  assert.deepEqual(parseServerFlags([]), {
    hostname: "0.0.0.0",
    udpPort: 5000,
    tcpPort: 5001,
    httpPort: 8080,
    dataDir: "./data",
    databaseUrl: undefined, // the file store
    node: "node1",
    writerStaleAfterSeconds: 10,
    groupCommit: true,
    snapshotEveryEvents: 10000,
    syncPollUs: 500,
    config: {
      durationUnit: "m", // minutes
      announceIntervalSeconds: 60,
      informTimeoutSeconds: 300,
      softCloseSeconds: 0, // off
      rateLimitPerSecond: 0, // off
      maxUsers: 100000,
      provisionalSeconds: 600, // 10 minutes
      maxProvisional: 10000,
      maxProvisionalPerNetwork: 64,
      minIncrementCents: 1, // 0.01
      tcpMessageGapMs: 250,
      maxListingsPerSeller: 100,
      maxUsersPerIp: 64,
      maxSubscriptionsPerUser: 1000,
      maxSalesInFlight: 64,
      maxTcp: 128,
      maxTcpPerIp: 16,
      maxEventStreamsPerIp: 8,
      retentionSeconds: 604800, // 7 days
      requirePassword: false, // off
    },
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
    "--tcp-message-gap-ms",
    "100",
    "--soft-close",
    "10",
    "--min-increment",
    "0.50",
    "--rate-limit",
    "20",
    "--max-users",
    "100",
    "--provisional-seconds",
    "30",
    "--max-provisional",
    "3",
    "--max-provisional-per-net",
    "2",
    "--max-listings-per-seller",
    "5",
    "--max-users-per-ip",
    "6",
    "--max-subscriptions-per-user",
    "7",
    "--max-sales-in-flight",
    "8",
    "--max-tcp",
    "40",
    "--max-tcp-per-ip",
    "0",
    "--max-events-per-ip",
    "3",
    "--log-level",
    "debug",
    "--log-format",
    "json",
    "--no-group-commit",
    "--require-password",
    "--snapshot-events",
    "500",
    "--http-port",
    "9090",
    "--database-url",
    "postgres://auction@db:5432/auction",
    "--node",
    "east-1",
    "--writer-stale-after",
    "4",
    "--retention",
    "3600",
    "--sync-poll-us",
    "0",
  ]);
  assert.deepEqual(flags, {
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 7001,
    httpPort: 9090,
    dataDir: "/tmp/auction",
    databaseUrl: "postgres://auction@db:5432/auction",
    node: "east-1",
    writerStaleAfterSeconds: 4,
    groupCommit: false,
    snapshotEveryEvents: 500,
    syncPollUs: 0,
    config: {
      durationUnit: "s",
      announceIntervalSeconds: 0,
      informTimeoutSeconds: 30,
      tcpMessageGapMs: 100,
      softCloseSeconds: 10,
      rateLimitPerSecond: 20,
      maxUsers: 100,
      provisionalSeconds: 30,
      maxProvisional: 3,
      maxProvisionalPerNetwork: 2,
      maxListingsPerSeller: 5,
      maxUsersPerIp: 6,
      maxSubscriptionsPerUser: 7,
      maxSalesInFlight: 8,
      maxTcp: 40,
      maxTcpPerIp: 0,
      maxEventStreamsPerIp: 3,
      minIncrementCents: 50,
      retentionSeconds: 3600,
      requirePassword: true,
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
      [["--tcp-message-gap-ms", "-1"], /--tcp-message-gap-ms/],
      [["--tcp-message-gap-ms", "60001"], /--tcp-message-gap-ms must be a whole number from 0/],
      [["--rate-limit", "-3"], /rate-limit/],
      [["--max-users", "1e3"], /--max-users/],
      [["--min-increment", "0"], /--min-increment must be a price above 0/],
      [["--min-increment", "0.001"], /--min-increment/],
      [["--log-level", "verbose"], /--log-level must be debug, info, warning or error/],
      [["--log-format", "xml"], /--log-format must be text or json/],
      [["--udp-port"], /udp-port/],
      [["--http-port", "70000"], /--http-port must be a whole number from 0 to 65535/],
      [["--node", "a b"], /--node must be 1 to 64 letters/],
      [["--node", ""], /--node must be 1 to 64 letters/],
      [["--data-dir", ""], /--data-dir needs a folder/],
      [["--sync-poll-us", "100001"], /--sync-poll-us must be a whole number from 0 to 100000/],
      [["--sync-poll-us", "-5"], /--sync-poll-us/],
      [["--max-tcp", "0"], /--max-tcp must be a whole number from 1 to/],
      [["--writer-stale-after", "1"], /--writer-stale-after must be a whole number from 2 to 3600/],
      [["--writer-stale-after", "3601"], /--writer-stale-after/],
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
