// An OPEN on a second connection while the session is Established (issue 14): the tentative connection, the
// handover when the peer kept it, and the untouched session when it did not. Pure peer layer on a FakeClock.

import { collisionOnOpen } from '../../../src/bgp/fsm-collision';
import { createPeer, peerAccept, peerCommand, peerEvent, peerState, type PeerAction, type PeerResult, type PeerState } from '../../../src/bgp/fsm-peer';
import { fsmConfig, notification, type FsmConfigInput, type FsmEvent, type TimerName } from '../../../src/bgp/fsm';
import type { Capability, OpenMessage } from '../../../src/bgp/types';
import { FakeClock, type TimerHandle } from '../../../src/util/clock';
import { BASE, peerOpen } from './fsm-harness';

const CEASE_COLLISION = notification(6, 7);
const HIGHER = peerOpen({ routerId: '10.0.0.9' }); // the peer's connection wins by identifier (ours is 10.0.0.1)
const LOWER = peerOpen({ routerId: '10.0.0.0' }); // ours wins

function withGr(open: OpenMessage, restarting: boolean, families: boolean): OpenMessage {
  const gr: Capability = {
    code: 64,
    kind: 'graceful-restart',
    restarting,
    notification: false,
    restartTime: 120,
    families: families ? [{ afi: 1, safi: 1, forwardingPreserved: true }] : [],
  };
  return { ...open, capabilities: [...open.capabilities, gr] };
}

/** The neighbor's pure peer layer driven like the runner drives it: timers on a FakeClock, actions recorded. */
class PeerHarness {
  readonly clock = new FakeClock();
  peer: PeerState;
  log: PeerAction[] = [];
  private readonly timers = new Map<string, TimerHandle>();

  constructor(config: Partial<FsmConfigInput> = {}) {
    this.peer = createPeer(fsmConfig({ ...BASE, ...config }));
    this.apply(peerCommand(this.peer, { type: 'ManualStart' }, 0));
  }

  apply<R extends PeerResult>(r: R): R {
    this.peer = r.peer;
    this.log.push(...r.actions);
    for (const { conn, action } of r.actions) {
      const key = (t: TimerName) => `${conn}:${t}`;
      if (action.type === 'start-timer') {
        this.timers.get(key(action.timer))?.cancel();
        const fire = { type: `${action.timer}Timer_Expires` } as FsmEvent;
        this.timers.set(key(action.timer), this.clock.setTimeout(() => this.event(conn, fire), action.ms));
      } else if (action.type === 'stop-timer') {
        this.timers.get(key(action.timer))?.cancel();
      } else if (action.type === 'discard') {
        for (const [k, h] of this.timers) if (k.startsWith(`${conn}:`)) h.cancel();
      }
    }
    return r;
  }

  event(conn: number, e: FsmEvent): PeerResult {
    return this.apply(peerEvent(this.peer, conn, e, this.clock.now()));
  }

  accept(): number {
    const r = this.apply(peerAccept(this.peer, this.clock.now()));
    expect(r.accepted).not.toBeNull();
    return r.accepted!;
  }

  /** Our connection 1 Established with the peer, then the peer's second connection accepted (OpenSent). */
  static establishedThenAccepted(config: Partial<FsmConfigInput> = {}, open = HIGHER): { h: PeerHarness; second: number } {
    const h = new PeerHarness(config);
    for (const e of [{ type: 'Tcp_CR_Acked' }, { type: 'BGPOpen', open }, { type: 'KeepAliveMsg' }] as const) h.event(1, e);
    expect(peerState(h.peer)).toBe('Established');
    const second = h.accept();
    h.take();
    return { h, second };
  }

  take(): PeerAction[] {
    const l = this.log;
    this.log = [];
    return l;
  }

  states(): [number, string, boolean][] {
    return this.peer.conns.map((c) => [c.id, c.fsm.state, c.tentative === true]);
  }
}

