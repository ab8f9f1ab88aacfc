// FSM transitions state by state (RFC 4271 §8.2.2), driven through FsmHarness on a FakeClock.

import { createFsm, eventForError, eventForMessage, shutdownCommunication, step, type FsmEvent } from '../../../src/bgp/fsm';
import { BASE, FsmHarness, notifications, peerOpen } from './fsm-harness';

const notif = (code: number, subcode: number, shutdownMessage?: string) => ({
  type: 'notification' as const,
  code,
  subcode,
  data: new Uint8Array(0),
  ...(shutdownMessage ? { shutdownMessage } : {}),
});
const update = { type: 'update' as const, withdrawn: [], attributes: {}, nlri: ['10.1.0.0/16'] };

describe('Idle', () => {
  test('ManualStart in active mode connects and starts the ConnectRetryTimer', () => {
    const h = new FsmHarness();
    expect(h.fire({ type: 'ManualStart' })).toEqual([{ type: 'start-timer', timer: 'ConnectRetry', ms: 5000 }, { type: 'connect' }]);
    expect(h.name).toBe('Connect');
    expect(h.state.started).toBe(true);
  });

  test('ManualStart in passive mode waits in Active with no connect and no timer', () => {
    const h = new FsmHarness({ passive: true });
    expect(h.fire({ type: 'ManualStart' })).toEqual([]);
    expect(h.name).toBe('Active');
    h.advance(600_000);
    expect(h.take()).toEqual([]);
    expect(h.name).toBe('Active');
  });

  test.each(['ManualStart_with_PassiveTcpEstablishment', 'AutomaticStart_with_PassiveTcpEstablishment'] as const)(
    '%s waits in Active',
    (type) => {
      const h = new FsmHarness();
      expect(h.fire({ type })).toEqual([]);
      expect(h.name).toBe('Active');
      expect(h.state.passive).toBe(true);
    },
  );

  test('AutomaticStart connects like ManualStart', () => {
    const h = new FsmHarness();
    h.fire({ type: 'AutomaticStart' });
    expect(h.name).toBe('Connect');
    expect(h.take()).toContainEqual({ type: 'connect' });
  });

  test.each<FsmEvent>([
    { type: 'KeepAliveMsg' },
    { type: 'BGPOpen', open: peerOpen() },
    { type: 'TcpConnectionFails' },
    { type: 'HoldTimer_Expires' },
    { type: 'ConnectRetryTimer_Expires' },
    { type: 'IdleHoldTimer_Expires' },
    { type: 'AutomaticStop', notification: { code: 6, subcode: 1 } },
  ])('a stopped FSM ignores $type', (event) => {
    const s = createFsm(BASE);
    const r = step(s, event, 0);
    expect(r.actions).toEqual([]);
    expect(r.state).toEqual(s);
  });

  test('ManualStop in Idle cancels the pending automatic restart', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsg', notification: notif(6, 3) });
    expect(h.runningTimers()).toEqual(['IdleHold']);
    h.fire({ type: 'ManualStop' });
    expect(h.runningTimers()).toEqual([]);
    h.advance(600_000);
    expect(h.name).toBe('Idle');
    expect(h.state.started).toBe(false);
  });
});

