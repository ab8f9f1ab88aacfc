// Errors of the BFD codec and authentication, each naming the RFC 5880 rule that discards the packet.
// BFD has no error reply: every reception error means "discard the packet" (§6.8.6); `code` is stable for logs/metrics.

export type BfdDecodeErrorCode =
  | 'truncated' // fewer bytes than the mandatory section or than Length says (§6.8.6)
  | 'bad-version' // Version != 1
  | 'bad-length' // Length < 24 (26 with A), or the auth section does not fit it
  | 'zero-detect-mult'
  | 'multipoint' // M bit set
  | 'zero-my-discriminator'
  | 'zero-your-discriminator' // Your Discriminator 0 while State is Init or Up
  | 'poll-and-final' // P and F both set (§4.1: "MUST NOT both be set")
  | 'bad-auth-length' // Auth Len does not match its Auth Type (§4.2-§4.4)
  | 'bad-auth-type'; // Auth Type 0 or reserved

export type BfdAuthErrorCode =
  | 'auth-missing' // A bit clear but this session authenticates
  | 'auth-unexpected' // A bit set but this session does not authenticate
  | 'auth-type-mismatch'
  | 'unknown-key-id'
  | 'bad-password'
  | 'bad-digest'
  | 'sequence-out-of-window'; // replayed or too far ahead (§6.7.3, §6.7.4)

/** A packet the decoder must discard, with the rule that says so. */
export class BfdDecodeError extends Error {
  readonly code: BfdDecodeErrorCode;
  /** The RFC section with the discard rule, e.g. "RFC 5880 §6.8.6". */
  readonly rule: string;
  constructor(code: BfdDecodeErrorCode, message: string, rule = 'RFC 5880 §6.8.6') {
    super(message);
    this.name = 'BfdDecodeError';
    this.code = code;
    this.rule = rule;
  }
}

/** A packet that failed authentication for its session (§6.7): discarded, the session is not touched. */
export class BfdAuthError extends Error {
  readonly code: BfdAuthErrorCode;
  readonly rule: string;
  constructor(code: BfdAuthErrorCode, message: string, rule: string) {
    super(message);
    this.name = 'BfdAuthError';
    this.code = code;
    this.rule = rule;
  }
}
