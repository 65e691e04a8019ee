import assert from "node:assert/strict";
import { parseClientFlags, UsageError } from "../../client/flags.ts";
import { createLogger } from "../../client/log.ts";
import { resolveSalePeers } from "../../client/sale_peers.ts";

const names: Record<string, string[]> = {
  "auction.example": ["203.0.113.5", "2001:DB8::5"],
  "localhost": ["127.0.0.1"],
};
const resolve = (hostname: string) =>
  names[hostname] ? Promise.resolve(names[hostname]) : Promise.reject(new Error("ENOTFOUND"));

Deno.test({
  name: "resolveSalePeers() takes the --server nodes' addresses, resolved once, and --sale-from's",
  permissions: "none",
  fn: async (t) => {
    const warnings: string[] = [];
    const logger = createLogger("warning", (line) => warnings.push(line));
    await t.step("a node on this machine connects from 127.0.0.1 or ::1, no other", async () => {
      for (const hostname of ["127.0.0.1", "127.0.0.5", "localhost", "::1", "0.0.0.0"]) {
        const peers = await resolveSalePeers([{ hostname }], [], { logger, resolve });
        assert.equal(peers.allows("127.0.0.1"), true, hostname);
        assert.equal(peers.allows("::1"), true, hostname);
        assert.equal(peers.allows("::ffff:127.0.0.1"), true, "an IPv4-mapped peer");
        assert.equal(peers.allows("127.0.0.77"), false, hostname);
        assert.equal(peers.allows("192.0.2.9"), false, hostname);
      }
    });
    await t.step("names resolve to every address they have; other nodes by IP", async () => {
      const peers = await resolveSalePeers(
        [{ hostname: "auction.example" }, { hostname: "198.51.100.7" }],
        ["192.0.2.1"],
        { logger, resolve },
      );
      assert.deepEqual(
        ["203.0.113.5", "2001:db8::5", "198.51.100.7", "192.0.2.1", "127.0.0.1", "192.0.2.2"]
          .map((ip) => peers.allows(ip)),
        [true, true, true, true, false, false],
      );
    });
    await t.step("a name that does not resolve is logged and left out", async () => {
      const peers = await resolveSalePeers(
        [{ hostname: "gone.example" }, { hostname: "198.51.100.7" }],
        [],
        { logger, resolve },
      );
      assert.deepEqual(peers.addresses, ["198.51.100.7"]);
      assert.match(warnings.at(-1) ?? "", /Cannot resolve a --server host.*gone\.example/);
    });
  },
});

Deno.test({
  name: "--sale-from takes a comma-separated list of IPs, and refuses anything else",
  permissions: "none",
  fn: () => {
    assert.deepEqual(parseClientFlags([]).saleFrom, []);
    assert.deepEqual(
      parseClientFlags(["--sale-from", "192.0.2.1, 2001:db8::1"]).saleFrom,
      ["192.0.2.1", "2001:db8::1"],
    );
    assert.throws(() => parseClientFlags(["--sale-from", "server.example"]), UsageError);
  },
});
