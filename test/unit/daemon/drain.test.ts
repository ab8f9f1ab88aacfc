// Drain with scripted sessions and fake interface counters on a FakeClock: the marks (RFC 8326 community, prepends,
// LOCAL_PREF 0) and their removal, the traffic wait (moved, timeout), --shutdown held across reload, per-source marks.

import { EventBus, type OpsEvent } from '../../../src/api/events';
import type { SessionOptions } from '../../../src/bgp/session';
import { FailoverRunner, Speaker } from '../../../src/daemon';
import { DrainError, DrainManager } from '../../../src/daemon/drain';
import { PolicyMarks } from '../../../src/daemon/drain-marks';
import { QuietDetector, type PacketCounters } from '../../../src/daemon/drain-traffic';
import { COMMUNITY_GRACEFUL_SHUTDOWN } from '../../../src/rib/attrs';
import { FakeClock } from '../../../src/util/clock';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce4, asPathOf, config, FakeSession, silent } from './helpers';

const YAML = `router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, families: [ipv4-unicast] }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, families: [ipv4-unicast] }
`;

/** Interface counters the test moves by hand: packets per second per interface. */
class FakeCounters {
  private readonly totals = new Map<string, number>();
  readonly pps = new Map<string, number>();
  tick(seconds: number): void {
    for (const [i, r] of this.pps) this.totals.set(i, (this.totals.get(i) ?? 0) + r * seconds);
  }
  read = async (ifname: string): Promise<PacketCounters> => {
    if (!this.pps.has(ifname)) throw new Error('no such interface');
    const t = this.totals.get(ifname) ?? 0;
    return { rx: Math.floor(t / 2), tx: Math.ceil(t / 2) };
  };
}

async function setup(opts: { statePath?: string } = {}) {
  const sessions = new Map<string, FakeSession>();
  const speaker = new Speaker(config(YAML), {
    logger: silent,
    deferStart: () => true,
    createSession: (o: SessionOptions) => {
      const s = new FakeSession(o);
      sessions.set(o.name, s);
      return s;
    },
  });
  const events = new EventBus();
  const seen: OpsEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const clock = new FakeClock();
  const counters = new FakeCounters();
  counters.pps.set('wg-a', 500);
  counters.pps.set('wg-b', 500);
  const failover = new FailoverRunner({ speaker, logger: silent, hasLiveness: () => false });
  const drain = new DrainManager({
    speaker,
    failover,
    ...(opts.statePath ? { statePath: opts.statePath } : {}),
    events,
    clock,
    logger: silent,
    resolveInterface: async (n) => (n.name === 'tun-a1' ? 'wg-a' : 'wg-b'),
    readCounters: counters.read,
  });
  failover.setDrainSource((name) => drain.drainsFor(name));
  speaker.start();
  failover.start();
  const s = (name: string) => sessions.get(name)!;
  // Sessions that nothing holds were started; they come up, with the same far prefix: an ECMP pair until one is drained.
  for (const [name, nh] of [['tun-a1', '169.254.21.1'], ['tun-b1', '169.254.22.1']] as const) {
    if (s(name).state === 'Idle') continue;
    s(name).establish();
    s(name).emit('update', announce4(['10.50.0.0/16'], [64512], nh));
  }
  await speaker.settled();
  /** Moves the fake time second by second, letting the drain's awaits run in between. */
  const run = async (seconds: number, each?: (second: number) => void) => {
    // Let the drain reach its first sample (it awaits the loop and the interface lookup first).
    for (let k = 0; k < 20; k++) await Promise.resolve();
    for (let i = 0; i < seconds; i++) {
      each?.(i);
      counters.tick(1);
      clock.advance(1000);
      for (let k = 0; k < 10; k++) await Promise.resolve();
    }
  };
  return { speaker, drain, seen, s, counters, run };
}

test('drain marks what we send (GRACEFUL_SHUTDOWN, 3 more prepends) and what we learn (LOCAL_PREF 0); undrain takes it back', async () => {
  const t = await setup();
  expect(t.speaker.locRib.get('10.50.0.0/16')!.ecmp).toHaveLength(2);
  const r = await t.drain.drain({ target: 'tun-a1', timeoutS: 0 });
  expect(r).toMatchObject({ target: 'tun-a1', neighbors: ['tun-a1'], traffic: 'skipped', shutdown: [] });
  await t.speaker.settled();
  const sent = t.s('tun-a1').announced().at(-1)!.update;
  expect(asPathOf(sent)).toEqual([65001, 65001, 65001, 65001]);
  expect(sent.attributes.communities).toEqual([COMMUNITY_GRACEFUL_SHUTDOWN]);
  // Our own traffic leaves too: the path over tun-a1 now loses on LOCAL_PREF.
  const v = t.speaker.locRib.get('10.50.0.0/16')!;
  expect(v.best.peer.key).toBe('tun-b1');
  expect(v.ecmp).toHaveLength(1);
  expect(t.speaker.locRib.pathFrom('tun-a1', '10.50.0.0/16')!.attrs.localPref).toBe(0);
  // tun-b1 is untouched.
  expect(asPathOf(t.s('tun-b1').announced().at(-1)!.update)).toEqual([65001]);
  expect(t.drain.statusOf('tun-a1')).toMatchObject({ target: 'tun-a1', phase: 'moved', shutdown: false });
  expect(t.drain.statusOf('tun-b1')).toBeUndefined();

  const u = await t.drain.undrain('tun-a1');
  expect(u).toEqual({ target: 'tun-a1', neighbors: ['tun-a1'], restarted: [] });
  await t.speaker.settled();
  const back = t.s('tun-a1').announced().at(-1)!.update;
  expect(asPathOf(back)).toEqual([65001]);
  expect(back.attributes.communities).toBeUndefined();
  expect(t.speaker.locRib.get('10.50.0.0/16')!.ecmp).toHaveLength(2);
  expect(t.seen.filter((e) => e.type === 'drain').map((e) => e.type === 'drain' && e.phase)).toEqual(['marked', 'moved', 'undrained']);
});

