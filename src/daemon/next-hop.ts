// The NEXT_HOP we advertise to a neighbor, per family, from its config and the session's local address.
// RFC 4271 §5.1.3 (eBGP next hop is our address on the shared link), RFC 4760 §3 / RFC 2545 (IPv6 in MP_REACH).

import { canonicalAddress, parseIpv4 } from '../bgp/prefix';
import type { NeighborConfig } from '../config';
import type { LocalNextHops } from '../policy';

/** "::ffff:10.0.0.1" (as a socket reports an IPv4 peer on a dual-stack socket) becomes "10.0.0.1". */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m && parseIpv4(m[1]) ? m[1] : address;
}

/**
 * Next hops for a session: local-address when configured, else the address the TCP connection uses.
 * Over an IPv4 session IPv6 routes carry next-hop-ipv6 when set, else the IPv4-mapped local address
 * (::ffff:a.b.c.d, as FRR does; docs/configuration.md). Over an IPv6 session there is no IPv4 next hop
 * (RFC 8950 extended next hop is not implemented), so IPv4 routes are not advertised there.
 */
export function localNextHops(n: Pick<NeighborConfig, 'localAddress' | 'nextHopIpv6'>, socketLocal?: string): LocalNextHops {
  const raw = n.localAddress ?? (socketLocal ? unmapIpv4(socketLocal) : undefined);
  if (raw === undefined) return n.nextHopIpv6 ? { ipv6: n.nextHopIpv6 } : {};
  const local = canonicalAddress(raw);
  if (!local.includes(':')) return { ipv4: local, ipv6: n.nextHopIpv6 ?? canonicalAddress(`::ffff:${local}`) };
  return { ipv6: n.nextHopIpv6 ?? local };
}
