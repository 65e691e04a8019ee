/**
 * Which datagram sources the server cannot answer: source port 0, and unspecified, broadcast or
 * multicast addresses. No host sends from them; a datagram that claims one is forged, and a reply
 * to it either fails (`sendto` to port 0 is EINVAL) or goes to many hosts at once. The UDP
 * transport drops such datagrams on receipt, before the rate limit, the reply budget and the
 * dispatcher see them. Pure.
 * @module
 */

import type { PeerAddress } from "../../auction/state.ts";

/** Why a datagram from `source` cannot be answered, or `null` when it can. */
export function unanswerableSource(source: PeerAddress): string | null {
  if (source.port === 0) return "source port 0";
  const hostname = source.hostname.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(hostname);
  const ipv4 = mapped ? mapped[1]! : hostname;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ipv4)) {
    const first = Number(ipv4.split(".")[0]);
    if (first === 0) return "unspecified source address";
    if (first >= 224 && first <= 239) return "multicast source address";
    if (ipv4 === "255.255.255.255") return "broadcast source address";
    return null;
  }
  if (/^[0:]+$/.test(hostname)) return "unspecified source address";
  if (hostname.startsWith("ff")) return "multicast source address";
  return null;
}
