// Connection collision detection at the neighbor level: which of two connections to the same peer survives.
// RFC 4271 §6.8, RFC 6286 §2.3 (equal identifiers), RFC 4724 §4.2 (a restarting peer replaces its old session).

import { negotiate, routerIdToNumber } from './capabilities';
import type { BgpState, FsmConfig } from './fsm-types';
import type { OpenMessage } from './types';

export type Initiator = 'local' | 'remote';

/**
 * Whose connection survives a collision: the one initiated by the speaker with the higher BGP identifier;
 * with equal identifiers (eBGP only), the one initiated by the speaker with the larger AS (RFC 6286 §2.3).
 */
export function resolveCollision(localId: string, remoteId: string, localAsn: number, remoteAsn: number): Initiator {
  const l = routerIdToNumber(localId) ?? 0;
  const r = routerIdToNumber(remoteId) ?? 0;
  if (l !== r) return l > r ? 'local' : 'remote';
  return localAsn > remoteAsn ? 'local' : 'remote';
}

export interface ConnectionView {
  state: BgpState;
  initiatedBy: Initiator;
  /** The other connection's session negotiated graceful restart (only looked at when Established). */
  gracefulRestart?: boolean;
}

/**
 * What to do when a valid OPEN arrives on `arrived` (still in OpenSent) while `other` exists:
 * - 'dump-arrived' / 'dump-other': send OpenCollisionDump (Cease/7) to that connection's FSM;
 * - 'abandon-other': the other never got past TCP setup (Connect/Active/Idle), or both came from the peer and
 *   the other is still waiting for its OPEN: discard it silently;
 * - 'replace-other': the other is Established with graceful restart negotiated: the peer restarted,
 *   close the old session without a NOTIFICATION and go on with the new one (RFC 4724 §4.2);
 *   without graceful restart an Established other is judged like one in OpenConfirm when
 *   config.collisionDetectEstablished is set (RFC 4271 §8.1.1 CollisionDetectEstablishedState);
 * - 'none': nothing to resolve yet (the other is in OpenSent: its OPEN will bring the decision).
 * An OPEN that fails validation is not looked at: the FSM rejects it with its own NOTIFICATION.
 */
export type CollisionDecision = 'dump-arrived' | 'dump-other' | 'abandon-other' | 'replace-other' | 'none';

export function collisionOnOpen(
  config: FsmConfig,
  open: OpenMessage,
  arrived: ConnectionView,
  other: ConnectionView | undefined,
): CollisionDecision {
  if (!other) return 'none';
  if (!negotiate(config, open).ok) return 'none';
  switch (other.state) {
    case 'Idle':
    case 'Connect':
    case 'Active':
      return 'abandon-other';
    case 'OpenSent':
      // Two connections the peer opened: it completed OPEN on this one, so it has given up the other (a half-open
      // leftover of a tunnel flap or NAT reset, or its own abandoned attempt): the one that completes OPEN wins.
      if (arrived.initiatedBy === 'remote' && other.initiatedBy === 'remote') return 'abandon-other';
      // §6.8 only compares with connections in OpenConfirm; waiting for the other OPEN keeps both sides
      // deciding on the same facts (deciding now could drop a connection the peer has already kept).
      return 'none';
    case 'Established':
      // The peer only opens a new connection when it thinks the old session is gone (it restarted).
      if (other.gracefulRestart) return 'replace-other';
      // §6.8 by default closes the new connection. With CollisionDetectEstablishedState the identifiers
      // decide as in OpenConfirm: both ends then always agree, even when one end had already seen the
      // losing connection reach Established (without it, simultaneous opens can close both connections).
      if (!config.collisionDetectEstablished) return 'dump-arrived';
      return byIdentifier(config, open, arrived, other);
    case 'OpenConfirm':
      return byIdentifier(config, open, arrived, other);
  }
}

function byIdentifier(config: FsmConfig, open: OpenMessage, arrived: ConnectionView, other: ConnectionView): CollisionDecision {
  if (arrived.initiatedBy === other.initiatedBy) return 'dump-arrived'; // no rule applies: keep the older
  const keep = resolveCollision(config.routerId, open.routerId, config.localAsn, config.remoteAsn);
  return arrived.initiatedBy === keep ? 'dump-other' : 'dump-arrived';
}
