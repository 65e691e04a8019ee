import assert from "node:assert/strict";
import { parseClientFlags, UsageError } from "../../client/flags.ts";
import { parseUnexpiredCardExpiry } from "../../client/payment.ts";

Deno.test({
  name: "parseClientFlags() has the documented defaults",
  permissions: "none",
  fn: () => {
    const flags = parseClientFlags([]);
    assert.equal(flags.serverHost, "127.0.0.1");
    assert.equal(flags.serverPort, 5000);
    assert.equal(flags.udpPort, 0);
    assert.equal(flags.tcpPort, 0);
    assert.equal(flags.host, undefined);
    assert.equal(flags.json, false);
    assert.equal(flags.logLevel, "warning");
    assert.deepEqual(flags.profile, {
      fullName: undefined,
      card: undefined,
      expiry: undefined,
      address: undefined,
    });
  },
});

Deno.test({
  name: "parseClientFlags() reads identity, ports and the payment profile",
  permissions: "none",
  fn: () => {
    const flags = parseClientFlags([
      "--server=[::1]:6000",
      "--name",
      "scott",
      "--role",
      "BUYER",
      "--udp-port",
      "7000",
      "--tcp-port",
      "7001",
      "--host",
      "10.0.0.5",
      "--json",
      "--full-name",
      "Scott Tiger",
      "--card",
      "4111-1111-1111-1111",
      "--exp",
      "0930",
      "--address",
      "1 Main St",
    ]);
    assert.equal(flags.serverHost, "::1");
    assert.equal(flags.serverPort, 6000);
    assert.equal(flags.name, "scott");
    assert.equal(flags.role, "buyer");
    assert.equal(flags.udpPort, 7000);
    assert.equal(flags.tcpPort, 7001);
    assert.equal(flags.host, "10.0.0.5");
    assert.equal(flags.json, true);
    assert.deepEqual(flags.profile, {
      fullName: "Scott Tiger",
      card: "4111111111111111",
      expiry: { month: 9, year: 2030 },
      address: "1 Main St",
    });
  },
});

Deno.test({
  name: "parseClientFlags() refuses unknown flags and bad values with a UsageError",
  permissions: "none",
  fn: async (t) => {
    const cases: [string[], RegExp][] = [
      [["--colour"], /colour/],
      [
        ["--server", "host:99999"],
        /--server's port must be a whole number from 1 to 65535, not "99999"/,
      ],
      [["--server", ""], /--server must be HOST:PORT/],
      [["--server", "7100"], /not "7100" \(a port on this machine: 127\.0\.0\.1:7100\)/],
      [["--role", "admin"], /buyer or seller/],
      [["--name", "has space"], /--name/],
      [["--udp-port", "-1"], /--udp-port/],
      [["--card", "1234"], /12 to 19 digits/],
      [["--exp", "13/30"], /MM\/YY/],
      [["--exp", "01/20"], /expired/],
      [["--log-level", "loud"], /--log-level/],
    ];
    for (const [args, pattern] of cases) {
      await t.step(args.join(" "), () => {
        assert.throws(() => parseClientFlags(args), (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, pattern);
          return true;
        });
      });
    }
  },
});

Deno.test({
  name: "parseClientFlags() never puts a card number in its error",
  permissions: "none",
  fn: () => {
    assert.throws(() => parseClientFlags(["--card", "4111111111111112"]), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.doesNotMatch(error.message, /4111/);
      return true;
    });
  },
});

Deno.test({
  name: "parseUnexpiredCardExpiry() takes a card through the end of its month and refuses it after",
  permissions: "none",
  fn: () => {
    const lastMomentMs = Date.UTC(2026, 10, 30, 23, 59, 59, 999); // 30 November 2026
    assert.deepEqual(parseUnexpiredCardExpiry("11/26", "expiry", lastMomentMs), {
      month: 11,
      year: 2026,
    });
    assert.throws(
      () => parseUnexpiredCardExpiry("11/26", "expiry", lastMomentMs + 1),
      /Invalid expiry: this card has expired/,
    );
  },
});

Deno.test({
  name: "an expiry with a one-digit month is taken at --exp and at the payment question",
  permissions: "none",
  fn: () => {
    const beforeMs = Date.UTC(2026, 0, 1);
    assert.deepEqual(parseUnexpiredCardExpiry("1/30", "expiry", beforeMs), {
      month: 1,
      year: 2030,
    });
    assert.deepEqual(parseClientFlags(["--exp", "1/39"]).profile.expiry, { month: 1, year: 2039 });
  },
});

Deno.test({
  name: "parseClientFlags() tells --inform-timeout given from the server's default it stands for",
  permissions: "none",
  fn: () => {
    const unset = parseClientFlags([]);
    assert.equal(unset.informTimeoutSeconds, 300);
    assert.equal(unset.informTimeoutGiven, false);
    const given = parseClientFlags(["--inform-timeout", "120"]);
    assert.equal(given.informTimeoutSeconds, 120);
    assert.equal(given.informTimeoutGiven, true);
    assert.throws(() => parseClientFlags(["--inform-timeout", "0"]), /--inform-timeout/);
  },
});
