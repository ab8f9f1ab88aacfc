// BGP-4 message model shared by the codec, FSM, RIB and policy: a discriminated union of messages.
// RFC 4271 §4, RFC 4760 (MP), RFC 6793 (4-octet AS), RFC 5492 (capabilities), RFC 7606 (error handling).

/** Address family identifiers (RFC 4760 / IANA). */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export type Afi = typeof AFI_IPV4 | typeof AFI_IPV6;
export const SAFI_UNICAST = 1;
export type Safi = number;

/** Address family key used everywhere a family is named: 'ipv4-unicast' | 'ipv6-unicast'. */
export type Family = 'ipv4-unicast' | 'ipv6-unicast';

/**
 * A prefix in canonical text form: "10.1.0.0/16", "2001:db8::/32" (RFC 5952 compressed,
 * lower case, host bits zero). Strings are the RIB's keys: cheap to hash, share nothing.
 */
export type Prefix = string;

export const enum MessageType {
  Open = 1,
  Update = 2,
  Notification = 3,
  Keepalive = 4,
  RouteRefresh = 5,
}

// ---- OPEN (RFC 4271 §4.2) -------------------------------------------------------------
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    Version    |     My Autonomous System      |   Hold Time   :
// :               |                BGP Identifier                 :
// :               | Opt Parm Len  |  Optional Parameters (variable)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export type Capability =
  | { code: 1; kind: 'multiprotocol'; afi: number; safi: number }
  | { code: 2; kind: 'route-refresh' }
  | { code: 70; kind: 'enhanced-route-refresh' }
  | { code: 6; kind: 'extended-message' }
  | { code: 65; kind: 'four-octet-as'; asn: number }
  | {
      code: 64;
      kind: 'graceful-restart';
      /** R bit: the sender has restarted. */
      restarting: boolean;
      /** N bit (RFC 8538), carried but not acted on. */
      notification: boolean;
      restartTime: number; // seconds, 12 bits
      families: { afi: number; safi: number; forwardingPreserved: boolean }[];
    }
  | { code: number; kind: 'unknown'; value: Uint8Array };

export interface OpenMessage {
  type: 'open';
  version: number; // 4
  /** The 2-octet "My AS" field as sent (AS_TRANS 23456 when the real AS exceeds 65535). */
  myAsn: number;
  holdTime: number;
  /** Dotted-quad BGP identifier. */
  routerId: string;
  capabilities: Capability[];
}

// ---- UPDATE (RFC 4271 §4.3) -----------------------------------------------------------

export const enum Origin {
  Igp = 0,
  Egp = 1,
  Incomplete = 2,
}

export const enum AsPathSegmentType {
  AsSet = 1,
  AsSequence = 2,
  ConfedSequence = 3, // RFC 5065
  ConfedSet = 4,
}

export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}

/** Attribute type codes we know by name. */
export const enum AttrType {
  Origin = 1,
  AsPath = 2,
  NextHop = 3,
  Med = 4,
  LocalPref = 5,
  AtomicAggregate = 6,
  Aggregator = 7,
  Communities = 8,
  OriginatorId = 9,
  ClusterList = 10,
  MpReach = 14,
  MpUnreach = 15,
  As4Path = 17,
  As4Aggregator = 18,
  LargeCommunities = 32,
}

/** Flag bits of a path attribute header. */
export const ATTR_FLAG_OPTIONAL = 0x80;
export const ATTR_FLAG_TRANSITIVE = 0x40;
export const ATTR_FLAG_PARTIAL = 0x20;
export const ATTR_FLAG_EXTENDED_LENGTH = 0x10;

/** An attribute we do not interpret, kept as bytes so it can be passed on (with Partial set). */
export interface RawAttribute {
  flags: number;
  type: number;
  value: Uint8Array;
}

export interface MpReach {
  afi: number;
  safi: number;
  /** One next hop, or global + link-local for IPv6 (RFC 2545). */
  nextHops: string[];
  nlri: Prefix[];
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: Prefix[];
}

