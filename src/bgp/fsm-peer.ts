// The neighbor above its connection FSMs: up to two connections (ours and the peer's) while a collision
// is open, which one survives, which one carries the neighbor's counters, and a session's move from an
// Established connection to a new one the peer kept (a handover, not a loss). RFC 4271 §6.8, §8.1.1, §8.
// Pure like the FSM: the runner maps connection ids to sockets and timers and performs the actions.

import { collisionOnOpen, type Initiator } from './fsm-collision';
import { createFsm, step } from './fsm';
import { CeaseSubcode } from './errors';
import type { BgpState, FsmAction, FsmConfig, FsmEvent, FsmState } from './fsm-types';

type DownAction = Extract<FsmAction, { type: 'down' }>;

export interface PeerConnection {
  id: number;
  initiatedBy: Initiator;
  fsm: FsmState;
  /**
   * Continued beside the other connection (OpenConfirm or Established) after a collision the identifiers gave it
   * (fsm-collision.ts): it takes over only when the peer shows it kept this one (its KEEPALIVE here, or Cease/7 on
   * an Established other); when the peer closes it instead, it goes and the other never noticed.
   */
  tentative?: true;
}

export interface PeerState {
  config: FsmConfig;
  /** Never empty: the first is the neighbor's main FSM, a second exists only during a collision. */
  conns: PeerConnection[];
  nextId: number;
  /**
   * The Established connection closed for the other one (Cease/7 from the peer), which is not Established yet:
   * its 'down' is held back. It becomes a handover when the other reaches Established, and is reported when
   * the other fails.
   */
  handover?: HeldDown;
}

/** A held-back 'down', and since when the session it belongs to has been Established (kept across the move). */
export interface HeldDown {
  down: DownAction;
  establishedAt: number | null;
}

/** 'discard': forget the connection: cancel its timers, destroy its socket without a word. */
export type PeerAction = { conn: number; action: FsmAction | { type: 'discard' } };

export interface PeerResult {
  peer: PeerState;
  actions: PeerAction[];
}

const RANK: Record<BgpState, number> = { Idle: 0, Active: 1, Connect: 2, OpenSent: 3, OpenConfirm: 4, Established: 5 };
const hasSession = (s: BgpState) => RANK[s] >= RANK.OpenSent;
/** A connection that can still take a session over: TCP up, not Established. */
const pending = (s: BgpState) => s === 'OpenSent' || s === 'OpenConfirm';
const isCollisionCease = (e: FsmEvent) => e.type === 'NotifMsg' && e.notification.code === 6 && e.notification.subcode === CeaseSubcode.ConnectionCollisionResolution;
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
  /** The Established connection giving its session to the other one in this event, with its state before. */
  private handingOver: { id: number; fsm: FsmState } | null = null;
  constructor(
    readonly peer: PeerState,
    readonly now: number,
  ) {
    this.conns = [...peer.conns];
    this.before = new Map(peer.conns.map((c) => [c.id, c.fsm.state]));
  }

  /** Close an Established connection for its sibling: its 'down' is held back (finish) and it is no failure. */
  handOver(id: number, event: FsmEvent): void {
    const c = this.conns.find((x) => x.id === id);
    if (!c) return;
    this.handingOver = { id, fsm: c.fsm };
    this.step(id, event);
  }

  /**
   * A connection the session is held for (a handover) that still waits for the peer's OPEN runs OpenSent's large
   * hold timer (4 minutes): the session would show up without a connection that long if the OPEN never came. It
   * waits no longer than the session's own negotiated hold time, after which the held 'down' is reported.
   */
  boundHold(id: number, seconds: number | undefined): void {
    const i = this.conns.findIndex((c) => c.id === id);
    const c = this.conns[i];
    if (!c || c.fsm.state !== 'OpenSent' || !seconds || seconds <= 0) return;
    const ms = Math.round(seconds * 1000);
    const due = this.now + ms;
    if ((c.fsm.timers.Hold ?? Infinity) <= due) return;
    this.conns[i] = { ...c, fsm: { ...c.fsm, timers: { ...c.fsm.timers, Hold: due } } };
    this.actions.push({ conn: id, action: { type: 'start-timer', timer: 'Hold', ms } });
  }

  mark(id: number, tentative: boolean): void {
    this.conns = this.conns.map((c) => {
      if (c.id !== id) return c;
      const { tentative: _t, ...rest } = c;
      return tentative ? { ...rest, tentative: true } : rest;
    });
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

  /**
   * Forget a connection; the survivors inherit the neighbor's history (failures, flaps, last error). A connection
   * handing its session over passes on its history from before (the move is no failure and no flap); one that
   * failed beside an Established session passes on only its last error (the session it stood beside lost nothing).
   */
  discard(id: number): void {
    const gone = this.conns.find((c) => c.id === id);
    if (!gone || this.conns.length < 2) return;
    this.conns = this.conns.filter((c) => c.id !== id);
    const handing = this.handingOver?.id === id;
    const from = handing ? this.handingOver!.fsm : gone.fsm;
    const onlyError = (c: PeerConnection) => !handing && c.fsm.state === 'Established';
    this.conns = this.conns.map((c) => ({ ...c, fsm: onlyError(c) ? inheritError(c.fsm, from) : inherit(c.fsm, from) }));
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
    const handover = this.settleHandover();
    // A connection alone is no longer beside anything.
    if (this.conns.length === 1 && this.conns[0]!.tentative) this.mark(this.conns[0]!.id, false);
    const { handover: _h, ...peer } = this.peer;
    return { peer: { ...peer, conns: this.conns, ...(handover ? { handover } : {}) }, actions: this.actions };
  }

  /**
   * The 'down' of a connection handing over is held back; the session's next 'established' is the handover's end;
   * if no connection is left that could take the session over, the held 'down' is reported after all.
   */
  private settleHandover(): HeldDown | undefined {
    let held = this.peer.handover;
    const from = this.handingOver;
    if (from) {
      const i = this.actions.findIndex((a) => a.conn === from.id && a.action.type === 'down');
      if (i >= 0) {
        held = { down: this.actions[i]!.action as DownAction, establishedAt: from.fsm.establishedAt };
        this.actions.splice(i, 1);
      }
    }
    if (!held) return undefined;
    const i = this.actions.findIndex((a) => a.action.type === 'established');
    if (i >= 0) {
      const a = this.actions[i]!;
      this.actions[i] = { conn: a.conn, action: { ...(a.action as Extract<FsmAction, { type: 'established' }>), handover: true } };
      // The same session goes on: its uptime (and the stable-time reset of the backoff) counts from its start.
      const since = held.establishedAt;
      this.conns = this.conns.map((c) => (c.id === a.conn ? { ...c, fsm: { ...c.fsm, establishedAt: since ?? c.fsm.establishedAt } } : c));
      return undefined;
    }
    const heir = this.conns.find((c) => pending(c.fsm.state) || c.fsm.state === 'Established');
    if (heir) return held;
    // Nothing took the session over: it was lost after all (and counts as a flap, which the handover did not).
    const main = this.conns[0]!;
    this.conns = this.conns.map((c) => (c === main ? { ...c, fsm: { ...c.fsm, flaps: c.fsm.flaps + 1 } } : c));
    this.actions.push({ conn: main.id, action: held.down });
    return undefined;
  }
}