describe('Connect', () => {
  test('Tcp_CR_Acked sends our OPEN, stops ConnectRetry, arms the 4-minute hold timer', () => {
    const h = new FsmHarness().to('Connect');
    const actions = h.fire({ type: 'Tcp_CR_Acked' });
    expect(h.name).toBe('OpenSent');
    expect(actions[0]).toEqual({ type: 'stop-timer', timer: 'ConnectRetry' });
    const open = actions.find((a) => a.type === 'send-open');
    expect(open).toMatchObject({ open: { version: 4, myAsn: 65001, holdTime: 90, routerId: '10.0.0.1' } });
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'Hold', ms: 240_000 });
    expect(h.runningTimers()).toEqual(['Hold']);
  });

  test('an incoming connection (TcpConnectionConfirmed) also goes to OpenSent', () => {
    const h = new FsmHarness().to('Connect');
    h.fire({ type: 'TcpConnectionConfirmed' });
    expect(h.name).toBe('OpenSent');
  });

  test('ConnectRetryTimer expiry abandons the attempt and connects again', () => {
    const h = new FsmHarness().to('Connect');
    h.advance(4999);
    expect(h.take()).toEqual([]);
    h.advance(1);
    expect(h.take()).toEqual([{ type: 'drop' }, { type: 'start-timer', timer: 'ConnectRetry', ms: 5000 }, { type: 'connect' }]);
    expect(h.name).toBe('Connect');
    h.advance(5000);
    expect(h.effects()).toEqual([{ type: 'drop' }, { type: 'connect' }]);
  });

  test('a failed connect waits in Active and retries after ConnectRetryTime', () => {
    const h = new FsmHarness().to('Connect');
    h.advance(2000);
    h.fire({ type: 'TcpConnectionFails', reason: 'ECONNREFUSED' });
    expect(h.name).toBe('Active');
    expect(h.state.connectRetryCounter).toBe(1);
    expect(h.take()).toEqual([{ type: 'drop' }, { type: 'start-timer', timer: 'ConnectRetry', ms: 5000 }]);
    h.advance(5000);
    expect(h.name).toBe('Connect');
    expect(h.effects()).toEqual([{ type: 'connect' }]);
  });

  test('ManualStop drops the attempt without a NOTIFICATION and does not restart', () => {
    const h = new FsmHarness().to('Connect');
    expect(h.fire({ type: 'ManualStop' })).toEqual([{ type: 'stop-timer', timer: 'ConnectRetry' }, { type: 'drop' }]);
    expect(h.name).toBe('Idle');
    h.take();
    h.advance(600_000);
    expect(h.take()).toEqual([]);
  });

  test('an unexpected event falls to Idle without a NOTIFICATION (no TCP yet) and backs off', () => {
    const h = new FsmHarness().to('Connect');
    const actions = h.fire({ type: 'KeepAliveMsg' });
    expect(notifications(actions)).toEqual([]);
    expect(h.name).toBe('Idle');
    expect(h.state.failures).toBe(1);
    expect(h.runningTimers()).toEqual(['IdleHold']);
  });
});

describe('Active', () => {
  test('passive: an accepted connection goes to OpenSent and the session comes up', () => {
    const h = new FsmHarness({ passive: true });
    h.fire({ type: 'ManualStart' });
    h.fire({ type: 'TcpConnectionConfirmed' });
    expect(h.name).toBe('OpenSent');
    h.fire({ type: 'BGPOpen', open: peerOpen() });
    h.fire({ type: 'KeepAliveMsg' });
    expect(h.name).toBe('Established');
    expect(h.take().filter((a) => a.type === 'connect')).toEqual([]);
  });

  test('passive: losing the connection in OpenSent goes back to listening, never connecting', () => {
    const h = new FsmHarness({ passive: true });
    h.fire({ type: 'ManualStart' });
    h.fire({ type: 'TcpConnectionConfirmed' });
    h.fire({ type: 'TcpConnectionFails' });
    expect(h.name).toBe('Active');
    h.advance(3_600_000);
    expect(h.take().filter((a) => a.type === 'connect')).toEqual([]);
  });

  test('ManualStop from Active goes to Idle', () => {
    const h = new FsmHarness({ passive: true });
    h.fire({ type: 'ManualStart' });
    h.fire({ type: 'ManualStop' });
    expect(h.name).toBe('Idle');
    expect(h.state.started).toBe(false);
  });
});

