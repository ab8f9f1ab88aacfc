// Turns a decoded UPDATE into per-family route changes for the RIB: classic IPv4 fields plus
// MP_REACH/MP_UNREACH (RFC 4760 §3, §4), honouring RFC 7606 treat-as-withdraw, spotting End-of-RIB (RFC 4724 §2),
// ignoring reflected routes that loop back to us (RFC 4456 §8).

import { isEndOfRib } from '../bgp/codec/eor';
import type { PrefixWire } from '../bgp/codec/nlri';
import { fieldWire, lazyPrefixes, prefixCount } from '../bgp/codec/nlri';
import type { Family, Prefix, UpdateMessage } from '../bgp/types';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST } from '../bgp/types';
import type { RouteAttrs } from './attrs';
import { internAttrs } from './attrs';

/**
 * The routes of one family in one UPDATE. An UPDATE carries one attribute set for all its NLRI, so it is
 * given once (`attributes`) rather than per prefix: one interned object, no per-prefix tuple.
 */
export interface FamilyRoutes {
  family: Family;
  /** Interned attributes shared by every announced prefix; undefined when nothing is announced. */
  attributes: RouteAttrs | undefined;
  announce: Prefix[];
  withdraw: Prefix[];
  /**
   * When the codec gave them, the lists in wire form (codec PrefixWire), and the lists themselves are then made as
   * text only when read (codec lazyPrefixes): the RIB takes the numbers, and counts use prefixCount(). IPv4:
   * announce[i] and withdraw[i] as wire keys (address * 64 + length).
   */
  announceKeys?: readonly number[];
  withdrawKeys?: readonly number[];
  /** IPv6: announce[i] and withdraw[i] as four address words and the length, at [5i, 5i + 5). */
  announceWords6?: Uint32Array;
  withdrawWords6?: Uint32Array;
  /** Set when this UPDATE is the family's End-of-RIB marker. */
  endOfRib?: true;
}

function familyOf(afi: number, safi: number): Family | undefined {
  if (safi !== SAFI_UNICAST) return undefined;
  return afi === AFI_IPV4 ? 'ipv4-unicast' : afi === AFI_IPV6 ? 'ipv6-unicast' : undefined;
}

function entry(out: FamilyRoutes[], family: Family): FamilyRoutes {
  for (const r of out) if (r.family === family) return r;
  const r: FamilyRoutes = { family, attributes: undefined, announce: [], withdraw: [] };
  out.push(r);
  return r;
}

/**
 * Adds prefixes to r[which]. Lists the codec left in wire form stay so when they are the list's only source
 * (r.announceKeys / r.withdrawKeys, r.announceWords6 / r.withdrawWords6; the text is made only if read); otherwise
 * the text is appended and the list has no wire form.
 */
function add(r: FamilyRoutes, which: 'announce' | 'withdraw', from: () => readonly Prefix[], wire: PrefixWire | undefined): void {
  const keysField = which === 'announce' ? 'announceKeys' : 'withdrawKeys';
  const wordsField = which === 'announce' ? 'announceWords6' : 'withdrawWords6';
  // The wire form must be the family's (a message put together by hand could pair an IPv4 list with IPv6).
  if (wire !== undefined && wire instanceof Uint32Array === (r.family === 'ipv6-unicast') && prefixCount(r, which) === 0) {
    lazyPrefixes(r, which, wire);
    if (wire instanceof Uint32Array) r[wordsField] = wire;
    else r[keysField] = wire;
    return;
  }
  const to = r[which];
  delete r[keysField];
  delete r[wordsField];
  const list = from();
  for (let i = 0; i < list.length; i++) to.push(list[i]);
}

/** What the receiving router is, for the checks that compare a route with ourselves. */
export interface Receiver {
  /** Our BGP identifier (dotted quad). It is also our CLUSTER_ID: bgpfo configures no other (RFC 4456 §7). */
  routerId: string;
}