test('the wait ends when the interface has been quiet for two samples, then --shutdown stops the session', async () => {
  const t = await setup();
  const p = t.drain.drain({ target: '169.254.21.1', timeoutS: 30, shutdown: true, quietPps: 50 });
  // Traffic drains away over three seconds; control traffic (20 pkt/s) stays.
  await t.run(8, (sec) => t.counters.pps.set('wg-a', sec < 3 ? 500 - sec * 150 : 20));
  const r = await p;
  expect(r.traffic).toBe('moved');
  expect(r.interfaces).toEqual([{ ifname: 'wg-a', startPps: 500, endPps: 20 }]);
  expect(r.waitedMs).toBeGreaterThanOrEqual(4000);
  expect(r.shutdown).toEqual(['tun-a1']);
  expect(t.s('tun-a1').stops).toEqual([{ message: 'bgpfo drain: maintenance' }]);
  expect(t.drain.heldDown('tun-a1')).toBe(true);
  expect(t.drain.statusOf('tun-a1')).toMatchObject({ phase: 'down', shutdown: true });

  const u = await t.drain.undrain('tun-a1');
  expect(u.restarted).toEqual(['tun-a1']);
  expect(t.s('tun-a1').state).toBe('Active');
});

test('a wait that times out leaves the session up unless --force', async () => {
  const t = await setup();
  const p = t.drain.drain({ target: 'tun-a1', timeoutS: 5, shutdown: true });
  await t.run(7);
  const r = await p;
  expect(r.traffic).toBe('timeout');
  expect(r.shutdown).toEqual([]);
  expect(r.detail).toMatch(/traffic still above 50 pkt\/s after 5 s .*sessions left up/);
  expect(t.s('tun-a1').state).toBe('Established');
  expect(t.drain.statusOf('tun-a1')?.phase).toBe('timeout');

  const p2 = t.drain.drain({ target: 'tun-a1', timeoutS: 2, shutdown: true, force: true });
  await t.run(4);
  expect((await p2).shutdown).toEqual(['tun-a1']);
});

test('"all" drains every neighbor; an unknown target is a clear error; undrain while waiting cancels the wait', async () => {
  const t = await setup();
  await expect(t.drain.drain({ target: 'tun-zz' })).rejects.toThrow(new DrainError('ERR_UNKNOWN_TARGET', 'no neighbor, peer address or tunnel interface "tun-zz" (names: tun-a1, tun-b1; or "all")'));
  const p = t.drain.drain({ target: 'all', timeoutS: 60 });
  await t.run(2);
  expect(t.drain.isDrained('tun-a1') && t.drain.isDrained('tun-b1')).toBe(true);
  await expect(t.drain.drain({ target: 'tun-b1', timeoutS: 5 })).rejects.toMatchObject({ code: 'ERR_BUSY' });
  await expect(t.drain.undrain('tun-a1')).rejects.toThrow(/covered by the drain of "all"/);
  await t.drain.undrain('all');
  await t.run(2);
  expect((await p).detail).toBe('undrained while waiting');
  expect(t.drain.isDrained('tun-a1')).toBe(false);
});

test('a drain by interface name covers the neighbors using that interface', async () => {
  const t = await setup();
  const r = await t.drain.drain({ target: 'wg-b', timeoutS: 0 });
  expect(r).toMatchObject({ target: 'wg-b', neighbors: ['tun-b1'] });
  expect(t.drain.statusOf('tun-b1')?.target).toBe('wg-b');
});

