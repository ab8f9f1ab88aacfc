// Our OPEN message and the negotiation of the peer's: OPEN checks, families, 4-octet AS, hold time,
// extended message, route refresh, graceful restart. RFC 4271 §4.2/§6.2, RFC 5492, 4760, 6793, 6286, 8654, 2918, 4724.

import { OpenSubcode } from './errors';
import {
  AFI_IPV4,
  AFI_IPV6,
  AS_TRANS,
  SAFI_UNICAST,
  type Capability,
  type CodecContext,
  type Family,
  type OpenMessage,
} from './types';

/** What we advertise; a subset of the session's configuration. Times in seconds. */
export interface LocalCapabilityConfig {
  localAsn: number;
  remoteAsn: number;
  routerId: string;
  holdTime: number;
  /** Wanted keepalive interval; the negotiated one never exceeds a third of the hold time. */
  keepalive?: number;
  families: Family[];
  extendedMessage: boolean;
  gracefulRestart?: { restartTime: number; restarting: boolean; preserved: Family[] };
}

/** An error that becomes a NOTIFICATION (code, subcode, data). */
export interface ProtocolError {
  code: number;
  subcode: number;
  data?: Uint8Array;
  message?: string;
}

export interface PeerGracefulRestart {
  /** Seconds the peer asks us to keep its routes while it restarts. */
  restartTime: number;
  /** The peer's R bit: it has just restarted, so it will send End-of-RIB. */
  restarting: boolean;
  /** Negotiated families the peer covers with graceful restart, and whether it kept forwarding state. */
  families: { family: Family; forwardingPreserved: boolean }[];
}

/** Everything the session agreed on; what the FSM keeps after a valid OPEN. */
export interface Negotiated {
  ctx: CodecContext;
  families: Family[];
  /** Seconds; 0 means no KEEPALIVEs and no hold timer. */
  holdTime: number;
  /** Seconds between our KEEPALIVEs; 0 when holdTime is 0. */
  keepalive: number;
  peerRouterId: string;
  peerAsn: number;
  peerCapabilities: Capability[];
  /** The peer advertised ROUTE-REFRESH (RFC 2918), so we may send it one. */
  routeRefresh: boolean;
  /** Present when both sides advertised graceful restart (RFC 4724). */
  gracefulRestart?: PeerGracefulRestart;
}

export type NegotiationResult = { ok: true; negotiated: Negotiated } | { ok: false; error: ProtocolError };

const FAMILIES: Record<Family, { afi: number; safi: number }> = {
  'ipv4-unicast': { afi: AFI_IPV4, safi: SAFI_UNICAST },
  'ipv6-unicast': { afi: AFI_IPV6, safi: SAFI_UNICAST },
};

export function familyToAfiSafi(family: Family): { afi: number; safi: number } {
  return FAMILIES[family];
}

export function afiSafiToFamily(afi: number, safi: number): Family | undefined {
  if (safi !== SAFI_UNICAST) return undefined;
  return afi === AFI_IPV4 ? 'ipv4-unicast' : afi === AFI_IPV6 ? 'ipv6-unicast' : undefined;
}