function inheritError(into: FsmState, from: FsmState): FsmState {
  const newer = (from.lastError?.at ?? -1) > (into.lastError?.at ?? -1) ? from.lastError : into.lastError;
  return { ...into, lastError: newer };
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
 * A tentative connection takes over when the peer's KEEPALIVE arrives on it (the peer kept it: we close the
 * other with Cease/7), or when the peer closes an Established other with Cease/7; the peer's refusal of it
 * (a NOTIFICATION, a close) leaves the other as it was.
 */
export function peerEvent(peer: PeerState, conn: number, event: FsmEvent, now = 0): PeerResult {
  const tx = new PeerTx(peer, now);
  const arrived = tx.conns.find((c) => c.id === conn);
  if (!arrived) return { peer, actions: [] };
  const other = tx.conns.find((c) => c.id !== conn);
  if (event.type === 'BGPOpen' && arrived.fsm.state === 'OpenSent' && other) {
    const view = (c: PeerConnection) => ({ state: c.fsm.state, initiatedBy: c.initiatedBy });
    switch (collisionOnOpen(peer.config, event.open, view(arrived), view(other))) {
      case 'dump-arrived':
        tx.step(conn, { type: 'OpenCollisionDump' });
        return tx.finish();
      case 'abandon-other':
        tx.discard(other.id);
        break;
      case 'replace-other':
        tx.step(other.id, { type: 'TcpConnectionFails', reason: 'peer restarted: new OPEN on another connection (graceful restart)' });
        break;
      case 'tentative':
        tx.mark(conn, true);
        break;
      case 'none':
        break;
    }
  } else if (other && arrived.tentative && arrived.fsm.state === 'OpenConfirm' && event.type === 'KeepAliveMsg') {
    // The peer kept this connection (its KEEPALIVE: it took our OPEN here rather than refuse it): the other one
    // (OpenConfirm or Established) goes, telling the peer why; a session on it moves here.
    tx.handOver(other.id, { type: 'OpenCollisionDump' });
    tx.mark(conn, false);
  } else if (arrived.fsm.state === 'Established' && other && pending(other.fsm.state) && isCollisionCease(event)) {
    // The peer resolved the collision for the other connection: the session moves there (held until it is up).
    tx.handOver(conn, event);
    tx.mark(other.id, false);
    tx.boundHold(other.id, arrived.fsm.negotiated?.holdTime);
    return tx.finish();
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
