// How RIB objects look to operators in the control API: paths, NOTIFICATION names, last errors, and
// prefix-ordered selection with exact or longest-prefix match. RFC 4271 §4.5/§6 and RFC 4486 names.

import { canonicalPrefix, parsePrefix } from '../bgp/prefix';
import type { LastError } from '../bgp/fsm-types';
import { AsPathSegmentType, type NotificationMessage, type Prefix } from '../bgp/types';
import type { PathView, RouteQuery } from '../api/types';
import type { RouteAttrs } from '../rib/attrs';
import type { Path } from '../rib/path';

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

export function attrsView(peer: string, peerAddress: string | undefined, a: RouteAttrs): PathView {
  const v: PathView = {
    peer,
    nextHop: a.nextHop ?? null,
    asPath: asPathView(a),
    origin: ORIGINS[a.origin ?? 0] ?? 'incomplete',
  };
  if (peerAddress !== undefined) v.peerAddress = peerAddress;
  if (a.localPref !== undefined) v.localPref = a.localPref;
  if (a.med !== undefined) v.med = a.med;
  if (a.communities && a.communities.length > 0) v.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.largeCommunities && a.largeCommunities.length > 0) v.largeCommunities = a.largeCommunities.map((c) => c.join(':'));
  return v;
}

/** A Loc-RIB path: "local" for our own originated routes, else the neighbor's name. */
export function pathView(p: Path): PathView {
  return p.peer.local ? attrsView('local', undefined, p.attrs) : attrsView(p.peer.key, p.peer.address, p.attrs);
}

/** AS_SEQUENCE members as numbers; an AS_SET as "{a,b}", confederation segments as "(a b)" and "[a b]". */
function asPathView(a: RouteAttrs): (number | string)[] {
  const out: (number | string)[] = [];
  for (const seg of a.asPath ?? []) {
    if (seg.type === AsPathSegmentType.AsSequence) out.push(...seg.asns);
    else if (seg.type === AsPathSegmentType.AsSet) out.push(`{${seg.asns.join(',')}}`);
    else if (seg.type === AsPathSegmentType.ConfedSequence) out.push(`(${seg.asns.join(' ')})`);
    else out.push(`[${seg.asns.join(' ')}]`);
  }
  return out;
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: { 1: 'Unexpected Message in OpenSent', 2: 'Unexpected Message in OpenConfirm', 3: 'Unexpected Message in Established' },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
};

/** "Cease/Administrative Shutdown (6/2)", with the shutdown communication when there is one. */
export function notificationText(n: Pick<NotificationMessage, 'code' | 'subcode' | 'shutdownMessage'>): string {
  const code = CODE_NAMES[n.code] ?? `error code ${n.code}`;
  const sub = SUBCODE_NAMES[n.code]?.[n.subcode];
  const text = `${code}${sub ? `/${sub}` : ''} (${n.code}/${n.subcode})`;
  return n.shutdownMessage ? `${text} "${n.shutdownMessage}"` : text;
}

/** One line for `status`: why the session last failed. */
export function lastErrorText(e: LastError): string {
  if (e.notificationReceived) return `NOTIFICATION received: ${notificationText(e.notificationReceived)}`;
  if (e.reason === 'hold-timer-expired') return 'hold timer expired';
  if (e.notificationSent) return `${e.message}; NOTIFICATION sent: ${notificationText(e.notificationSent)}`;
  return e.message;
}

// ---- prefix-ordered selection ---------------------------------------------------------------------------

/**
 * A sort key putting prefixes in the order operators expect: IPv4 before IPv6, by address numerically, then by
 * length. IPv4 keys are numbers parsed by hand (a status query over a 1M table computes a million of them).
 */
export type PrefixKey = number | string;

export function prefixSortKey(p: Prefix): PrefixKey {
  if (!p.includes(':')) {
    let addr = 0;
    let octet = 0;
    let i = 0;
    for (; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c === 46 /* . */) {
        addr = addr * 256 + octet;
        octet = 0;
      } else if (c === 47 /* / */) break;
      else octet = octet * 10 + (c - 48);
    }
    addr = addr * 256 + octet;
    return addr * 64 + Number(p.slice(i + 1));
  }
  const parsed = parsePrefix(p, false);
  let k = '';
  for (const b of parsed.bytes) k += (b < 16 ? '0' : '') + b.toString(16);
  return k + (parsed.length < 16 ? '0' : '') + parsed.length.toString(16);
}

export function compareKeys(a: PrefixKey, b: PrefixKey): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The longest prefix covering `q` (itself included) for which `has` is true. */
export function longestMatch(q: Prefix, has: (p: Prefix) => boolean): Prefix | undefined {
  const slash = q.lastIndexOf('/');
  const addr = q.slice(0, slash);
  for (let len = Number(q.slice(slash + 1)); len >= 0; len--) {
    const p = canonicalPrefix(`${addr}/${len}`, false);
    if (has(p)) return p;
  }
  return undefined;
}

/**
 * The prefixes a query selects, in prefix order, at most query.limit of them, and how many matched in all.
 * `all` should be cheap to walk (values are looked up only for what is returned). With a small limit only the
 * first `limit` are kept while scanning, so a 1M-prefix table is not sorted whole.
 */
export function selectPrefixes(query: RouteQuery, all: () => Iterable<Prefix>, has: (p: Prefix) => boolean): { prefixes: Prefix[]; total: number } {
  if (query.prefix !== undefined) {
    const p = query.match === 'longest' ? longestMatch(query.prefix, has) : has(query.prefix) ? query.prefix : undefined;
    const found = p === undefined ? [] : [p];
    return { prefixes: query.limit === 0 ? [] : found, total: found.length };
  }
  const limit = query.limit ?? Infinity;
  if (limit > 10_000) {
    // A large or no limit: sort everything once (the insertion below is for keeping a small head).
    const keyed: { key: PrefixKey; p: Prefix }[] = [];
    for (const p of all()) keyed.push({ key: prefixSortKey(p), p });
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    return { prefixes: keyed.slice(0, limit).map((k) => k.p), total: keyed.length };
  }
  const kept: { key: PrefixKey; p: Prefix }[] = [];
  let total = 0;
  for (const p of all()) {
    total++;
    if (limit === 0) continue;
    const key = prefixSortKey(p);
    if (kept.length >= limit && compareKeys(key, kept[kept.length - 1].key) >= 0) continue;
    // Binary insertion keeps the small head sorted; tables mostly arrive in order, so this is mostly a skip.
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(kept[mid].key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, { key, p });
    if (kept.length > limit) kept.pop();
  }
  return { prefixes: kept.map((k) => k.p), total };
}