/** What reached the wire or the application, per connection (timers left out). */
function effects(actions: PeerAction[], conn?: number): string[] {
  return actions
    .filter((a) => (conn === undefined || a.conn === conn) && a.action.type !== 'start-timer' && a.action.type !== 'stop-timer')
    .map((a) => {
      const x = a.action;
      if (x.type === 'send-notification') return `${a.conn}:notify ${x.notification.code}/${x.notification.subcode}`;
      if (x.type === 'established') return `${a.conn}:established${x.handover ? ' (handover)' : ''}`;
      if (x.type === 'down') return `${a.conn}:down ${x.reason}`;
      return `${a.conn}:${x.type}`;
    });
}

describe('collisionOnOpen with an Established session', () => {
  const config = fsmConfig(BASE);
  const remote = { state: 'OpenSent' as const, initiatedBy: 'remote' as const };
  const local = { state: 'OpenSent' as const, initiatedBy: 'local' as const };
  const est = (initiatedBy: 'local' | 'remote') => ({ state: 'Established' as const, initiatedBy });

  test.each([
    ['the identifiers pick the new connection: it goes on tentatively', HIGHER, remote, est('local'), 'tentative'],
    ['the identifiers pick the Established one: the new one goes at once', LOWER, remote, est('local'), 'dump-arrived'],
    ['our late connection, the identifiers pick it: tentative', LOWER, local, est('remote'), 'tentative'],
    ['our late connection, the identifiers pick the peer\'s: it goes', HIGHER, local, est('remote'), 'dump-arrived'],
    ['both from the peer: it gave the old one up, the new one goes on tentatively', LOWER, remote, est('remote'), 'tentative'],
    ['graceful restart "aware" (no family) is no restart: the identifiers decide', withGr(LOWER, true, false), remote, est('local'), 'dump-arrived'],
    ['a family but no R bit (a simultaneous open of two GR speakers): the identifiers decide', withGr(LOWER, false, true), remote, est('local'), 'dump-arrived'],
    ['R bit and a family: the peer restarted, the old session is replaced (RFC 4724 §4.2)', withGr(LOWER, true, true), remote, est('local'), 'replace-other'],
  ] as const)('%s', (_name, open, arrived, other, expected) => {
    expect(collisionOnOpen(config, open, arrived, other)).toBe(expected);
  });

  test('CollisionDetectEstablishedState off: every new connection goes (RFC 4271 §6.8 default), a restarted peer still replaces', () => {
    const plain = fsmConfig({ ...BASE, collisionDetectEstablished: false });
    expect(collisionOnOpen(plain, HIGHER, remote, est('local'))).toBe('dump-arrived');
    expect(collisionOnOpen(plain, LOWER, remote, est('remote'))).toBe('dump-arrived');
    expect(collisionOnOpen(plain, withGr(HIGHER, true, true), remote, est('local'))).toBe('replace-other');
  });
});

