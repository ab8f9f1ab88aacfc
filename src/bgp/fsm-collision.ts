// Connection collision detection at the neighbor level: which of two connections to the same peer survives.
// RFC 4271 §6.8 and §8.1.1 (CollisionDetectEstablishedState), RFC 6286 §2.3, RFC 4724 §4.2 (a restarting peer).

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
}

/**
 * What to do when a valid OPEN arrives on `arrived` (still in OpenSent) while `other` exists:
 * - 'dump-arrived': send OpenCollisionDump (Cease/7) to the arrived connection's FSM;
 * - 'abandon-other': the other never got past TCP setup (Connect/Active/Idle), or both came from the peer and
 *   the other is still waiting for its OPEN: discard it silently;
 * - 'replace-other': the other is Established and the peer says it restarted with forwarding state (R bit and a
 *   family in its graceful-restart capability): close the old session without a NOTIFICATION (RFC 4724 §4.2);
 * - 'tentative': the identifiers pick this connection, but the other (OpenConfirm or Established) may already be
 *   the peer's session: go on with this one (our KEEPALIVE) beside it, and let the peer's next word on either
 *   connection decide which one stays (fsm-peer.ts);
 * - 'none': nothing to resolve yet (the other is in OpenSent: its OPEN will bring the decision).
 * An OPEN that fails validation is not looked at: the FSM rejects it with its own NOTIFICATION.
 */
export type CollisionDecision = 'dump-arrived' | 'abandon-other' | 'replace-other' | 'tentative' | 'none';

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
    case 'OpenConfirm':
      if (arrived.initiatedBy === other.initiatedBy) return 'dump-arrived'; // no rule applies: keep the older
      return byIdentifier(config, open, arrived);
    case 'Established':
      return onEstablished(config, open, arrived, other);
  }
}

/**
 * A new connection's OPEN while the session is Established. The two kinds of peer disagree here: BIRD and FRR
 * keep their Established session and close the new connection (§6.8's default), while a bgpfo peer that met the
 * same pair in OpenConfirm keeps the one the identifiers choose (CollisionDetectEstablishedState). Closing the
 * Established one on our side alone, or the new one alone, closes both with one kind or the other. So the
 * Established session is kept until the peer shows which connection it kept: when the identifiers pick the
 * Established one, every peer agrees and the new one goes at once; otherwise the new one goes on tentatively.
 */
function onEstablished(config: FsmConfig, open: OpenMessage, arrived: ConnectionView, other: ConnectionView): CollisionDecision {
  // The peer says it restarted (R bit) and restarts gracefully (a family listed): its old connection is gone on
  // its side (RFC 4724 §4.2). Both ends of a simultaneous open that did not restart send R = 0. (Read from the
  // OPEN itself: what the peer says of itself does not depend on what we advertise.)
  const gr = open.capabilities.find((c) => c.kind === 'graceful-restart');
  if (gr?.kind === 'graceful-restart' && gr.restarting && gr.families.length > 0) return 'replace-other';
  // §6.8's default: the Established session stays, the new connection goes.
  if (!config.collisionDetectEstablished) return 'dump-arrived';
  // Both from the peer: it opened another while ours still looks Established here, so it gave the old one up
  // (a restart, or a close we never saw); it will answer on the new one. Going on tentatively cannot lose the old.
  if (arrived.initiatedBy === other.initiatedBy) return 'tentative';
  return byIdentifier(config, open, arrived);
}

/**
 * §6.8 by identifier, with one change: the connection the identifiers pick goes on tentatively instead of the
 * other being closed at once. The other is in OpenConfirm or Established here, so we already sent our KEEPALIVE
 * on it, and the peer may be Established on it: a peer that keeps an Established session (BIRD, FRR) then
 * refuses the connection the identifiers picked, and closing ours too would leave none. The loser by identifier
 * is closed at once: we never sent a KEEPALIVE on it, so the peer cannot be Established on it.
 */
function byIdentifier(config: FsmConfig, open: OpenMessage, arrived: ConnectionView): CollisionDecision {
  const keep = resolveCollision(config.routerId, open.routerId, config.localAsn, config.remoteAsn);
  return arrived.initiatedBy === keep ? 'tentative' : 'dump-arrived';
}
