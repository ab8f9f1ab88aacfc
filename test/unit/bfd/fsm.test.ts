// BFD FSM as a pure step function: every §6.8.6 transition, detection, admin, Poll/Final, slow rate, passive, demand.
import { encodeControl } from '../../../src/bfd/codec';
import { step, txPlan } from '../../../src/bfd/fsm';
import { BfdState, type BfdControlPacket } from '../../../src/bfd/packet';
import { createSession, type BfdAction, type BfdEvent, type BfdSession, type BfdSessionConfig } from '../../../src/bfd/session';

const { AdminDown, Down, Init, Up } = BfdState;
const LOCAL = 0x1111;
const REMOTE = 0x2222;
const cfg: BfdSessionConfig = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3, passive: false };

function peer(state: BfdState, over: Partial<BfdControlPacket> = {}): BfdControlPacket {
  return {
    version: 1,
    diag: 0,
    state,
    poll: false,
    final: false,
    cpi: false,
    demand: false,
    multipoint: false,
    detectMult: 3,
    myDiscriminator: REMOTE,
    yourDiscriminator: state === Down || state === AdminDown ? 0 : LOCAL,
    desiredMinTxUs: state === Up ? 100_000 : 1_000_000,
    requiredMinRxUs: 100_000,
    requiredMinEchoRxUs: 0,
    ...over,
  };
}
const recv = (p: BfdControlPacket): BfdEvent => ({ type: 'RecvPacket', packet: p, raw: encodeControl(p) });

/** Apply events in order; returns the final session and the actions of the last event. */
function run(s: BfdSession, ...events: BfdEvent[]): { s: BfdSession; a: BfdAction[] } {
  let a: BfdAction[] = [];
  for (const e of events) ({ session: s, actions: a } = step(s, e));
  return { s, a };
}
const fresh = (c: Partial<BfdSessionConfig> = {}) => createSession({ ...cfg, ...c }, LOCAL, 500);
const sends = (a: BfdAction[]) => a.filter((x): x is Extract<BfdAction, { type: 'send' }> => x.type === 'send').map((x) => x.packet);
const changes = (a: BfdAction[]) => a.filter((x) => x.type === 'state-change');
/** A session brought Up by a three-way handshake, Poll after Up answered. */
function upSession(c: Partial<BfdSessionConfig> = {}): BfdSession {
  let { s } = run(fresh(c), { type: 'Start' }, recv(peer(Down)), recv(peer(Up)));
  expect(s.sessionState).toBe(Up);
  ({ s } = run(s, recv(peer(Up, { final: true }))));
  expect(s.poll).toBeNull();
  return s;
}

describe('initial state (§6.8.1)', () => {
  test('Down, discriminators, slow Desired Min TX, RemoteMinRx 1 µs', () => {
    const s = fresh();
    expect(s).toMatchObject({
      sessionState: Down,
      remoteSessionState: Down,
      localDiscr: LOCAL,
      remoteDiscr: 0,
      localDiag: 0,
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 100_000,
      remoteMinRxUs: 1,
      authSeqKnown: false,
    });
  });

  test('Start arms periodic transmission at the slow 1 s rate', () => {
    const { a } = run(fresh(), { type: 'Start' });
    expect(a).toEqual([{ type: 'set-tx', intervalUs: 1_000_000, detectMult: 3 }]);
  });

  test('the periodic packet carries the §6.8.7 fields', () => {
    const { a } = run(fresh(), { type: 'TxTimerExpired' });
    expect(sends(a)).toEqual([
      {
        version: 1,
        diag: 0,
        state: Down,
        poll: false,
        final: false,
        cpi: false,
        demand: false,
        multipoint: false,
        detectMult: 3,
        myDiscriminator: LOCAL,
        yourDiscriminator: 0,
        desiredMinTxUs: 1_000_000,
        requiredMinRxUs: 100_000,
        requiredMinEchoRxUs: 0,
      },
    ]);
  });

  test('serializable: survives a JSON round trip and stepping the copy gives the same result', () => {
    const s = upSession();
    const copy = JSON.parse(JSON.stringify(s)) as BfdSession;
    expect(copy).toEqual(s);
    expect(step(copy, { type: 'DetectTimerExpired' })).toEqual(step(s, { type: 'DetectTimerExpired' }));
  });
});

