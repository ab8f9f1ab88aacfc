// The neighbor above its connection FSMs: up to two connections (ours and the peer's) while a collision
// is open, which one survives, and which one carries the neighbor's counters. RFC 4271 §6.8, §8.
// Pure like the FSM: the runner maps connection ids to sockets and timers and performs the actions.

import { collisionOnOpen, type Initiator } from './fsm-collision';
import { createFsm, step } from './fsm';
import type { BgpState, FsmAction, FsmConfig, FsmEvent, FsmState } from './fsm-types';

export interface PeerConnection {
  id: number;
  initiatedBy: Initiator;
  fsm: FsmState;
}

export interface PeerState {
  config: FsmConfig;
  /** Never empty: the first is the neighbor's main FSM, a second exists only during a collision. */
  conns: PeerConnection[];
  nextId: number;
}

/** 'discard': forget the connection: cancel its timers, destroy its socket without a word. */
export type PeerAction = { conn: number; action: FsmAction | { type: 'discard' } };

export interface PeerResult {
  peer: PeerState;
  actions: PeerAction[];
}

const RANK: Record<BgpState, number> = { Idle: 0, Active: 1, Connect: 2, OpenSent: 3, OpenConfirm: 4, Established: 5 };
const hasSession = (s: BgpState) => RANK[s] >= RANK.OpenSent;
/** A connection the peer opened that has not sent its OPEN yet (we sent ours and wait in OpenSent). */
const unopenedFromPeer = (c: PeerConnection) => c.initiatedBy === 'remote' && c.fsm.state === 'OpenSent';

export function createPeer(config: FsmConfig, seed = 1): PeerState {
  return { config, conns: [{ id: 1, initiatedBy: 'local', fsm: createFsm(config, seed) }], nextId: 2 };
}

/** The neighbor's state as shown to operators: its most advanced connection. */
export function peerState(peer: PeerState): BgpState {
  return peer.conns.reduce<BgpState>((best, c) => (RANK[c.fsm.state] > RANK[best] ? c.fsm.state : best), 'Idle');
}

/** The connection that speaks for the neighbor: the most advanced one (the first on ties). */
export function primary(peer: PeerState): PeerConnection {
  return peer.conns.reduce((best, c) => (RANK[c.fsm.state] > RANK[best.fsm.state] ? c : best));
}

class PeerTx {
  conns: PeerConnection[];
  readonly actions: PeerAction[] = [];
  private readonly before: Map<number, BgpState>;
  constructor(
    readonly peer: PeerState,
    readonly now: number,
  ) {
    this.conns = [...peer.conns];
    this.before = new Map(peer.conns.map((c) => [c.id, c.fsm.state]));
  }

  step(id: number, event: FsmEvent): void {
    const i = this.conns.findIndex((c) => c.id === id);
    if (i < 0) return;
    const c = this.conns[i]!;
    const r = step(c.fsm, event, this.now);
    // Who opened the TCP connection this FSM runs on decides collisions; an FSM may reconnect either way.
    let initiatedBy = c.initiatedBy;
    if (r.actions.some((a) => a.type === 'connect')) initiatedBy = 'local';
    else if (event.type === 'TcpConnectionConfirmed' && r.state.state === 'OpenSent' && c.fsm.state !== 'OpenSent') initiatedBy = 'remote';
    this.conns[i] = { ...c, initiatedBy, fsm: r.state };
    for (const action of r.actions) this.actions.push({ conn: id, action });
  }

  /** Forget a connection; the survivors inherit the neighbor's history (failures, flaps, last error). */
  discard(id: number): void {
    const gone = this.conns.find((c) => c.id === id);
    if (!gone || this.conns.length < 2) return;
    this.conns = this.conns.filter((c) => c.id !== id);
    this.conns = this.conns.map((c) => ({ ...c, fsm: inherit(c.fsm, gone.fsm) }));
    this.actions.push({ conn: id, action: { type: 'discard' } });
  }

  /** Housekeeping after every event, so at most one connection is left once a collision is decided. */
  finish(): PeerResult {
    const established = this.conns.find((c) => c.fsm.state === 'Established');
    for (const c of [...this.conns]) {
      const was = this.before.get(c.id);
      const failed = was !== undefined && hasSession(was) && !hasSession(c.fsm.state);
      // An Established session makes pending attempts pointless; a failed connection leaves to its sibling.
      if ((established && c !== established && !hasSession(c.fsm.state)) || failed) this.discard(c.id);
    }
    const idle = this.conns.filter((c) => c.fsm.state === 'Idle');
    if (idle.length === this.conns.length) for (const c of idle.slice(1)) this.discard(c.id);
    return { peer: { ...this.peer, conns: this.conns }, actions: this.actions };
  }
}

function inherit(into: FsmState, from: FsmState): FsmState {
  const newer = (from.lastError?.at ?? -1) > (into.lastError?.at ?? -1) ? from.lastError : into.lastError;
  return {
    ...into,
    failures: Math.max(into.failures, from.failures),
    idleHoldTime: Math.max(into.idleHoldTime, from.idleHoldTime),
    flaps: Math.max(into.flaps, from.flaps),
    connectRetryCounter: Math.max(into.connectRetryCounter, from.connectRetryCounter),
    lastError: newer,
  };
}