describe('a tentative connection beside the Established session', () => {
  test('the identifiers pick the Established one: Cease/7 on the new connection at once, the session untouched', () => {
    const { h, second } = PeerHarness.establishedThenAccepted({}, LOWER);
    const r = h.event(second, { type: 'BGPOpen', open: LOWER });
    expect(effects(r.actions)).toEqual([`${second}:notify 6/7`, `${second}:drop`, `${second}:discard`]);
    expect(h.states()).toEqual([[1, 'Established', false]]);
  });

  test('the identifiers pick the new one: our KEEPALIVE on it, nothing on the Established connection', () => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    const r = h.event(second, { type: 'BGPOpen', open: HIGHER });
    expect(effects(r.actions)).toEqual([`${second}:send-keepalive`]);
    expect(h.states()).toEqual([
      [1, 'Established', false],
      [second, 'OpenConfirm', true],
    ]);
    expect(peerState(h.peer)).toBe('Established');
  });

  // The peer kept the new connection: its KEEPALIVE there, and (from a bgpfo peer) Cease/7 on the old one,
  // in either order across the two connections. Either way: one handover, no 'down'.
  test.each([
    ['KEEPALIVE on the new connection first', 'keepalive-first'],
    ['Cease/7 on the old connection first', 'cease-first'],
  ] as const)('the peer kept the new connection, %s: the session moves without a down', (_name, order) => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    // The neighbor's history before (two earlier flaps) goes on with the session.
    h.peer = { ...h.peer, conns: h.peer.conns.map((c) => (c.id === 1 ? { ...c, fsm: { ...c.fsm, flaps: 2 } } : c)) };
    h.clock.advance(5_000);
    h.event(second, { type: 'BGPOpen', open: HIGHER });
    h.take();
    if (order === 'keepalive-first') {
      const r = h.event(second, { type: 'KeepAliveMsg' });
      // We close the old one telling the peer why, and the session is up on the new one as the same session.
      expect(effects(r.actions)).toEqual(['1:notify 6/7', '1:drop', `${second}:established (handover)`, '1:discard']);
      expect(h.states()).toEqual([[second, 'Established', false]]);
      // The peer's Cease/7 on the old connection finds nothing left to close.
      expect(effects(h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION }).actions)).toEqual([]);
    } else {
      const r = h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION });
      expect(effects(r.actions)).toEqual(['1:drop', '1:discard']); // the 'down' is held back
      expect(h.peer.handover).toMatchObject({ down: { type: 'down', reason: 'notification-received' }, establishedAt: 0 });
      expect(effects(h.event(second, { type: 'KeepAliveMsg' }).actions)).toEqual([`${second}:established (handover)`]);
      expect(h.peer.handover).toBeUndefined();
    }
    expect(h.states()).toEqual([[second, 'Established', false]]);
    // The same session: Established since it first was (at 0; the move came later).
    expect(h.peer.conns[0]!.fsm.establishedAt).toBe(0);
    // A move, not a failure: no flap added, no backoff built up; the earlier history kept.
    const fsm = h.peer.conns[0]!.fsm;
    expect([fsm.flaps, fsm.failures]).toEqual([2, 0]);
  });

  test('Cease/7 on the old connection before the peer\'s OPEN on the new one: held until the new one is up', () => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    // The new connection is still waiting for the peer's OPEN (no decision yet) when the peer resolves the collision.
    expect(effects(h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION }).actions)).toEqual(['1:drop', '1:discard']);
    expect(h.states()).toEqual([[second, 'OpenSent', false]]);
    expect(effects(h.event(second, { type: 'BGPOpen', open: HIGHER }).actions)).toEqual([`${second}:send-keepalive`]);
    expect(effects(h.event(second, { type: 'KeepAliveMsg' }).actions)).toEqual([`${second}:established (handover)`]);
  });

  test('a held handover waits for the peer\'s OPEN no longer than the session\'s hold time, not OpenSent\'s 4 minutes', () => {
    const { h, second } = PeerHarness.establishedThenAccepted({ holdTime: 9 });
    const hold = h.peer.conns[0]!.fsm.negotiated!.holdTime;
    expect(hold).toBe(9);
    h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION });
    h.take();
    h.clock.advance(hold * 1000 - 1);
    expect(effects(h.take())).toEqual([]);
    expect(h.peer.handover).toBeDefined();
    // The peer's OPEN never came: the session is reported lost at the hold time (its down was held, now given).
    h.clock.advance(1);
    expect(effects(h.take())).toEqual([`${second}:notify 4/0`, `${second}:drop`, `${second}:down notification-received`]);
    expect(h.peer.handover).toBeUndefined();
    expect(peerState(h.peer)).toBe('Idle');
  });

  test('a held handover whose new connection fails is reported as the loss it is, and counted as a flap', () => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    h.event(second, { type: 'BGPOpen', open: HIGHER });
    h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION });
    h.take();
    const r = h.event(second, { type: 'TcpConnectionFails' });
    expect(effects(r.actions)).toEqual([`${second}:drop`, `${second}:down notification-received`]);
    expect(h.peer.handover).toBeUndefined();
    expect(peerState(h.peer)).toBe('Idle');
    expect(h.peer.conns[0]!.fsm.flaps).toBe(1);
  });

  test('ManualStop during a held handover reports the held down', () => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    h.event(second, { type: 'BGPOpen', open: HIGHER });
    h.event(1, { type: 'NotifMsg', notification: CEASE_COLLISION });
    h.take();
    const r = h.apply(peerCommand(h.peer, { type: 'ManualStop' }, h.clock.now()));
    expect(effects(r.actions).filter((x) => x.includes('down'))).toEqual([`${second}:down notification-received`]);
  });

  // A peer that keeps its Established session (BIRD, FRR) closes the new connection: with a NOTIFICATION, or
  // without, before or after our KEEPALIVE reached it.
  test.each([
    ['Cease/7 after our KEEPALIVE', 'open-then-cease'],
    ['Cease/7 before its OPEN arrived here', 'cease-only'],
    ['a TCP close after its OPEN', 'open-then-close'],
    ['a TCP close before its OPEN', 'close-only'],
  ] as const)('the peer keeps its Established session, %s: the new connection goes, the session never noticed', (_name, how) => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    const before = structuredClone(h.peer.conns[0]!);
    if (how.startsWith('open')) h.event(second, { type: 'BGPOpen', open: HIGHER });
    const end: FsmEvent = how.endsWith('cease') || how === 'cease-only' ? { type: 'NotifMsg', notification: CEASE_COLLISION } : { type: 'TcpConnectionFails' };
    h.event(second, end);
    const all = h.take();
    expect(effects(all, 1)).toEqual([]);
    expect(all.some((a) => a.action.type === 'down' || a.action.type === 'established')).toBe(false);
    expect(h.states()).toEqual([[1, 'Established', false]]);
    // The session's state is as it was, but for the last error the refused connection left (shown, not counted).
    const after = h.peer.conns[0]!;
    expect({ ...after.fsm, lastError: null }).toEqual({ ...before.fsm, lastError: null });
  });

  test('a tentative connection that never answers is dropped by its hold timer; the session keeps running', () => {
    const { h, second } = PeerHarness.establishedThenAccepted();
    h.event(second, { type: 'BGPOpen', open: HIGHER }); // hold 90 s negotiated on the new connection
    h.take();
    // The peer goes on with the old session (KEEPALIVEs every 30 s); the new connection stays silent.
    for (let t = 0; t < 4; t++) {
      h.clock.advance(30_000);
      h.event(1, { type: 'KeepAliveMsg' });
    }
    const all = h.take();
    expect(effects(all, second)).toEqual([`${second}:send-keepalive`, `${second}:send-keepalive`, `${second}:notify 4/0`, `${second}:drop`, `${second}:discard`]);
    expect(effects(all, 1).every((x) => x === '1:send-keepalive')).toBe(true);
    expect(h.states()).toEqual([[1, 'Established', false]]);
    expect(h.peer.conns[0]!.fsm.flaps).toBe(0);
  });

  test('both connections from the peer, the Established one stale: the peer answers on the new one and takes the session there', () => {
    const h = new PeerHarness({ passive: true });
    const first = h.accept();
    for (const e of [{ type: 'BGPOpen', open: LOWER }, { type: 'KeepAliveMsg' }] as const) h.event(first, e);
    const second = h.accept();
    expect(effects(h.event(second, { type: 'BGPOpen', open: LOWER }).actions)).toEqual([`${second}:send-keepalive`]);
    expect(effects(h.event(second, { type: 'KeepAliveMsg' }).actions)).toEqual([`${first}:notify 6/7`, `${first}:drop`, `${second}:established (handover)`, `${first}:discard`]);
  });

  test('a peer that restarted (R bit, a family) replaces the session at once, without a NOTIFICATION (RFC 4724 §4.2)', () => {
    const open = withGr(LOWER, true, true);
    const { h, second } = PeerHarness.establishedThenAccepted({ gracefulRestart: { restartTime: 120, restarting: false, preserved: [] } }, withGr(LOWER, false, true));
    const r = h.event(second, { type: 'BGPOpen', open });
    expect(effects(r.actions)).toEqual(['1:drop', '1:down tcp-connection-failed', `${second}:send-keepalive`, '1:discard']);
    expect(h.states()).toEqual([[second, 'OpenConfirm', false]]);
  });
});
