// Failover and outage events with scripted sessions and a fake clock: prefixes that moved to another path are a
// `failover` with its duration; prefixes left with no path at all are an `outage`, never "moved in 0 ms"; a loss
// that does both publishes both; a tunnel that carried no best path publishes neither.

import { EventBus, type OpsEvent } from '../../../src/api/events';
import { describeEvent } from '../../../src/api/events-text';
import { Speaker } from '../../../src/daemon';
import { SpeakerEventSource } from '../../../src/daemon/operations-events';
import { BgpfoMetrics } from '../../../src/metrics';
import { FakeClock } from '../../../src/util/clock';
import { announce4, config, fakeSessions, silent, withdraw4 } from './helpers';

const YAML = `
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512 }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512 }
`;

/** The value of one sample in Prometheus exposition text (labels matched exactly), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${want} `));
  return line === undefined ? undefined : Number(line.slice(want.length + 1));
}

async function waitUntil(f: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !f(); i++) await new Promise((r) => setImmediate(r));
  if (!f()) throw new Error('condition never met');
}

async function setup(budgets: { importBudget?: number } = {}) {
  const clock = new FakeClock();
  clock.advance(10_000);
  const sessions = fakeSessions();
  const speaker = new Speaker(config(YAML), { logger: silent, clock, createSession: sessions.create, ...budgets });
  const events = new EventBus({ now: () => 0 });
  const got: OpsEvent[] = [];
  events.subscribe((e) => void got.push(e));
  const metrics = new BgpfoMetrics({ defaultMetrics: false });
  events.subscribe((e) => metrics.observe(e));
  const source = new SpeakerEventSource({ speaker, events, clock, logger: silent });
  speaker.start();
  const a = sessions.get('tun-a1');
  const b = sessions.get('tun-b1');
  a.establish();
  b.establish();
  await speaker.settled();
  const of = (type: string) => got.filter((e) => e.type === type);
  return { clock, speaker, source, a, b, of, metrics };
}

/** tun-a1 is declared dead 40 ms (fake clock) before its session goes down, as liveness would. */
async function loseA(t: Awaited<ReturnType<typeof setup>>): Promise<void> {
  t.source.failoverDetected('tun-a1', 'BFD down: control detection time expired', t.clock.now() - 40);
  t.a.goDown({ reason: 'automatic-stop', message: 'tunnel down' });
  await t.speaker.settled();
}

test('every prefix has another path: one failover with its duration, no outage', async () => {
  const t = await setup();
  t.a.emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16'], [64512], '169.254.21.1'));
  t.b.emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16'], [64512, 64512], '169.254.22.1'));
  await t.speaker.settled();
  await loseA(t);
  expect(t.of('failover')).toEqual([expect.objectContaining({ type: 'failover', tunnel: 'tun-a1', prefixes: 2, durationMs: 40 })]);
  expect(t.of('outage')).toEqual([]);
  expect(describeEvent(t.of('failover')[0])).toBe('failover off tun-a1 (BFD down: control detection time expired): 2 prefix(es) moved in 40 ms');
});

test('a total outage (the tunnel was the only path) is an outage, not a failover "moved in 0 ms"', async () => {
  const t = await setup();
  t.a.emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16', '10.22.0.0/16'], [64512], '169.254.21.1'));
  await t.speaker.settled();
  await loseA(t);
  expect(t.of('failover')).toEqual([]);
  const [o] = t.of('outage');
  expect(o).toMatchObject({ type: 'outage', tunnel: 'tun-a1', prefixes: 3, durationMs: 40, reason: 'BFD down: control detection time expired' });
  expect(o.type === 'outage' && [...o.sample].sort()).toEqual(['10.20.0.0/16', '10.21.0.0/16', '10.22.0.0/16']);
  expect(describeEvent(o)).toMatch(/^outage: no path left for 3 prefix\(es\) after tun-a1 was lost \(BFD down: control detection time expired\): 10\.2\d/);
  const text = await t.metrics.text();
  expect(sample(text, 'bgpfo_outages_total', { tunnel: 'tun-a1' })).toBe(1);
  expect(sample(text, 'bgpfo_outage_prefixes_total', { tunnel: 'tun-a1' })).toBe(3);
  expect(sample(text, 'bgpfo_failovers_total', { tunnel: 'tun-a1' })).toBeUndefined();
});

test('some prefixes moved, others had nowhere to go: a failover and an outage, each with its own count', async () => {
  const t = await setup();
  t.a.emit('update', announce4(['10.20.0.0/16', '10.21.0.0/16', '10.22.0.0/16'], [64512], '169.254.21.1'));
  t.b.emit('update', announce4(['10.20.0.0/16'], [64512, 64512], '169.254.22.1'));
  await t.speaker.settled();
  await loseA(t);
  expect(t.of('failover')).toEqual([expect.objectContaining({ tunnel: 'tun-a1', prefixes: 1, durationMs: 40 })]);
  expect(t.of('outage')).toEqual([expect.objectContaining({ tunnel: 'tun-a1', prefixes: 2, durationMs: 40 })]);
  const text = await t.metrics.text();
  expect(sample(text, 'bgpfo_failovers_total', { tunnel: 'tun-a1' })).toBe(1);
  expect(sample(text, 'bgpfo_outages_total', { tunnel: 'tun-a1' })).toBe(1);
  expect(sample(text, 'bgpfo_outage_prefixes_total', { tunnel: 'tun-a1' })).toBe(2);
});

