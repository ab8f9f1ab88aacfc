// Test helpers for the RIB: peers and attribute sets built from short descriptions.

import { AsPathSegmentType, Origin } from '../../../src/bgp/types';
import type { AttrsInput, RouteAttrs } from '../../../src/rib/attrs';
import { internAttrs } from '../../../src/rib/attrs';
import type { Peer } from '../../../src/rib/path';
import { makeLocalPeer, makePeer } from '../../../src/rib/path';

export const LOCAL_ASN = 65001;
export const localPeer = makeLocalPeer(LOCAL_ASN, '10.255.0.1');

let n = 0;
/** An eBGP peer in AS 65100 unless told otherwise; router id and address default to unique values. */
export function peer(over: Partial<{ key: string; address: string; asn: number; routerId: string; ebgp: boolean }> = {}): Peer {
  n++;
  return makePeer({
    key: over.key ?? `peer${n}`,
    address: over.address ?? `192.0.2.${n % 250}`,
    asn: over.asn ?? 65100,
    routerId: over.routerId ?? `10.0.${Math.floor(n / 250)}.${n % 250}`,
    ebgp: over.ebgp ?? true,
  });
}

/** Attributes: AS_SEQUENCE from `path`, ORIGIN IGP, next hop 192.0.2.254, plus overrides. */
export function attrs(path: number[] = [65100], over: Partial<AttrsInput> = {}): RouteAttrs {
  return internAttrs({
    origin: Origin.Igp,
    asPath: path.length ? [{ type: AsPathSegmentType.AsSequence, asns: path }] : [],
    nextHop: '192.0.2.254',
    ...over,
  });
}