describe('OpenSent', () => {
  test('a valid OPEN sends KEEPALIVE, arms keepalive and negotiated hold timers, goes to OpenConfirm', () => {
    const h = new FsmHarness().to('OpenSent');
    const actions = h.fire({ type: 'BGPOpen', open: peerOpen({ holdTime: 30 }) });
    expect(actions).toEqual([
      { type: 'send-keepalive' },
      { type: 'start-timer', timer: 'Keepalive', ms: 10_000 },
      { type: 'start-timer', timer: 'Hold', ms: 30_000 },
    ]);
    expect(h.name).toBe('OpenConfirm');
    expect(h.state.negotiated).toMatchObject({ holdTime: 30, keepalive: 10, peerRouterId: '10.0.0.2', peerAsn: 65002 });
  });

  test.each([
    [{ holdTime: 90 }, 90, { holdTime: 90, keepalive: 30 }],
    [{ holdTime: 90 }, 3, { holdTime: 3, keepalive: 1 }],
    [{ holdTime: 9, keepalive: 1 }, 90, { holdTime: 9, keepalive: 1 }],
    [{ holdTime: 90, keepalive: 60 }, 90, { holdTime: 90, keepalive: 30 }],
    [{ holdTime: 90 }, 0, { holdTime: 0, keepalive: 0 }],
    [{ holdTime: 0 }, 90, { holdTime: 0, keepalive: 0 }],
  ])('hold time: ours %j, peer %d -> %j', (ours, peer, expected) => {
    const h = new FsmHarness(ours).to('OpenSent');
    h.fire({ type: 'BGPOpen', open: peerOpen({ holdTime: peer }) });
    expect(h.state.negotiated).toMatchObject(expected);
  });

  test('negotiated hold time 0: KEEPALIVE once, then neither keepalive nor hold timer', () => {
    const h = new FsmHarness().to('OpenSent');
    const actions = h.fire({ type: 'BGPOpen', open: peerOpen({ holdTime: 0 }) });
    expect(actions).toEqual([{ type: 'send-keepalive' }, { type: 'stop-timer', timer: 'Hold' }]);
    expect(h.runningTimers()).toEqual([]);
  });

  test.each([
    ['hold time 1', peerOpen({ holdTime: 1 }), [2, 6]],
    ['hold time 2', peerOpen({ holdTime: 2 }), [2, 6]],
    ['version 3', peerOpen({ version: 3 }), [2, 1]],
    ['wrong AS', peerOpen({ asn: 65003 }), [2, 2]],
    ['zero identifier', peerOpen({ routerId: '0.0.0.0' }), [2, 3]],
    ['no common family', peerOpen({ capabilities: [{ code: 1, kind: 'multiprotocol', afi: 2, safi: 1 }] }), [2, 7]],
  ])('%s is refused with its OPEN error', (_name, open, expected) => {
    const h = new FsmHarness().to('OpenSent');
    const actions = h.fire({ type: 'BGPOpen', open });
    expect(notifications(actions)).toEqual([expected]);
    expect(actions.at(-2)).toEqual({ type: 'drop' });
    expect(h.name).toBe('Idle');
    expect(h.state.lastError).toMatchObject({ reason: 'protocol-error', state: 'OpenSent' });
  });

  test('an unsupported version is answered with the version we support in the data', () => {
    const h = new FsmHarness().to('OpenSent');
    const a = h.fire({ type: 'BGPOpen', open: peerOpen({ version: 3 }) }).find((x) => x.type === 'send-notification');
    expect(a).toMatchObject({ notification: { data: new Uint8Array([0, 4]) } });
  });

  test('hold time 3 is the smallest accepted', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'BGPOpen', open: peerOpen({ holdTime: 3 }) });
    expect(h.name).toBe('OpenConfirm');
  });

  test('4-octet AS: AS_TRANS in the header with the real AS in the capability is accepted', () => {
    const h = new FsmHarness({ remoteAsn: 4_200_000_000 }).to('OpenSent');
    h.fire({ type: 'BGPOpen', open: peerOpen({ asn: 4_200_000_000 }) });
    expect(h.name).toBe('OpenConfirm');
    expect(h.state.negotiated).toMatchObject({ peerAsn: 4_200_000_000, ctx: { fourOctetAs: true } });
  });

  test('4-octet AS: AS_TRANS without the capability is a bad peer AS', () => {
    const h = new FsmHarness({ remoteAsn: 4_200_000_000 }).to('OpenSent');
    const open = peerOpen({ myAsn: 23456, capabilities: [{ code: 1, kind: 'multiprotocol', afi: 1, safi: 1 }] });
    expect(notifications(h.fire({ type: 'BGPOpen', open }))).toEqual([[2, 2]]);
  });

  test('identifier equal to ours: refused for iBGP, accepted for eBGP (RFC 6286)', () => {
    const ibgp = new FsmHarness({ remoteAsn: 65001 }).to('OpenSent');
    expect(notifications(ibgp.fire({ type: 'BGPOpen', open: peerOpen({ asn: 65001, routerId: '10.0.0.1' }) }))).toEqual([[2, 3]]);
    const ebgp = new FsmHarness().to('OpenSent');
    ebgp.fire({ type: 'BGPOpen', open: peerOpen({ routerId: '10.0.0.1' }) });
    expect(ebgp.name).toBe('OpenConfirm');
  });

  test('the large hold timer expires after 4 minutes without the peer OPEN', () => {
    const h = new FsmHarness().to('OpenSent');
    h.advance(239_999);
    expect(h.name).toBe('OpenSent');
    h.advance(1);
    expect(h.name).toBe('Idle');
    expect(notifications(h.take())).toEqual([[4, 0]]);
  });

  test('losing TCP goes back to Active and retries after ConnectRetryTime', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'TcpConnectionFails' });
    expect(h.name).toBe('Active');
    expect(h.effects()).toEqual([{ type: 'drop' }]);
    h.advance(5000);
    expect(h.name).toBe('Connect');
  });

  test.each<FsmEvent>([{ type: 'KeepAliveMsg' }, { type: 'UpdateMsg', update }, { type: 'RouteRefreshMsg', refresh: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } }])(
    'unexpected $type: FSM error 5/1 (RFC 6608)',
    (event) => {
      const h = new FsmHarness().to('OpenSent');
      expect(notifications(h.fire(event))).toEqual([[5, 1]]);
      expect(h.name).toBe('Idle');
    },
  );

  test('a stale timer event is an unspecified FSM error 5/0', () => {
    const h = new FsmHarness().to('OpenSent');
    expect(notifications(h.fire({ type: 'KeepaliveTimer_Expires' }))).toEqual([[5, 0]]);
  });

  test.each(['BGPHeaderErr', 'BGPOpenMsgErr'] as const)('%s sends the NOTIFICATION the error carries', (type) => {
    const h = new FsmHarness().to('OpenSent');
    const data = new Uint8Array([0, 29]);
    const actions = h.fire({ type, error: { code: 1, subcode: 2, data } });
    expect(actions[0]).toEqual({ type: 'send-notification', notification: { type: 'notification', code: 1, subcode: 2, data } });
    expect(h.name).toBe('Idle');
  });

  test('OpenCollisionDump sends Cease/7', () => {
    const h = new FsmHarness().to('OpenSent');
    expect(notifications(h.fire({ type: 'OpenCollisionDump' }))).toEqual([[6, 7]]);
    expect(h.state.lastError?.reason).toBe('collision');
  });

  test('a received NOTIFICATION is not answered and counts as a failure', () => {
    const h = new FsmHarness().to('OpenSent');
    const actions = h.fire({ type: 'NotifMsg', notification: notif(6, 5) });
    expect(notifications(actions)).toEqual([]);
    expect(h.state.failures).toBe(1);
    expect(h.state.lastError).toMatchObject({ reason: 'notification-received', notificationReceived: { code: 6, subcode: 5 } });
  });

  test('NotifMsgVerErr goes to Idle without counting a failure', () => {
    const h = new FsmHarness().to('OpenSent');
    h.fire({ type: 'NotifMsgVerErr', notification: notif(2, 1) });
    expect(h.name).toBe('Idle');
    expect(h.state.failures).toBe(0);
    expect(h.state.connectRetryCounter).toBe(0);
  });

  test('ManualStop sends Cease/Administrative Shutdown with the shutdown communication', () => {
    const h = new FsmHarness({ shutdownMessage: 'maintenance ✓' }).to('OpenSent');
    const actions = h.fire({ type: 'ManualStop' });
    const n = actions.find((a) => a.type === 'send-notification');
    expect(n).toEqual({
      type: 'send-notification',
      notification: { type: 'notification', code: 6, subcode: 2, data: shutdownCommunication('maintenance ✓'), shutdownMessage: 'maintenance ✓' },
    });
    expect(h.name).toBe('Idle');
    expect(h.runningTimers()).toEqual([]);
  });
});

