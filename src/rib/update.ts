// Turns a decoded UPDATE into per-family route changes for the RIB: classic IPv4 fields plus
// MP_REACH/MP_UNREACH (RFC 4760 §3, §4), honouring RFC 7606 treat-as-withdraw, spotting End-of-RIB (RFC 4724 §2),
// ignoring reflected routes that loop back to us (RFC 4456 §8).

import { isEndOfRib } from '../bgp/codec/eor';
import { ipv4FieldKeys, ipv6WireWords, lazyIpv4Prefixes, prefixCount } from '../bgp/codec/nlri';
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
   * IPv4, when the codec gave them: announce[i] and withdraw[i] as wire keys (address * 64 + length). The lists are
   * then made as text only when read (codec lazyIpv4Prefixes): the RIB takes the keys, and counts use prefixCount().
   */
  announceKeys?: readonly number[];
  withdrawKeys?: readonly number[];
  /**
   * IPv6, when the codec gave them: announce[i] and withdraw[i] as numbers at [5i, 5i + 5) (codec ipv6WireWords),
   * for the prefix tables' parse cache (primeIpv6Words): the text is there, but never parsed back.
   */
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
 * Adds prefixes to r[which]. IPv4 lists the codec left as wire keys stay keys when they are the list's only source
 * (r.announceKeys / r.withdrawKeys; the text is made only if read); otherwise the text is appended.
 */
function add(r: FamilyRoutes, which: 'announce' | 'withdraw', from: () => readonly Prefix[], keys: readonly number[] | undefined): void {
  const keysField = which === 'announce' ? 'announceKeys' : 'withdrawKeys';
  const wordsField = which === 'announce' ? 'announceWords6' : 'withdrawWords6';
  if (keys !== undefined && prefixCount(r, which) === 0) {
    lazyIpv4Prefixes(r, which, keys);
    r[keysField] = keys;
    return;
  }
  const to = r[which];
  const first = to.length === 0;
  delete r[keysField];
  const list = from();
  for (let i = 0; i < list.length; i++) to.push(list[i]);
  // The codec's IPv6 words stay aligned only when this list is the field's only source.
  const words = first ? ipv6WireWords(list) : undefined;
  if (words !== undefined) r[wordsField] = words;
  else delete r[wordsField];
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
  if (prefixCount(msg, 'withdrawn') > 0) add(entry(out, 'ipv4-unicast'), 'withdraw', () => msg.withdrawn, ipv4FieldKeys(msg, 'withdrawn'));
  if (unreach) {
    const family = familyOf(unreach.afi, unreach.safi);
    if (family && unreach.withdrawn.length > 0) add(entry(out, family), 'withdraw', () => unreach.withdrawn, undefined);
  }

  const mp = a.mpReach;
  const mpFamily = mp ? familyOf(mp.afi, mp.safi) : undefined;
  const nlriKeys = ipv4FieldKeys(msg, 'nlri');
  if (withdrawAll) {
    if (prefixCount(msg, 'nlri') > 0) add(entry(out, 'ipv4-unicast'), 'withdraw', () => msg.nlri, nlriKeys);
    if (mp && mpFamily && mp.nlri.length > 0) add(entry(out, mpFamily), 'withdraw', () => mp.nlri, undefined);
    return out;
  }

  if (prefixCount(msg, 'nlri') > 0) {
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, 'ipv4-unicast');
    r.attributes = internAttrs(rest);
    add(r, 'announce', () => msg.nlri, nlriKeys);
  }
  if (mp && mpFamily && mp.nlri.length > 0) {
    // The RIB keeps one next hop per path: the global address (RFC 2545 §3), or the link-local one when a peer
    // on a link without global addresses sends "::" as the global part (BGP unnumbered style).
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, mpFamily);
    const nextHop = mp.nextHops[0] === '::' && mp.nextHops[1] ? mp.nextHops[1] : mp.nextHops[0];
    r.attributes = internAttrs({ ...rest, nextHop });
    add(r, 'announce', () => mp.nlri, undefined);
  }
  return out;
}
