// Address allocation for a plan: inner /30s per tunnel, transit /30s inside each site, underlay /30s for the
// lab's "internet". Deterministic (file order); an exhausted pool is a TopologyIssue that names the field.

import { formatPath, type TopologyIssue } from '../topology/errors';
import { lineAt } from '../topology/normalize';
import type { Topology } from '../topology/types';
import { BlockAllocator, formatCidr, parseCidr, PoolExhausted, type Ipv4Prefix } from './ipv4';

/** A /30: .1 and .2 are the two ends. */
export interface P2p {
  prefix: string;
  /** First usable address with /30 ("10.255.0.1/30"). */
  low: string;
  /** Second usable address with /30. */
  high: string;
  lowAddr: string;
  highAddr: string;
}

export function p2p(base: number): P2p {
  const ip = (n: number) => formatCidr(n, 30).split('/')[0];
  return { prefix: formatCidr(base, 30), low: formatCidr(base + 1, 30), high: formatCidr(base + 2, 30), lowAddr: ip(base + 1), highAddr: ip(base + 2) };
}

function toPrefix(text: string): Ipv4Prefix {
  const c = parseCidr(text, true)!;
  return { base: c.addr, length: c.length };
}

/** The smallest prefix length holding `count` /30s. */
function lengthFor(count: number): number {
  return 32 - Math.ceil(Math.log2(Math.max(1, count) * 4));
}

/**
 * Takes `count` /30s from a pool for `what`, or records an issue at `field` and returns placeholders
 * (so the rest of the plan can still be checked and every problem reported at once).
 */
export function allocate30s(
  topology: Topology,
  pools: string[],
  field: (string | number)[],
  count: number,
  what: string,
  issues: TopologyIssue[],
  taken?: Set<number>,
  /** The fix when the pool cannot simply be made larger (a provider's fixed range). */
  fixedFix?: string,
): P2p[] {
  const alloc = new BlockAllocator(pools.map(toPrefix), 30, taken);
  try {
    return alloc.takeMany(count).map(p2p);
  } catch (e) {
    if (!(e instanceof PoolExhausted)) throw e;
    const has = e.capacity;
    issues.push({
      line: lineAt(topology.source, field),
      path: formatPath(field),
      message: `${pools.join(', ')} holds ${has} /30 block${has === 1 ? '' : 's'} but the plan needs ${count} (${what})`,
      fix: fixedFix ?? `use a pool of at least a /${lengthFor(count)} (${count} /30s)`,
    });
    return Array.from({ length: count }, () => p2p(0));
  }
}

/** The LAN segment of a site: the first /24 of its first prefix, or the prefix itself when smaller. */
export function lanSegment(firstPrefix: string): { segment: string; gateway: string; host: (i: number) => string; length: number } {
  const c = parseCidr(firstPrefix, true)!;
  const length = Math.max(c.length, 24);
  return {
    segment: formatCidr(c.addr, length),
    gateway: formatCidr(c.addr + 1, length),
    length,
    host: (i: number) => formatCidr(c.addr + 9 + i, length),
  };
}

/** "a.b.c.d" from "a.b.c.d/len". */
export function addrOf(cidr: string): string {
  return cidr.split('/')[0];
}