describe('OpenConfirm', () => {
  test('KEEPALIVE establishes the session and reports what was negotiated', () => {
    const h = new FsmHarness().to('OpenConfirm');
    h.advance(1000);
    const actions = h.fire({ type: 'KeepAliveMsg' });
    expect(h.name).toBe('Established');
    expect(actions).toEqual([
      { type: 'start-timer', timer: 'Hold', ms: 90_000 },
      { type: 'established', negotiated: h.state.negotiated },
    ]);
    expect(h.state.establishedAt).toBe(1000);
  });

  test('the keepalive timer sends KEEPALIVEs while waiting', () => {
    const h = new FsmHarness().to('OpenConfirm');
    h.advance(30_000);
    expect(h.effects()).toEqual([{ type: 'send-keepalive' }]);
    expect(h.runningTimers()).toEqual(['Hold', 'Keepalive']);
  });

  test('hold timer expiry sends 4/0', () => {
    const h = new FsmHarness().to('OpenConfirm');
    h.advance(90_000);
    expect(h.name).toBe('Idle');
    expect(notifications(h.take())).toEqual([[4, 0]]);
  });

  test.each<FsmEvent>([{ type: 'UpdateMsg', update }, { type: 'BGPOpen', open: peerOpen() }])('unexpected $type: FSM error 5/2', (event) => {
    const h = new FsmHarness().to('OpenConfirm');
    expect(notifications(h.fire(event))).toEqual([[5, 2]]);
  });

  test('OpenCollisionDump sends Cease/7', () => {
    const h = new FsmHarness().to('OpenConfirm');
    expect(notifications(h.fire({ type: 'OpenCollisionDump' }))).toEqual([[6, 7]]);
    expect(h.name).toBe('Idle');
  });

  test.each<FsmEvent>([{ type: 'TcpConnectionFails' }, { type: 'NotifMsg', notification: notif(6, 4) }])('$type: Idle, no NOTIFICATION', (event) => {
    const h = new FsmHarness().to('OpenConfirm');
    expect(notifications(h.fire(event))).toEqual([]);
    expect(h.name).toBe('Idle');
    expect(h.state.negotiated).toBeNull();
  });
});

