// BFD Control packet model shared by the codec, the authentication layer and the FSM.
// RFC 5880 §4.1 (mandatory section), §4.2-§4.4 (authentication sections), §4.1 diagnostic codes.

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       My Discriminator                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Your Discriminator                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Desired Min TX Interval                    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   Required Min RX Interval                    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 Required Min Echo RX Interval                 |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// An optional Authentication Section follows when A is set:
// |   Auth Type   |   Auth Len    |    Authentication Data...     |

export const BFD_VERSION = 1;
/** Length of the mandatory section; 26 is the least a packet with A set can be (§6.8.6). */
export const BFD_MIN_LENGTH = 24;
export const BFD_MIN_LENGTH_AUTH = 26;

/** Session states as carried in the Sta field (§4.1). A real enum (not const): swc compiles files one by one. */
export enum BfdState {
  AdminDown = 0,
  Down = 1,
  Init = 2,
  Up = 3,
}
export type BfdStateName = 'AdminDown' | 'Down' | 'Init' | 'Up';
export const BFD_STATE_NAMES: readonly BfdStateName[] = ['AdminDown', 'Down', 'Init', 'Up'];

/** Diagnostic codes (§4.1); 9-31 are reserved and decoded as their number. */
export const BfdDiag = {
  None: 0,
  ControlDetectionTimeExpired: 1,
  EchoFunctionFailed: 2,
  NeighborSignaledSessionDown: 3,
  ForwardingPlaneReset: 4,
  PathDown: 5,
  ConcatenatedPathDown: 6,
  AdministrativelyDown: 7,
  ReverseConcatenatedPathDown: 8,
} as const;
export type BfdDiagCode = number;

export const BFD_DIAG_NAMES: Record<number, string> = {
  0: 'No Diagnostic',
  1: 'Control Detection Time Expired',
  2: 'Echo Function Failed',
  3: 'Neighbor Signaled Session Down',
  4: 'Forwarding Plane Reset',
  5: 'Path Down',
  6: 'Concatenated Path Down',
  7: 'Administratively Down',
  8: 'Reverse Concatenated Path Down',
};

/** Auth Len per keyed Auth Type (§4.3, §4.4); simple password is 4..19 (a 1-16 byte password + 3). */
export const AUTH_LEN: Record<number, number> = { 2: 24, 3: 24, 4: 28, 5: 28 };
/** Bytes of the Auth Key/Digest field per keyed Auth Type. */
export const DIGEST_LEN: Record<number, number> = { 2: 16, 3: 16, 4: 20, 5: 20 };

/** Auth Type field values (§4.1). */
export const BfdAuthType = {
  None: 0,
  SimplePassword: 1,
  KeyedMd5: 2,
  MeticulousKeyedMd5: 3,
  KeyedSha1: 4,
  MeticulousKeyedSha1: 5,
} as const;
export type BfdAuthTypeCode = (typeof BfdAuthType)[keyof typeof BfdAuthType];

/** The authentication section as it was on the wire (§4.2-§4.4). */
export type BfdAuthSection =
  | { type: 1; keyId: number; password: Uint8Array }
  | {
      type: 2 | 3 | 4 | 5;
      keyId: number;
      /** Sequence Number, unsigned 32 bit. */
      sequence: number;
      /** Auth Key/Digest field: 16 bytes for MD5, 20 for SHA1. */
      digest: Uint8Array;
    };

/** All fields of a Control packet; intervals in microseconds as on the wire. */
export interface BfdControlPacket {
  version: number;
  diag: BfdDiagCode;
  state: BfdState;
  poll: boolean;
  final: boolean;
  /** C: Control Plane Independent. */
  cpi: boolean;
  /** D: Demand mode. */
  demand: boolean;
  /** M: Multipoint, reserved: must be zero. */
  multipoint: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
  /** Present exactly when the A bit is set. */
  auth?: BfdAuthSection;
}