describe('§6.8.6 transitions on reception', () => {
  const cases: [string, BfdState, BfdState, BfdState, number][] = [
    // name, local state, received state, expected state, expected diag
    ['Down + Down -> Init', Down, Down, Init, 0],
    ['Down + Init -> Up', Down, Init, Up, 0],
    ['Down + Up -> Down (ignored)', Down, Up, Down, 0],
    ['Down + AdminDown -> Down', Down, AdminDown, Down, 0],
    ['Init + Down -> Init', Init, Down, Init, 0],
    ['Init + Init -> Up', Init, Init, Up, 0],
    ['Init + Up -> Up', Init, Up, Up, 0],
    ['Init + AdminDown -> Down, diag 3', Init, AdminDown, Down, 3],
    ['Up + Down -> Down, diag 3', Up, Down, Down, 3],
    ['Up + Init -> Up', Up, Init, Up, 0],
    ['Up + Up -> Up', Up, Up, Up, 0],
    ['Up + AdminDown -> Down, diag 3', Up, AdminDown, Down, 3],
  ];
  function inState(st: BfdState): BfdSession {
    if (st === Down) return run(fresh(), { type: 'Start' }).s;
    if (st === Init) return run(fresh(), { type: 'Start' }, recv(peer(Down))).s;
    return upSession();
  }
  test.each(cases)('%s', (_n, from, rcvd, to, diag) => {
    const s0 = inState(from);
    expect(s0.sessionState).toBe(from);
    const { s, a } = run(s0, recv(peer(rcvd)));
    expect(s.sessionState).toBe(to);
    expect(s.localDiag).toBe(diag);
    expect(s.remoteSessionState).toBe(rcvd);
    expect(s.remoteDiscr).toBe(REMOTE);
    if (from !== to) {
      expect(changes(a)).toEqual([expect.objectContaining({ from, to, diag })]);
      // the peer hears about the change at once, not a (slow) interval later
      expect(sends(a).map((p) => p.state)).toEqual([to]);
    } else expect(changes(a)).toEqual([]);
    // every accepted packet restarts the detection timer
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: expect.any(Number) });
  });

  test('AdminDown discards received packets (but notes the remote fields)', () => {
    const { s: s0 } = run(upSession(), { type: 'AdminDown' });
    const { s, a } = run(s0, recv(peer(Init, { myDiscriminator: 0x3333 })));
    expect(s.sessionState).toBe(AdminDown);
    expect(s.remoteDiscr).toBe(0x3333);
    expect(a).toContainEqual(expect.objectContaining({ type: 'discard', code: 'admin-down' }));
    expect(sends(a)).toEqual([]);
  });

  test('Up clears the diagnostic of the last Down', () => {
    let { s } = run(upSession(), recv(peer(Down)));
    expect(s.localDiag).toBe(3);
    ({ s } = run(s, recv(peer(Init))));
    expect([s.sessionState, s.localDiag]).toEqual([Up, 0]);
  });
});