test('overlapping drains nest: tunnel, all --shutdown, undrain all, undrain tunnel leaves everything as it was', async () => {
  const t = await setup();
  await t.drain.drain({ target: 'tun-a1', timeoutS: 0 });
  const all = await t.drain.drain({ target: 'all', timeoutS: 0, shutdown: true });
  expect(all.shutdown.sort()).toEqual(['tun-a1', 'tun-b1']);
  expect(t.s('tun-a1').state).toBe('Idle');
  expect(t.drain.statusOf('tun-a1')).toMatchObject({ target: 'tun-a1', shutdown: true });
  // Undrain all: both sessions come back (only "all" took them down); tun-a1 stays drained by its own drain.
  const u1 = await t.drain.undrain('all');
  expect(u1.restarted.sort()).toEqual(['tun-a1', 'tun-b1']);
  expect(u1.neighbors).toEqual(['tun-b1']);
  expect(t.s('tun-a1').state).toBe('Active');
  expect(t.drain.statusOf('tun-a1')).toMatchObject({ target: 'tun-a1', shutdown: false });
  t.s('tun-a1').establish();
  await t.speaker.settled();
  expect(asPathOf(t.s('tun-a1').announced().at(-1)!.update)).toEqual([65001, 65001, 65001, 65001]);
  const u2 = await t.drain.undrain('tun-a1');
  expect(u2).toEqual({ target: 'tun-a1', neighbors: ['tun-a1'], restarted: [] });
  await t.speaker.settled();
  expect(asPathOf(t.s('tun-a1').announced().at(-1)!.update)).toEqual([65001]);
  expect(t.drain.statusOf('tun-a1')).toBeUndefined();
});

test('drains survive a daemon restart through the state file; undrain removes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgpfo-drain-'));
  const statePath = join(dir, 'bgpfo.drains.json');
  try {
    const first = await setup({ statePath });
    await first.drain.drain({ target: 'tun-a1', timeoutS: 0, shutdown: true, force: true });
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({ version: 1, drains: [{ target: 'tun-a1', names: ['tun-a1'], shutdown: true }] });
    // A new daemon on the same state file: tun-a1 stays held (never started) and drained; tun-b1 starts.
    const second = await setup({ statePath });
    expect(second.drain.statusOf('tun-a1')).toMatchObject({ target: 'tun-a1', phase: 'down', shutdown: true });
    expect(second.s('tun-a1').state).toBe('Idle');
    expect(second.s('tun-b1').state).toBe('Established');
    const u = await second.drain.undrain('tun-a1');
    expect(u.restarted).toEqual(['tun-a1']);
    expect(second.s('tun-a1').state).toBe('Active');
    expect(existsSync(statePath)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable drain state file is reported and ignored: the daemon starts undrained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgpfo-drain-'));
  const statePath = join(dir, 'bgpfo.drains.json');
  try {
    require('node:fs').writeFileSync(statePath, '{ not json');
    const t = await setup({ statePath });
    expect(t.drain.isDrained('tun-a1')).toBe(false);
    expect(t.s('tun-a1').state).toBe('Established');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('marks by source add up and come off independently (drain and demotion on one neighbor)', () => {
  const m = new PolicyMarks();
  expect(m.set('demotion', { extraPrepend: 2, importLocalPref: 50 })).toEqual({ exportChanged: true, importChanged: true });
  expect(m.set('drain', { extraPrepend: 3, communities: [COMMUNITY_GRACEFUL_SHUTDOWN], importLocalPref: 0 })).toEqual({ exportChanged: true, importChanged: true });
  expect(m.exportSettings()).toEqual({ extraPrepend: 5, communities: [COMMUNITY_GRACEFUL_SHUTDOWN], largeCommunities: [] });
  expect(m.importLocalPref()).toBe(0);
  expect(m.set('drain', null)).toEqual({ exportChanged: true, importChanged: true });
  expect(m.exportSettings().extraPrepend).toBe(2);
  expect(m.importLocalPref()).toBe(50);
  expect(m.set('nothing', {})).toEqual({ exportChanged: false, importChanged: false });
});

test('quiet detection: per interface, two quiet samples in a row, a reset counter starts over, a vanished interface is quiet', () => {
  const d = new QuietDetector(['a', 'b'], { quietPps: 10 });
  const at = (ms: number, a: number | undefined, b: number) => {
    const m = new Map<string, PacketCounters>([['b', { rx: b, tx: 0 }]]);
    if (a !== undefined) m.set('a', { rx: a, tx: 0 });
    return d.sample(ms, m);
  };
  expect(at(0, 0, 0)).toBe(false);
  expect(at(1000, 5, 1000)).toBe(false); // a quiet, b busy
  expect(at(2000, 10, 1005)).toBe(false); // both quiet once
  expect(at(3000, 2, 1010)).toBe(false); // a's counter went back: start over
  expect(at(4000, 4, 1015)).toBe(false);
  expect(at(5000, 6, 1020)).toBe(true);
  expect(d.result()).toEqual([
    { ifname: 'a', startPps: 5, endPps: 2 },
    { ifname: 'b', startPps: 1000, endPps: 5 },
  ]);
  const gone = new QuietDetector(['x'], { quietPps: 10 });
  expect(gone.sample(0, new Map())).toBe(true);
});
