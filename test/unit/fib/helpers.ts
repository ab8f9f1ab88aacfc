// Shared fixtures for the FIB unit tests: four tunnels with IPv4 and IPv6 gateways, route builders.

import type { FibRoute, NextHop } from '../../../src/fib/types';

export const A: NextHop = { tunnel: 'tun-a', ifname: 'wg-a', gateway: '10.255.1.2' };
export const B: NextHop = { tunnel: 'tun-b', ifname: 'wg-b', gateway: '10.255.2.2' };
export const C: NextHop = { tunnel: 'tun-c', ifname: 'wg-c', gateway: '10.255.3.2' };
export const D: NextHop = { tunnel: 'tun-d', ifname: 'wg-d', gateway: '10.255.4.2' };
export const A6: NextHop = { tunnel: 'tun-a', ifname: 'wg-a', gateway: 'fd00:1::2' };
export const B6: NextHop = { tunnel: 'tun-b', ifname: 'wg-b', gateway: 'fd00:2::2' };

/** `count` /24 prefixes starting at 10.<first>.0.0, all with the same tiers array. */
export function routes(first: number, count: number, tiers: NextHop[][]): FibRoute[] {
  const out: FibRoute[] = [];
  for (let i = 0; i < count; i++) out.push({ prefix: `10.${first + (i >> 8)}.${i & 255}.0/24`, tiers });
  return out;
}

export function hopText(h: NextHop): string {
  return `${h.gateway}%${h.ifname}`;
}