describe('Established', () => {
  test('UPDATEs are delivered and restart the hold timer', () => {
    const h = new FsmHarness().to('Established');
    h.advance(80_000);
    h.fire({ type: 'UpdateMsg', update });
    expect(h.take()).toContainEqual({ type: 'deliver-update', update });
    h.advance(80_000);
    expect(h.name).toBe('Established');
    h.advance(10_000);
    expect(h.name).toBe('Idle');
  });

  test('KEEPALIVEs are sent every keepalive interval and received ones keep the session', () => {
    const h = new FsmHarness().to('Established');
    for (let i = 0; i < 10; i++) {
      h.advance(30_000);
      h.fire({ type: 'KeepAliveMsg' });
    }
    expect(h.name).toBe('Established');
    expect(h.effects().filter((a) => a.type === 'send-keepalive')).toHaveLength(10);
  });

  test('hold timer expiry: NOTIFICATION 4/0 and down', () => {
    const h = new FsmHarness().to('Established');
    h.advance(90_000);
    const effects = h.effects().filter((a) => a.type !== 'send-keepalive');
    expect(effects[0]).toMatchObject({ type: 'send-notification', notification: { code: 4, subcode: 0 } });
    expect(effects).toContainEqual(expect.objectContaining({ type: 'down', reason: 'hold-timer-expired' }));
    expect(h.state.flaps).toBe(1);
  });

  test('hold time 0: no KEEPALIVEs and no hold expiry, ever', () => {
    const h = new FsmHarness({ holdTime: 0 }).to('Established');
    h.advance(24 * 3_600_000);
    expect(h.take()).toEqual([]);
    expect(h.name).toBe('Established');
  });

  test('an UPDATE error sends its NOTIFICATION and reports down', () => {
    const h = new FsmHarness().to('Established');
    const data = new Uint8Array([0x40, 1, 1, 5]);
    const actions = h.fire({ type: 'UpdateMsgErr', error: { code: 3, subcode: 6, data, message: 'bad origin' } });
    const sent = { type: 'notification', code: 3, subcode: 6, data };
    expect(actions[0]).toEqual({ type: 'send-notification', notification: sent });
    expect(actions).toContainEqual({ type: 'down', reason: 'protocol-error', message: 'bad origin', notificationSent: sent });
  });

  test('ROUTE-REFRESH for a negotiated family is delivered, others ignored', () => {
    const h = new FsmHarness().to('Established');
    h.fire({ type: 'RouteRefreshMsg', refresh: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } });
    h.fire({ type: 'RouteRefreshMsg', refresh: { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 } });
    expect(h.effects()).toEqual([{ type: 'deliver-route-refresh', family: 'ipv4-unicast', subtype: 0 }]);
    expect(h.name).toBe('Established');
  });

  test('a second OPEN is FSM error 5/3', () => {
    const h = new FsmHarness().to('Established');
    expect(notifications(h.fire({ type: 'BGPOpen', open: peerOpen() }))).toEqual([[5, 3]]);
  });

  test('ManualStop: Cease/2 with the given message, down, no restart', () => {
    const h = new FsmHarness().to('Established');
    const actions = h.fire({ type: 'ManualStop', notification: { code: 6, subcode: 2, message: 'bye' } });
    expect(notifications(actions)).toEqual([[6, 2]]);
    expect(actions).toContainEqual(expect.objectContaining({ type: 'down', reason: 'manual-stop' }));
    h.take();
    h.advance(3_600_000);
    expect(h.name).toBe('Idle');
    expect(h.take()).toEqual([]);
  });

  test('AutomaticStop (max prefix): the given Cease, down, restart after the IdleHoldTimer', () => {
    const h = new FsmHarness().to('Established');
    const actions = h.fire({ type: 'AutomaticStop', notification: { code: 6, subcode: 1, message: 'max prefix' } });
    expect(notifications(actions)).toEqual([[6, 1]]);
    expect(actions).toContainEqual(expect.objectContaining({ type: 'down', reason: 'automatic-stop' }));
    h.advance(1000);
    expect(h.name).toBe('Connect');
  });

  test('a received NOTIFICATION: down with what was received', () => {
    const h = new FsmHarness().to('Established');
    const n = notif(6, 2, 'going away');
    const actions = h.fire({ type: 'NotifMsg', notification: n });
    expect(actions).toContainEqual({ type: 'down', reason: 'notification-received', message: 'received NOTIFICATION 6/2: going away', notificationReceived: n });
  });

  test('TCP failure: down and automatic restart', () => {
    const h = new FsmHarness().to('Established');
    const actions = h.fire({ type: 'TcpConnectionFails', reason: 'ECONNRESET' });
    expect(actions).toContainEqual({ type: 'down', reason: 'tcp-connection-failed', message: 'ECONNRESET' });
    expect(h.runningTimers()).toEqual(['IdleHold']);
  });

  test('start events and further TCP connections do not disturb the session', () => {
    const h = new FsmHarness().to('Established');
    for (const type of ['ManualStart', 'AutomaticStart', 'TcpConnectionConfirmed', 'Tcp_CR_Acked'] as const) {
      expect(h.fire({ type })).toEqual([]);
    }
    expect(h.name).toBe('Established');
  });
});

