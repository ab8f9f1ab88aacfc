// Peers and paths as the RIB sees them: a Path is one candidate route for a prefix (RFC 4271 §9.1),
// an interned attribute set plus the peer it came from, with the peer's tie-break keys precomputed.

import { parseAddress, parseIpv4 } from '../bgp/prefix';
import type { RouteAttrs } from './attrs';

/** What the session knows about its peer once it is Established. */
export interface PeerInfo {
  /** Stable identity of the neighbor (its configured name); paths are matched by this key. */
  key: string;
  /** Peer's transport address (the last tie-break, RFC 4271 §9.1.2.2 (g)). */
  address: string;
  /** Peer's AS number. */
  asn: number;
  /** Peer's BGP identifier from its OPEN, dotted quad (tie-break (f)). */
  routerId: string;
  /** True for an external session (peer AS differs from ours). */
  ebgp: boolean;
}

export interface Peer extends Readonly<PeerInfo> {
  /** True only for the pseudo-peer of locally originated routes. */
  readonly local: boolean;
  /** routerId as an unsigned 32-bit number, compared numerically. */
  readonly routerIdNum: number;
  /** A string that sorts like the address numerically, IPv4 before IPv6. */
  readonly addressKey: string;
}

function hexBytes(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** Precomputes the tie-break keys once per session, so the decision process never parses addresses. */
export function makePeer(info: PeerInfo): Peer {
  const rid = parseIpv4(info.routerId);
  if (!rid) throw new Error(`peer ${info.key}: router id "${info.routerId}" is not a dotted quad`);
  const addr = parseAddress(info.address);
  if (!addr) throw new Error(`peer ${info.key}: address "${info.address}" is not an IP address`);
  return Object.freeze({
    key: info.key,
    address: info.address,
    asn: info.asn,
    routerId: info.routerId,
    ebgp: info.ebgp,
    local: false,
    routerIdNum: ((rid[0] << 24) >>> 0) + (rid[1] << 16) + (rid[2] << 8) + rid[3],
    addressKey: (addr.length === 4 ? '4' : '6') + hexBytes(addr),
  });
}

/** The key of the pseudo-peer that owns locally originated routes; no configured neighbor may use it. */
export const LOCAL_PEER_KEY = '<local>';

/** The pseudo-peer for routes this router originates (asn and routerId are ours; they never tie-break). */
export function makeLocalPeer(asn: number, routerId: string): Peer {
  const p = makePeer({ key: LOCAL_PEER_KEY, address: '0.0.0.0', asn, routerId, ebgp: false });
  return Object.freeze({ ...p, local: true });
}

/** One candidate route: who taught it and with which (interned) attributes. Immutable. */
export class Path {
  constructor(
    readonly peer: Peer,
    readonly attrs: RouteAttrs,
  ) {}
}