/** A dotted-quad BGP identifier as an unsigned 32-bit number, or undefined when malformed. */
export function routerIdToNumber(id: string): number | undefined {
  const parts = id.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** The OPEN we send. "My AS" is AS_TRANS when our AS does not fit two octets (RFC 6793 §4.1). */
export function buildOpen(local: LocalCapabilityConfig): OpenMessage {
  const capabilities: Capability[] = local.families.map((f) => ({ code: 1, kind: 'multiprotocol', ...FAMILIES[f] }));
  capabilities.push({ code: 2, kind: 'route-refresh' });
  if (local.extendedMessage) capabilities.push({ code: 6, kind: 'extended-message' });
  capabilities.push({ code: 65, kind: 'four-octet-as', asn: local.localAsn });
  const gr = local.gracefulRestart;
  if (gr) {
    capabilities.push({
      code: 64,
      kind: 'graceful-restart',
      restarting: gr.restarting,
      notification: false,
      restartTime: Math.min(gr.restartTime, 4095),
      // Graceful restart on (a restart time): every family we run is listed, F says whether we kept forwarding. Aware
      // only (restart time 0): none, as RFC 4724 §3 words it ("not capable of preserving its forwarding state ... but
      // supports procedures for the Receiving Speaker"). Listing them would ask the peer to keep our routes as stale
      // when our daemon dies: BIRD then went on forwarding into the dead gateway for a moment it did not bound.
      families: gr.restartTime > 0 || gr.restarting ? local.families.map((f) => ({ ...FAMILIES[f], forwardingPreserved: gr.preserved.includes(f) })) : [],
    });
  }
  return {
    type: 'open',
    version: 4,
    myAsn: local.localAsn > 0xffff ? AS_TRANS : local.localAsn,
    holdTime: local.holdTime,
    routerId: local.routerId,
    capabilities,
  };
}

/** The peer's real AS: the 4-octet capability when present, else the 2-octet field (RFC 6793 §4.1). */
export function peerAsnOf(open: OpenMessage): number {
  const cap = open.capabilities.find((c) => c.kind === 'four-octet-as');
  return cap && cap.kind === 'four-octet-as' ? cap.asn : open.myAsn;
}

/** Seconds between KEEPALIVEs for a negotiated hold time: a third of it, or less if configured (RFC 4271 §4.4). */
export function keepaliveFor(holdTime: number, configured?: number): number {
  if (holdTime === 0) return 0;
  const third = Math.max(1, Math.floor(holdTime / 3));
  return configured !== undefined && configured > 0 ? Math.min(configured, third) : third;
}

/** The capability bytes for our families, the data of an Unsupported Capability error (RFC 5492 §5). */
function multiprotocolCapabilityBytes(families: Family[]): Uint8Array {
  const out = new Uint8Array(families.length * 6);
  families.forEach((f, i) => {
    const { afi, safi } = FAMILIES[f];
    out.set([1, 4, afi >> 8, afi & 0xff, 0, safi], i * 6);
  });
  return out;
}

/**
 * Check the peer's OPEN (RFC 4271 §6.2 with RFC 6286 identifiers and RFC 6793 AS numbers) and compute
 * what the session runs with. Message-format errors (bad optional parameters) are the codec's; this
 * judges the values.
 */
export function negotiate(local: LocalCapabilityConfig, open: OpenMessage): NegotiationResult {
  const fail = (subcode: number, message: string, data?: Uint8Array): NegotiationResult => ({
    ok: false,
    error: { code: 2, subcode, message, ...(data ? { data } : {}) },
  });
  if (open.version !== 4) {
    // Data: the largest version we support, two octets (§6.2).
    return fail(OpenSubcode.UnsupportedVersion, `unsupported BGP version ${open.version}`, new Uint8Array([0, 4]));
  }
  const peerAsn = peerAsnOf(open);
  if (peerAsn !== local.remoteAsn) {
    return fail(OpenSubcode.BadPeerAs, `peer AS ${peerAsn} is not the configured ${local.remoteAsn}`);
  }
  const ebgp = local.localAsn !== local.remoteAsn;
  const peerId = routerIdToNumber(open.routerId);
  // RFC 6286 §2.2: any non-zero value; equal to ours is only wrong inside one AS.
  if (peerId === undefined || peerId === 0 || (!ebgp && open.routerId === local.routerId)) {
    return fail(OpenSubcode.BadBgpIdentifier, `unacceptable BGP identifier ${open.routerId}`);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return fail(OpenSubcode.UnacceptableHoldTime, `unacceptable hold time ${open.holdTime}`);
  }

  const caps = open.capabilities;
  const mp = caps.filter((c): c is Extract<Capability, { kind: 'multiprotocol' }> => c.kind === 'multiprotocol');
  // No multiprotocol capability at all means plain IPv4 unicast (RFC 4760 §8).
  const offered = mp.length === 0 ? (['ipv4-unicast'] as Family[]) : mp.map((c) => afiSafiToFamily(c.afi, c.safi));
  const families = local.families.filter((f) => offered.includes(f));
  if (families.length === 0) {
    return fail(
      OpenSubcode.UnsupportedCapability,
      `no address family in common (we run ${local.families.join(', ')})`,
      multiprotocolCapabilityBytes(local.families),
    );
  }

  const holdTime = Math.min(local.holdTime, open.holdTime);
  const negotiated: Negotiated = {
    ctx: {
      fourOctetAs: caps.some((c) => c.kind === 'four-octet-as'),
      extendedMessage: local.extendedMessage && caps.some((c) => c.kind === 'extended-message'),
      ebgp,
    },
    families,
    holdTime,
    keepalive: keepaliveFor(holdTime, local.keepalive),
    peerRouterId: open.routerId,
    peerAsn,
    peerCapabilities: caps,
    routeRefresh: caps.some((c) => c.kind === 'route-refresh'),
  };
  const gr = caps.find((c) => c.kind === 'graceful-restart');
  if (local.gracefulRestart && gr && gr.kind === 'graceful-restart') {
    negotiated.gracefulRestart = {
      restartTime: gr.restartTime,
      restarting: gr.restarting,
      families: gr.families.flatMap((f) => {
        const family = afiSafiToFamily(f.afi, f.safi);
        return family && families.includes(family) ? [{ family, forwardingPreserved: f.forwardingPreserved }] : [];
      }),
    };
  }
  return { ok: true, negotiated };
}