describe('pure step', () => {
  const deepFreeze = <T>(o: T): T => {
    if (o && typeof o === 'object' && !ArrayBuffer.isView(o)) {
      Object.values(o).forEach(deepFreeze);
      Object.freeze(o);
    }
    return o;
  };

  test('never mutates its input and is deterministic', () => {
    const h = new FsmHarness({ jitter: true }).to('OpenConfirm');
    const frozen = deepFreeze(structuredClone(h.state));
    const a = step(frozen, { type: 'KeepAliveMsg' }, 5);
    const b = step(frozen, { type: 'KeepAliveMsg' }, 5);
    expect(a).toEqual(b);
    expect(a.state.state).toBe('Established');
  });

  test('state survives a JSON round trip', () => {
    const h = new FsmHarness().to('Established');
    expect(JSON.parse(JSON.stringify(h.state))).toEqual(h.state);
  });
});

describe('message and error mapping', () => {
  test('eventForMessage names the §8.1.5 event', () => {
    expect(eventForMessage({ type: 'keepalive' }).type).toBe('KeepAliveMsg');
    expect(eventForMessage(peerOpen()).type).toBe('BGPOpen');
    expect(eventForMessage(update).type).toBe('UpdateMsg');
    expect(eventForMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }).type).toBe('RouteRefreshMsg');
    expect(eventForMessage(notif(2, 1)).type).toBe('NotifMsgVerErr');
    expect(eventForMessage(notif(2, 2)).type).toBe('NotifMsg');
  });

  test('eventForError picks the event by NOTIFICATION code', () => {
    expect(eventForError({ code: 1, subcode: 2 }).type).toBe('BGPHeaderErr');
    expect(eventForError({ code: 2, subcode: 4 }).type).toBe('BGPOpenMsgErr');
    expect(eventForError({ code: 3, subcode: 1 }).type).toBe('UpdateMsgErr');
  });

  test('shutdown communication: length octet, UTF-8, cut to 255 octets on a character boundary', () => {
    expect([...shutdownCommunication('hi')]).toEqual([2, 0x68, 0x69]);
    const long = shutdownCommunication('é'.repeat(200)); // 400 octets
    expect(long[0]).toBe(254);
    expect(Buffer.from(long.subarray(1)).toString('utf8')).toBe('é'.repeat(127));
  });
});