test('the outage sample holds at most 10 prefixes; the text says there are more', async () => {
  const t = await setup();
  const many = Array.from({ length: 25 }, (_, i) => `10.${100 + i}.0.0/16`);
  t.a.emit('update', announce4(many, [64512], '169.254.21.1'));
  await t.speaker.settled();
  await loseA(t);
  const [o] = t.of('outage');
  expect(o).toMatchObject({ prefixes: 25 });
  expect(o.type === 'outage' && o.sample).toHaveLength(10);
  expect(describeEvent(o)).toMatch(/ \.\.\.$/);
});

test('a prefix left without a path that gets one again before the failover is over counts as moved', async () => {
  // Small import batches: tun-a1's 3,000 paths leave the Loc-RIB 1,000 at a time, and tun-b1's announcements of the
  // same prefixes are applied between those batches, so some prefixes are without a path for a moment.
  const t = await setup({ importBudget: 1000 });
  const prefixes = Array.from({ length: 3000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  t.a.emit('update', announce4(prefixes, [64512], '169.254.21.1'));
  await t.speaker.settled();
  t.source.failoverDetected('tun-a1', 'BFD down', t.clock.now() - 40);
  const changes: { prefix: string; ecmp: number }[] = [];
  t.speaker.on('rib-changes', (cs) => {
    for (const c of cs) changes.push({ prefix: c.prefix, ecmp: c.ecmp.length });
  });
  t.a.goDown({ reason: 'automatic-stop', message: 'tunnel down' });
  // Once the first batch of tun-a1's withdrawals is out, tun-b1 announces.
  await waitUntil(() => changes.length > 0);
  t.b.emit('update', announce4(prefixes, [64512, 64512], '169.254.22.1'));
  await t.speaker.settled();
  // The case this test is about did happen: prefixes with no path, later given one.
  const emptied = new Set(changes.filter((c) => c.ecmp === 0).map((c) => c.prefix));
  expect(emptied.size).toBeGreaterThan(0);
  expect(changes.some((c) => c.ecmp > 0 && emptied.has(c.prefix))).toBe(true);
  // Every prefix has a path when the failover is published (the clock has not moved: published as soon as the loop
  // was idle, not by the 1 s poll): all moved, no outage.
  expect(t.of('outage')).toEqual([]);
  expect(t.of('failover')).toEqual([expect.objectContaining({ tunnel: 'tun-a1', prefixes: 3000, durationMs: 40 })]);
});

test('a tunnel that carried no best path going down publishes neither (its session-down says it)', async () => {
  const t = await setup();
  t.a.emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.21.1'));
  t.b.emit('update', announce4(['10.20.0.0/16'], [64512, 64512, 64512], '169.254.22.1'));
  await t.speaker.settled();
  t.source.failoverDetected('tun-b1', 'BFD down', t.clock.now() - 40);
  t.b.goDown({ reason: 'automatic-stop', message: 'tunnel down' });
  await t.speaker.settled();
  t.clock.advance(2000); // the sweep that closes a failover with no Loc-RIB change
  expect(t.of('failover')).toEqual([]);
  expect(t.of('outage')).toEqual([]);
});

test('the routes window counts best-path changes, new prefixes and gone ones, with a sample in drain order', async () => {
  const t = await setup();
  // 12 new prefixes from tun-a1, then a better path for two of them from tun-b1 (shorter AS path), then 3 withdrawn
  // by tun-a1 that only it had, and one path that changes nothing (tun-b1's worse path for a prefix tun-a1 has).
  const ps = Array.from({ length: 12 }, (_, i) => `10.${30 + i}.0.0/16`);
  t.a.emit('update', announce4(ps, [64512, 64512], '169.254.21.1'));
  await t.speaker.settled();
  t.b.emit('update', announce4(ps.slice(0, 2), [64512], '169.254.22.1'));
  t.b.emit('update', announce4(ps.slice(5, 6), [64512, 64512, 64512], '169.254.22.1'));
  t.a.emit('update', withdraw4(ps.slice(9)));
  await t.speaker.settled();
  t.clock.advance(1000);
  const [w] = t.of('routes');
  expect(w).toEqual(expect.objectContaining({ type: 'routes', bestChanged: 12 + 2 + 3, added: 12, removed: 3 }));
  expect(w?.type === 'routes' && w.sample).toEqual(ps.slice(0, 10));
});
