// Canonical form of a prefix's tier list: the key that decides which prefixes share one path group.
// Pure; no kernel knowledge. Convention 9: equal tier lists must map to one kernel group object.

import { canonicalAddress, PrefixError } from '../bgp/prefix';
import type { FibRoute, NextHop } from './types';

export type IpFamily = 4 | 6;

/** A tier list after normalization: canonical gateways, each tier sorted, duplicates and empty tiers gone. */
export interface NormalTiers {
  key: string;
  family: IpFamily;
  tiers: NextHop[][];
}

/** Identity of a kernel nexthop object we own: the failure domain plus where it leads. */
export function nexthopKey(h: NextHop): string {
  return h.tunnel + '|' + h.ifname + '|' + h.gateway;
}

export function addressFamily(address: string): IpFamily {
  return address.includes(':') ? 6 : 4;
}

// Gateways repeat across a million routes; canonicalizing each text once keeps normalization cheap.
const canonicalCache = new Map<string, string>();
function canonicalGateway(text: string): string {
  let c = canonicalCache.get(text);
  if (c === undefined) {
    c = canonicalAddress(text);
    if (canonicalCache.size > 100_000) canonicalCache.clear();
    canonicalCache.set(text, c);
  }
  return c;
}

// The RIB usually hands the same tiers array to every prefix of one path set; normalizing by
// identity makes a million-route update cost one normalization per distinct set.
const byIdentity = new WeakMap<NextHop[][], NormalTiers | string>();

/**
 * Normalizes a route's tiers, or returns a reason it cannot be installed. A next hop listed in an
 * earlier tier is dropped from later ones (it is already preferred), so [[A],[A,B]] becomes [[A],[B]].
 */
export function normalizeTiers(route: FibRoute): NormalTiers | string {
  const cached = byIdentity.get(route.tiers);
  let result: NormalTiers | string;
  if (cached !== undefined) {
    result = cached;
  } else {
    result = computeNormal(route.tiers);
    byIdentity.set(route.tiers, result);
  }
  if (typeof result === 'string') return result;
  // From the numbers when the route has them: the text may not exist yet (reading it would make it).
  const prefixFamily: IpFamily = route.key !== undefined && route.key >= 0 ? 4 : route.words6 !== undefined ? 6 : route.prefix.includes(':') ? 6 : 4;
  if (result.tiers.length > 0 && result.family !== prefixFamily) {
    return `next hops are IPv${result.family} but ${route.prefix} is IPv${prefixFamily}`;
  }
  return result;
}

function computeNormal(tiers: NextHop[][]): NormalTiers | string {
  const seen = new Set<string>();
  const out: NextHop[][] = [];
  let family: IpFamily | 0 = 0;
  for (const tier of tiers) {
    const byKey = new Map<string, NextHop>();
    for (const raw of tier) {
      if (!raw.tunnel || !raw.ifname) return 'a next hop needs a tunnel and an ifname';
      let gateway: string;
      try {
        gateway = canonicalGateway(raw.gateway);
      } catch (e) {
        return e instanceof PrefixError ? e.message : String(e);
      }
      const hop: NextHop = { tunnel: raw.tunnel, gateway, ifname: raw.ifname };
      const f = addressFamily(gateway);
      // The kernel refuses groups that mix families; one route's next hops must agree.
      if (family !== 0 && f !== family) return 'next hops of one route mix IPv4 and IPv6 gateways';
      family = f;
      const key = nexthopKey(hop);
      if (seen.has(key)) continue;
      seen.add(key);
      byKey.set(key, hop);
    }
    if (byKey.size === 0) continue;
    out.push([...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]));
  }
  const key = out.map((t) => t.map(nexthopKey).join(',')).join(' / ');
  return { key, family: family === 0 ? 4 : family, tiers: out };
}
