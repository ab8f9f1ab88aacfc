// Errors that carry their protocol meaning: the NOTIFICATION to send and the RFC 7606 action.
// A decode path throws BgpMessageError only when the session must be reset (RFC 7606 §3 "session reset").

/** Subcodes by error code, RFC 4271 §4.5, RFC 4486 (Cease), RFC 7313, RFC 9384. */
export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;
export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7, // RFC 5492
  RoleMismatch: 11, // RFC 9234
} as const;
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;
export const FsmSubcode = { Unspecified: 0, UnexpectedInOpenSent: 1, UnexpectedInOpenConfirm: 2, UnexpectedInEstablished: 3 } as const;
export const CeaseSubcode = {
  MaxPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9, // RFC 8538
  BfdDown: 10, // RFC 9384
} as const;

export type Rfc7606Action = 'session-reset' | 'treat-as-withdraw' | 'attribute-discard';

/** A malformed message that requires a NOTIFICATION and a session reset. */
export class BgpMessageError extends Error {
  readonly code: number;
  readonly subcode: number;
  /** The NOTIFICATION's data field, as RFC 4271 prescribes for this error. */
  readonly data: Uint8Array;
  readonly action: Rfc7606Action = 'session-reset';
  /** The RFC rule that decided the reset, e.g. "RFC 7606 §5.2" (defaults to RFC 4271 §6.<code>). */
  readonly rule: string;
  constructor(code: number, subcode: number, message: string, data: Uint8Array = new Uint8Array(0), rule?: string) {
    super(message);
    this.name = 'BgpMessageError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
    this.rule = rule ?? (code >= 1 && code <= 6 ? `RFC 4271 §6.${code}` : 'RFC 4271 §6');
  }
}
