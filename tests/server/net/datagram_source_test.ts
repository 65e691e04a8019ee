import assert from "node:assert/strict";
import { unanswerableSource } from "../../../server/net/datagram_source.ts";

Deno.test({
  name: "unanswerableSource() names the sources no reply can reach",
  permissions: "none",
  fn: async (t) => {
    await t.step("source port 0", () => {
      assert.equal(unanswerableSource({ hostname: "127.0.0.9", port: 0 }), "source port 0");
      assert.equal(unanswerableSource({ hostname: "::1", port: 0 }), "source port 0");
    });
    await t.step("unspecified, multicast and broadcast addresses, IPv4 and IPv6", () => {
      const reasons = [
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "::",
        "0:0:0:0:0:0:0:0",
        "ff02::1",
        "FF05::2",
        "::ffff:224.0.0.1",
        "::ffff:0.0.0.0",
      ].map((hostname) => unanswerableSource({ hostname, port: 5000 }));
      assert.deepEqual(reasons, [
        "unspecified source address",
        "unspecified source address",
        "multicast source address",
        "multicast source address",
        "broadcast source address",
        "unspecified source address",
        "unspecified source address",
        "multicast source address",
        "multicast source address",
        "multicast source address",
        "unspecified source address",
      ]);
    });
    await t.step("ordinary unicast sources are answered", () => {
      for (const hostname of ["127.0.0.1", "10.0.0.1", "223.255.255.255", "::1", "2001:db8::1"]) {
        assert.equal(unanswerableSource({ hostname, port: 1 }), null, hostname);
      }
      assert.equal(unanswerableSource({ hostname: "::ffff:127.0.0.1", port: 65535 }), null);
    });
  },
});