describe('detection time (§6.8.4)', () => {
  test('is remote Detect Mult x max(our RequiredMinRx, remote Desired Min TX)', () => {
    const { a } = run(fresh({ requiredMinRxUs: 50_000 }), recv(peer(Down, { detectMult: 5, desiredMinTxUs: 1_000_000 })));
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 5_000_000 });
    const { a: a2 } = run(fresh({ requiredMinRxUs: 300_000 }), recv(peer(Down, { detectMult: 2, desiredMinTxUs: 100_000 })));
    expect(a2).toContainEqual({ type: 'set-detect', timeoutUs: 600_000 });
  });

  test.each([
    ['Init', Init],
    ['Up', Up],
  ])('expiry in %s: Down with diag 1, remote discriminator forgotten', (_n, st) => {
    const s0 = st === Up ? upSession() : run(fresh(), recv(peer(Down))).s;
    const { s, a } = run(s0, { type: 'DetectTimerExpired' });
    expect([s.sessionState, s.localDiag, s.remoteDiscr]).toEqual([Down, 1, 0]);
    expect(changes(a)).toEqual([expect.objectContaining({ from: st, to: Down, diag: 1 })]);
    expect(sends(a)[0]).toMatchObject({ state: Down, diag: 1, yourDiscriminator: 0, desiredMinTxUs: 1_000_000 });
  });

  test('expiry in Down only forgets the peer', () => {
    const { s, a } = run(fresh(), recv(peer(AdminDown)), { type: 'DetectTimerExpired' });
    expect([s.sessionState, s.remoteDiscr]).toEqual([Down, 0]);
    expect(changes(a)).toEqual([]);
  });

  test('a timer that fires with nothing ever heard is ignored', () => {
    const s0 = fresh();
    expect(step(s0, { type: 'DetectTimerExpired' })).toEqual({ session: s0, actions: [] });
  });

  test('AuthSeqKnown is cleared after two detection times without a packet (§6.8.1)', () => {
    const auth = { type: 'meticulous-keyed-sha1' as const, keyId: 1, secret: 'k' };
    const p = peer(Down);
    const raw = encodeControl(p, { ...auth, sequence: 77 });
    let { s, a } = run(fresh({ auth }), { type: 'RecvPacket', packet: { ...p, auth: { type: 5, keyId: 1, sequence: 77, digest: raw.subarray(32) } }, raw });
    expect([s.authSeqKnown, s.rcvAuthSeq]).toEqual([true, 77]);
    ({ s, a } = run(s, { type: 'DetectTimerExpired' }));
    expect(s.authSeqKnown).toBe(true);
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 3_000_000 });
    ({ s, a } = run(s, { type: 'DetectTimerExpired' }));
    expect(s.authSeqKnown).toBe(false);
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: null });
  });

  test('a packet failing authentication is discarded and does not count for detection', () => {
    const auth = { type: 'keyed-md5' as const, keyId: 1, secret: 'right' };
    const p = peer(Down);
    const raw = encodeControl(p, { ...auth, secret: 'wrong', sequence: 1 });
    const { s, a } = run(fresh({ auth }), { type: 'RecvPacket', packet: { ...p, auth: { type: 2, keyId: 1, sequence: 1, digest: raw.subarray(32) } }, raw });
    expect(s.sessionState).toBe(Down);
    expect(s.remoteDiscr).toBe(0);
    expect(a).toEqual([expect.objectContaining({ type: 'discard', code: 'bad-digest' })]);
  });
});

describe('administrative control (§6.8.16)', () => {
  test('AdminDown from Up: state AdminDown, diag 7, detection stopped, peer told', () => {
    const { s, a } = run(upSession(), { type: 'AdminDown' });
    expect([s.sessionState, s.localDiag]).toEqual([AdminDown, 7]);
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: null });
    expect(sends(a)[0]).toMatchObject({ state: AdminDown, diag: 7 });
    expect(changes(a)).toEqual([expect.objectContaining({ from: Up, to: AdminDown, diag: 7 })]);
  });

  test('AdminUp: back to Down with diag 0, then the handshake again', () => {
    let { s, a } = run(upSession(), { type: 'AdminDown' }, { type: 'AdminUp' });
    expect([s.sessionState, s.localDiag]).toEqual([Down, 0]);
    expect(changes(a)).toEqual([expect.objectContaining({ from: AdminDown, to: Down })]);
    ({ s } = run(s, recv(peer(Down)), recv(peer(Up))));
    expect(s.sessionState).toBe(Up);
  });

  test('AdminUp while not AdminDown does nothing', () => {
    const s0 = upSession();
    expect(run(s0, { type: 'AdminUp' }).a).toEqual([]);
  });
});

