// Turns a decoded UPDATE into per-family route changes for the RIB: classic IPv4 fields plus
// MP_REACH/MP_UNREACH (RFC 4760 §3, §4), honouring RFC 7606 treat-as-withdraw, spotting End-of-RIB (RFC 4724 §2).

import { isEndOfRib } from '../bgp/codec/eor';
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

function appendAll(to: Prefix[], from: readonly Prefix[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]);
}

/**
 * Splits an UPDATE into per-family announce/withdraw lists. With an RFC 7606 'treat-as-withdraw' soft error
 * every announced prefix (classic and MP_REACH) becomes a withdrawal, as §2 of that RFC requires. Families
 * other than IPv4/IPv6 unicast are ignored (we never negotiate them).
 */
export function updateToRoutes(msg: UpdateMessage): FamilyRoutes[] {
  const out: FamilyRoutes[] = [];
  const a = msg.attributes;
  const withdrawAll = msg.softErrors?.some((e) => e.action === 'treat-as-withdraw') ?? false;

  // End-of-RIB exactly as RFC 4724 §2 defines it, judged by the codec from the wire.
  const eor = isEndOfRib(msg);
  if (eor) return [{ family: eor, attributes: undefined, announce: [], withdraw: [], endOfRib: true }];

  if (msg.withdrawn.length > 0) appendAll(entry(out, 'ipv4-unicast').withdraw, msg.withdrawn);
  if (a.mpUnreach) {
    const family = familyOf(a.mpUnreach.afi, a.mpUnreach.safi);
    if (family && a.mpUnreach.withdrawn.length > 0) appendAll(entry(out, family).withdraw, a.mpUnreach.withdrawn);
  }

  const mp = a.mpReach;
  const mpFamily = mp ? familyOf(mp.afi, mp.safi) : undefined;
  if (withdrawAll) {
    if (msg.nlri.length > 0) appendAll(entry(out, 'ipv4-unicast').withdraw, msg.nlri);
    if (mp && mpFamily && mp.nlri.length > 0) appendAll(entry(out, mpFamily).withdraw, mp.nlri);
    return out;
  }

  if (msg.nlri.length > 0) {
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, 'ipv4-unicast');
    r.attributes = internAttrs(rest);
    appendAll(r.announce, msg.nlri);
  }
  if (mp && mpFamily && mp.nlri.length > 0) {
    // The RIB keeps one next hop per path: the global address (RFC 2545 §3; a link-local second one is
    // not needed, our sessions run between global tunnel addresses).
    const { mpReach: _r, mpUnreach: _u, ...rest } = a;
    const r = entry(out, mpFamily);
    r.attributes = internAttrs({ ...rest, nextHop: mp.nextHops[0] });
    appendAll(r.announce, mp.nlri);
  }
  return out;
}