/**
 * Path attributes after decoding. AS numbers are always 4-octet here: when the session is
 * 2-octet, the decoder merges AS4_PATH/AS4_AGGREGATOR (RFC 6793 §4.2.3) and the encoder
 * produces AS_TRANS plus AS4_PATH; callers never see AS_TRANS substitution.
 */
export interface PathAttributes {
  origin?: Origin;
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 1997 communities as unsigned 32-bit numbers (ASN << 16 | value). */
  communities?: number[];
  /** RFC 4456 ORIGINATOR_ID (dotted quad); decoded from internal peers only (RFC 7606 §7.9). */
  originatorId?: string;
  /** RFC 4456 CLUSTER_LIST (dotted quads); decoded from internal peers only (RFC 7606 §7.10). */
  clusterList?: string[];
  /** RFC 8092 large communities: [global admin, local data 1, local data 2]. */
  largeCommunities?: [number, number, number][];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** Unrecognized attributes in the order received. */
  unknown?: RawAttribute[];
}

/**
 * An RFC 7606 error that does not reset the session. 'treat-as-withdraw': every prefix the
 * UPDATE announces (classic and MP_REACH) must be handled as withdrawn; 'attribute-discard':
 * the attribute was dropped and the rest of the UPDATE stands.
 */
export interface SoftError {
  action: 'treat-as-withdraw' | 'attribute-discard';
  attrType: number;
  reason: string;
  /** The RFC rule that decided the action, e.g. "RFC 7606 §7.1" or "RFC 6793 §6" (the decoder always sets it). */
  rule?: string;
}

export interface UpdateMessage {
  type: 'update';
  /** Present when RFC 7606 soft errors were found while decoding; absent on a clean UPDATE. */
  softErrors?: SoftError[];
  /** IPv4 withdrawn routes (the classic field). */
  withdrawn: Prefix[];
  attributes: PathAttributes;
  /** IPv4 NLRI (the classic field). */
  nlri: Prefix[];
}

// ---- NOTIFICATION (RFC 4271 §4.5, §6; RFC 4486; RFC 8203/9003) -------------------------

export const enum ErrorCode {
  MessageHeader = 1,
  OpenMessage = 2,
  UpdateMessage = 3,
  HoldTimerExpired = 4,
  FsmError = 5,
  Cease = 6,
  RouteRefresh = 7, // RFC 7313
}

export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Uint8Array;
  /** RFC 8203/9003 shutdown communication, decoded from data for Cease 2 and 4. */
  shutdownMessage?: string;
}

export interface KeepaliveMessage {
  type: 'keepalive';
}

/** RFC 2918 ROUTE-REFRESH; subtype per RFC 7313 (0 normal, 1 BoRR, 2 EoRR). */
export interface RouteRefreshMessage {
  type: 'route-refresh';
  afi: number;
  safi: number;
  subtype: number;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

/** What the session negotiated that changes the wire format. */
export interface CodecContext {
  /** Both sides sent the 4-octet AS capability: AS numbers in AS_PATH/AGGREGATOR are 4 bytes. */
  fourOctetAs: boolean;
  /** Both sides sent the extended message capability (RFC 8654): 65535-byte messages. */
  extendedMessage: boolean;
  /** This side is eBGP towards the peer (affects which RFC 7606 actions apply, e.g. LOCAL_PREF). */
  ebgp: boolean;
  /**
   * Both sides sent the Extended Next Hop capability (RFC 8950) for IPv4 NLRI: only then may an IPv4
   * MP_REACH_NLRI carry an IPv6 next hop. bgpfo does not advertise it, so this is absent (false) today.
   */
  extendedNextHop?: boolean;
}

export const DEFAULT_CODEC_CONTEXT: CodecContext = { fourOctetAs: true, extendedMessage: false, ebgp: true };

export const AS_TRANS = 23456;
export const BGP_PORT = 179;
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