describe('transmission rules (§6.8.3, §6.8.7)', () => {
  test('slow rate while not Up even if the client asks for 10 ms', () => {
    const s = fresh({ desiredMinTxUs: 10_000 });
    expect(s.desiredMinTxUs).toBe(1_000_000);
    expect(txPlan(s)).toBe(1_000_000);
    const init = run(s, recv(peer(Down))).s;
    expect(init.sessionState).toBe(Init);
    expect(txPlan(init)).toBe(1_000_000);
  });

  test('the interval is the larger of our Desired Min TX and the remote Required Min RX', () => {
    const s = upSession();
    expect(txPlan(s)).toBe(100_000);
    const { s: s2, a } = run(s, recv(peer(Up, { requiredMinRxUs: 300_000 })));
    expect(txPlan(s2)).toBe(300_000);
    expect(a).toContainEqual({ type: 'set-tx', intervalUs: 300_000, detectMult: 3 });
  });

  test('remote Required Min RX 0: no periodic packets', () => {
    const { s, a } = run(upSession(), recv(peer(Up, { requiredMinRxUs: 0 })));
    expect(txPlan(s)).toBeNull();
    expect(a).toContainEqual({ type: 'set-tx', intervalUs: null, detectMult: 3 });
    expect(sends(run(s, { type: 'TxTimerExpired' }).a)).toEqual([]);
  });

  test('passive: silent until the peer speaks, then it answers', () => {
    const s0 = fresh({ passive: true });
    expect(run(s0, { type: 'Start' }).a).toEqual([{ type: 'set-tx', intervalUs: null, detectMult: 3 }]);
    const { s, a } = run(s0, recv(peer(Down)));
    expect(s.sessionState).toBe(Init);
    expect(sends(a)).toHaveLength(1);
    expect(txPlan(s)).toBe(1_000_000);
  });

  test('remote demand mode while both Up stops periodic packets, a Poll still gets its Final', () => {
    const { s, a } = run(upSession(), recv(peer(Up, { demand: true })));
    expect(txPlan(s)).toBeNull();
    expect(a).toContainEqual({ type: 'set-tx', intervalUs: null, detectMult: 3 });
    const { a: a2 } = run(s, recv(peer(Up, { demand: true, poll: true })));
    expect(sends(a2)).toEqual([expect.objectContaining({ final: true, poll: false })]);
  });

  test('a Poll is answered at once with Final, P clear, in any state', () => {
    for (const s0 of [fresh(), run(fresh(), recv(peer(Down))).s, upSession()]) {
      const { a } = run(s0, recv(peer(s0.sessionState === Down ? Down : Up, { poll: true })));
      expect(sends(a).filter((p) => p.final)).toEqual([expect.objectContaining({ final: true, poll: false })]);
    }
  });

  test('keyed authentication: each packet carries the next sequence number', () => {
    const s0 = fresh({ auth: { type: 'meticulous-keyed-md5', keyId: 1, secret: 'k' } });
    const r1 = step(s0, { type: 'TxTimerExpired' });
    const r2 = step(r1.session, { type: 'TxTimerExpired' });
    expect(r1.actions).toContainEqual(expect.objectContaining({ type: 'send', authSequence: 500 }));
    expect(r2.actions).toContainEqual(expect.objectContaining({ type: 'send', authSequence: 501 }));
    expect(r2.session.xmitAuthSeq).toBe(502);
  });
});