/**
 * An event for one connection. A valid OPEN first runs collision detection against the other connection
 * (§6.8: before our KEEPALIVE goes out, so the losing connection never looks Established to the peer).
 */
export function peerEvent(peer: PeerState, conn: number, event: FsmEvent, now = 0): PeerResult {
  const tx = new PeerTx(peer, now);
  const arrived = tx.conns.find((c) => c.id === conn);
  if (!arrived) return { peer, actions: [] };
  const other = tx.conns.find((c) => c.id !== conn);
  if (event.type === 'BGPOpen' && arrived.fsm.state === 'OpenSent' && other) {
    const view = (c: PeerConnection) => ({
      state: c.fsm.state,
      initiatedBy: c.initiatedBy,
      gracefulRestart: c.fsm.negotiated?.gracefulRestart !== undefined,
    });
    switch (collisionOnOpen(peer.config, event.open, view(arrived), view(other))) {
      case 'dump-arrived':
        tx.step(conn, { type: 'OpenCollisionDump' });
        return tx.finish();
      case 'dump-other':
        tx.step(other.id, { type: 'OpenCollisionDump' });
        break;
      case 'abandon-other':
        tx.discard(other.id);
        break;
      case 'replace-other':
        tx.step(other.id, { type: 'TcpConnectionFails', reason: 'peer restarted: new OPEN on another connection (graceful restart)' });
        break;
      case 'none':
        break;
    }
  }
  tx.step(conn, event);
  return tx.finish();
}

/** Start, stop and reset concern every connection of the neighbor. */
export function peerCommand(peer: PeerState, event: FsmEvent, now = 0): PeerResult {
  const tx = new PeerTx(peer, now);
  if (event.type === 'ManualStart' || event.type === 'ManualStart_with_PassiveTcpEstablishment') {
    tx.step(tx.conns[0]!.id, event);
  } else {
    for (const c of tx.conns) tx.step(c.id, event);
  }
  return tx.finish();
}

/**
 * The daemon accepted a TCP connection from this neighbor. Returns the connection id that now owns it,
 * or null when the neighbor refuses it (stopped, or holding two connections neither of which is a peer's
 * connection still waiting for its OPEN; such a one is dropped for the new one):
 * the runner then sends Cease/Connection Rejected (RFC 4486) and closes it.
 */
export function peerAccept(peer: PeerState, now = 0): PeerResult & { accepted: number | null } {
  let main = peer.conns[0]!;
  if (!main.fsm.started) return { peer, actions: [], accepted: null };
  if (peer.conns.length > 1) {
    // Both slots taken. RFC 4271 §6.8 decides between connections when an OPEN arrives, so a connection from the
    // peer that never sent one must not hold a slot against the peer's new attempt: a tunnel flap or a NAT reset
    // leaves exactly such a half-open connection behind, and it would lock the neighbor out until its 240 s
    // OpenSent hold timer. The peer opens a new connection only when it has given the old one up: the newest wins.
    const stale = peer.conns.find(unopenedFromPeer);
    if (!stale) return { peer, actions: [], accepted: null };
    const tx = new PeerTx(peer, now);
    tx.discard(stale.id);
    const freed = tx.finish();
    const r = peerAccept(freed.peer, now);
    return { ...r, actions: [...freed.actions, ...r.actions] };
  }
  if (main.fsm.state === 'Idle') {
    // Backing off after a failure (IdleHold): accept the peer's connection anyway, as FRR and BIRD do. Refusing
    // it deadlocks two speakers that back off at the same time, each rejecting the other's connection. The
    // backoff still paces our own outgoing attempts.
    const woken = peerEvent(peer, main.id, { type: 'AutomaticStart_with_PassiveTcpEstablishment' }, now);
    const fsm = { ...woken.peer.conns[0]!.fsm, passive: main.fsm.config.passive };
    peer = { ...woken.peer, conns: [{ ...woken.peer.conns[0]!, fsm }] };
    main = peer.conns[0]!;
    const r = peerEvent(peer, main.id, { type: 'TcpConnectionConfirmed' }, now);
    return { peer: r.peer, actions: [...woken.actions, ...r.actions], accepted: main.id };
  }
  if (main.fsm.state === 'Active') {
    const r = peerEvent(peer, main.id, { type: 'TcpConnectionConfirmed' }, now);
    return { ...r, accepted: main.id };
  }
  // Our own attempt is pending or running: keep both until an OPEN decides (§6.8).
  const id = peer.nextId;
  const fsm: FsmState = { ...createFsm(peer.config, main.fsm.rng ^ id), started: true, state: 'Active' };
  const withConn: PeerState = {
    ...peer,
    conns: [...peer.conns, { id, initiatedBy: 'remote', fsm: inherit(fsm, main.fsm) }],
    nextId: id + 1,
  };
  const r = peerEvent(withConn, id, { type: 'TcpConnectionConfirmed' }, now);
  return { ...r, accepted: id };
}
