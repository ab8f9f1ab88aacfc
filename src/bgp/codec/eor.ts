// The End-of-RIB marker exactly as RFC 4724 §2 defines it: for IPv4 unicast an UPDATE of the minimum
// length (23 octets); for another family an UPDATE holding only an empty MP_UNREACH_NLRI for it.

import type { Family, PathAttributes, UpdateMessage } from '../types';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST } from '../types';
import { prefixCount } from './nlri';

/**
 * The decoder's verdict per decoded message, taken from the wire: a decoded UPDATE whose only attribute was
 * dropped (malformed, duplicate, unknown non-transitive) looks empty afterwards but is not a marker.
 */
const wireVerdict = new WeakMap<UpdateMessage, Family | null>();

export function recordEndOfRibVerdict(msg: UpdateMessage, verdict: Family | null): void {
  wireVerdict.set(msg, verdict);
}

function mpFamily(afi: number, safi: number): Family | null {
  if (safi !== SAFI_UNICAST) return null;
  return afi === AFI_IPV4 ? 'ipv4-unicast' : afi === AFI_IPV6 ? 'ipv6-unicast' : null;
}

/**
 * RFC 4724 §2 on the wire: `length` is the message length, `attributeCount` the attributes in the list
 * (malformed ones included), `clean` false when any RFC 7606 error was found.
 */
export function wireEndOfRib(length: number, msg: UpdateMessage, attributeCount: number, clean: boolean): Family | null {
  if (length === 23) return 'ipv4-unicast';
  if (!clean || attributeCount !== 1 || prefixCount(msg, 'withdrawn') > 0 || prefixCount(msg, 'nlri') > 0) return null;
  const u = msg.attributes.mpUnreach;
  if (!u || prefixCount(u, 'withdrawn') > 0) return null;
  return mpFamily(u.afi, u.safi);
}

/** The family an UPDATE marks as End-of-RIB, or null when it is not an End-of-RIB marker. */
export function isEndOfRib(msg: UpdateMessage): Family | null {
  const decoded = wireVerdict.get(msg);
  if (decoded !== undefined) return decoded;
  // A message built in memory (never decoded) is judged by its content.
  if (msg.withdrawn.length > 0 || msg.nlri.length > 0 || msg.softErrors) return null;
  const a = msg.attributes;
  const present = (Object.keys(a) as (keyof PathAttributes)[]).filter((k) => a[k] !== undefined);
  if (present.length === 0) return 'ipv4-unicast';
  const u = a.mpUnreach;
  if (present.length !== 1 || !u || prefixCount(u, 'withdrawn') > 0) return null;
  return mpFamily(u.afi, u.safi);
}