/**
 * RFC 4456 §8: a route whose ORIGINATOR_ID is our BGP identifier, or whose CLUSTER_LIST holds our CLUSTER_ID, went
 * round a reflection loop back to us and is ignored. "Ignored" must not leave an older route of the same peer for
 * that prefix in place (it was replaced by this announcement), so the announcement counts as a withdrawal, as FRR and
 * BIRD do. The codec decodes both attributes only from internal peers (from external ones RFC 7606 §7.9/§7.10 discard
 * them), so the check applies to iBGP only by construction. Returns the reason, or undefined for a route to keep.
 */
export function reflectionLoop(msg: UpdateMessage, receiver: Receiver | undefined): string | undefined {
  if (!receiver) return undefined;
  const a = msg.attributes;
  if (a.originatorId !== undefined && a.originatorId === receiver.routerId) return `ORIGINATOR_ID ${a.originatorId} is our own BGP identifier (RFC 4456 §8)`;
  if (a.clusterList?.includes(receiver.routerId)) return `CLUSTER_LIST holds our CLUSTER_ID ${receiver.routerId} (RFC 4456 §8)`;
  return undefined;
}

/**
 * Splits an UPDATE into per-family announce/withdraw lists. With an RFC 7606 'treat-as-withdraw' soft error
 * every announced prefix (classic and MP_REACH) becomes a withdrawal, as §2 of that RFC requires; so does a
 * reflection loop (RFC 4456 §8, when `receiver` is given). Families other than IPv4/IPv6 unicast are ignored
 * (we never negotiate them).
 */
export function updateToRoutes(msg: UpdateMessage, receiver?: Receiver): FamilyRoutes[] {
  const out: FamilyRoutes[] = [];
  const a = msg.attributes;
  const withdrawAll = (msg.softErrors?.some((e) => e.action === 'treat-as-withdraw') ?? false) || reflectionLoop(msg, receiver) !== undefined;

  // End-of-RIB exactly as RFC 4724 §2 defines it, judged by the codec from the wire.
  const eor = isEndOfRib(msg);
  if (eor) return [{ family: eor, attributes: undefined, announce: [], withdraw: [], endOfRib: true }];

  const unreach = a.mpUnreach;
  if (prefixCount(msg, 'withdrawn') > 0) add(entry(out, 'ipv4-unicast'), 'withdraw', () => msg.withdrawn, fieldWire(msg, 'withdrawn'));
  if (unreach) {
    const family = familyOf(unreach.afi, unreach.safi);
    if (family && prefixCount(unreach, 'withdrawn') > 0) add(entry(out, family), 'withdraw', () => unreach.withdrawn, fieldWire(unreach, 'withdrawn'));
  }

  const mp = a.mpReach;
  const mpFamily = mp ? familyOf(mp.afi, mp.safi) : undefined;
  const nlriWire = fieldWire(msg, 'nlri');
  if (withdrawAll) {
    if (prefixCount(msg, 'nlri') > 0) add(entry(out, 'ipv4-unicast'), 'withdraw', () => msg.nlri, nlriWire);
    if (mp && mpFamily && prefixCount(mp, 'nlri') > 0) add(entry(out, mpFamily), 'withdraw', () => mp.nlri, fieldWire(mp, 'nlri'));
    return out;
  }

  if (prefixCount(msg, 'nlri') > 0) {
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, 'ipv4-unicast');
    r.attributes = internAttrs(rest);
    add(r, 'announce', () => msg.nlri, nlriWire);
  }
  if (mp && mpFamily && prefixCount(mp, 'nlri') > 0) {
    // The RIB keeps one next hop per path: the global address (RFC 2545 §3), or the link-local one when a peer
    // on a link without global addresses sends "::" as the global part (BGP unnumbered style).
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, mpFamily);
    const nextHop = mp.nextHops[0] === '::' && mp.nextHops[1] ? mp.nextHops[1] : mp.nextHops[0];
    r.attributes = internAttrs({ ...rest, nextHop });
    add(r, 'announce', () => mp.nlri, fieldWire(mp, 'nlri'));
  }
  return out;
}