describe('Poll/Final for timer changes (§6.5, §6.8.3)', () => {
  test('going Up starts a Poll that lowers Desired Min TX from 1 s; the Final ends it', () => {
    let { s, a } = run(fresh(), recv(peer(Down)), recv(peer(Up)));
    expect(s.sessionState).toBe(Up);
    expect(s.poll).toEqual({ desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 });
    expect(sends(a)[0]).toMatchObject({ state: Up, poll: true, desiredMinTxUs: 100_000 });
    // a faster transmit rate takes effect at once
    expect(a).toContainEqual({ type: 'set-tx', intervalUs: 100_000, detectMult: 3 });
    expect(sends(run(s, { type: 'TxTimerExpired' }).a)[0]!.poll).toBe(true);
    ({ s } = run(s, recv(peer(Up, { final: true }))));
    expect(s.poll).toBeNull();
    expect(sends(run(s, { type: 'TxTimerExpired' }).a)[0]!.poll).toBe(false);
  });

  test('a slower transmit rate waits for the Final', () => {
    let { s, a } = run(upSession(), { type: 'ChangeTimers', desiredMinTxUs: 500_000, requiredMinRxUs: 100_000, detectMult: 3 });
    expect(s.poll).toEqual({ desiredMinTxUs: 500_000, requiredMinRxUs: 100_000 });
    expect(s.desiredMinTxUs).toBe(500_000); // advertised
    expect(txPlan(s)).toBe(100_000); // still in use
    expect(a.filter((x) => x.type === 'set-tx')).toEqual([]);
    ({ s, a } = run(s, recv(peer(Up, { final: true }))));
    expect(txPlan(s)).toBe(500_000);
    expect(a).toContainEqual({ type: 'set-tx', intervalUs: 500_000, detectMult: 3 });
  });

  test('a lower Required Min RX keeps the old detection time until the Final; a higher one applies at once', () => {
    let { s, a } = run(upSession({ requiredMinRxUs: 300_000 }), recv(peer(Up)));
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 900_000 });
    ({ s } = run(s, { type: 'ChangeTimers', desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 }));
    ({ a } = run(s, recv(peer(Up))));
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 900_000 });
    ({ s, a } = run(s, recv(peer(Up, { final: true }))));
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 300_000 });
    ({ s } = run(s, { type: 'ChangeTimers', desiredMinTxUs: 100_000, requiredMinRxUs: 400_000, detectMult: 3 }));
    ({ a } = run(s, recv(peer(Up))));
    expect(a).toContainEqual({ type: 'set-detect', timeoutUs: 1_200_000 });
  });

  test('one Poll at a time: a change during a Poll starts the next Poll after the Final', () => {
    let { s } = run(upSession(), { type: 'ChangeTimers', desiredMinTxUs: 200_000, requiredMinRxUs: 100_000, detectMult: 3 });
    ({ s } = run(s, { type: 'ChangeTimers', desiredMinTxUs: 300_000, requiredMinRxUs: 100_000, detectMult: 3 }));
    expect(s.poll).toEqual({ desiredMinTxUs: 200_000, requiredMinRxUs: 100_000 });
    expect(s.desiredMinTxUs).toBe(200_000);
    ({ s } = run(s, recv(peer(Up, { final: true }))));
    expect(txPlan(s)).toBe(200_000);
    expect(s.poll).toEqual({ desiredMinTxUs: 300_000, requiredMinRxUs: 100_000 });
    ({ s } = run(s, recv(peer(Up, { final: true }))));
    expect([s.poll, txPlan(s)]).toEqual([null, 300_000]);
  });

  test('a Final without a Poll in progress changes nothing', () => {
    const s0 = upSession();
    const { s } = run(s0, recv(peer(Up, { final: true })));
    expect([s.poll, txPlan(s)]).toEqual([null, 100_000]);
  });

  test('no Poll outside Up: the change applies at once (at the slow floor)', () => {
    const { s } = run(fresh(), { type: 'ChangeTimers', desiredMinTxUs: 2_000_000, requiredMinRxUs: 50_000, detectMult: 5 });
    expect(s.poll).toBeNull();
    expect([s.desiredMinTxUs, s.requiredMinRxUs, s.detectMult, txPlan(s)]).toEqual([2_000_000, 50_000, 5, 2_000_000]);
  });

  test('going Down ends a Poll and returns to the slow rate', () => {
    let { s } = run(upSession(), { type: 'ChangeTimers', desiredMinTxUs: 50_000, requiredMinRxUs: 50_000, detectMult: 3 });
    expect(s.poll).not.toBeNull();
    ({ s } = run(s, { type: 'DetectTimerExpired' }));
    expect([s.poll, s.desiredMinTxUs, txPlan(s)]).toEqual([null, 1_000_000, 1_000_000]);
  });
});
