// Reload on a running speaker with scripted sessions: a new neighbor comes up without touching the others, a removed
// one gets Cease/3, changed session parameters reset only that session (Cease/6), policy changes go out on the live
// session, a broken or unappliable file changes nothing, and a drain survives it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type OpsEvent } from '../../../src/api/events';
import { ConfigError, loadConfig } from '../../../src/config';
import { FailoverRunner, Speaker } from '../../../src/daemon';
import { DrainManager } from '../../../src/daemon/drain';
import { ReloadRefused, Reloader } from '../../../src/daemon/reload-apply';
import { COMMUNITY_GRACEFUL_SHUTDOWN } from '../../../src/rib/attrs';
import { FakeClock } from '../../../src/util/clock';
import { announce4, asPathOf, FakeSession, silent } from './helpers';
import type { SessionOptions } from '../../../src/bgp/session';

const BASE = `router: { asn: 65001, router-id: 10.0.0.1 }
originate: [10.1.0.0/16]
control: { socket: /tmp/bgpfo-unit-never-bound.sock }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512, families: [ipv4-unicast] }
  - { name: tun-b1, address: 169.254.22.1, local-address: 169.254.22.2, remote-asn: 64512, families: [ipv4-unicast], role: backup }
`;
const TUN_C1 = '  - { name: tun-c1, address: 169.254.23.1, local-address: 169.254.23.2, remote-asn: 64513, families: [ipv4-unicast] }\n';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-reload-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(yaml = BASE) {
  const file = join(dir, 'bgpfo.yaml');
  writeFileSync(file, yaml);
  /** Every session ever created, by name, oldest first (a reset makes a second one). */
  const all = new Map<string, FakeSession[]>();
  const create = (o: SessionOptions) => {
    const s = new FakeSession(o);
    all.set(o.name, [...(all.get(o.name) ?? []), s]);
    return s;
  };
  const speaker = new Speaker(loadConfig(file), { logger: silent, createSession: create, deferStart: () => true });
  const failover = new FailoverRunner({ speaker, logger: silent, hasLiveness: () => false });
  const events = new EventBus();
  const seen: OpsEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const clock = new FakeClock();
  const drain = new DrainManager({ speaker, failover, events, clock, logger: silent, resolveInterface: async () => undefined });
  failover.setDrainSource((name) => drain.drainsFor(name));
  const reloader = new Reloader({ speaker, drain, events, logger: silent, listener: () => null, configPath: file });
  speaker.start();
  failover.start();
  const s = (name: string) => all.get(name)!.at(-1)!;
  const rewrite = (text: string) => writeFileSync(file, text);
  return { speaker, reloader, drain, seen, s, all, rewrite, file };
}

async function upBoth(t: ReturnType<typeof setup>) {
  t.s('tun-a1').establish();
  t.s('tun-b1').establish();
  await t.speaker.settled();
}

test('a new neighbor comes up; the others keep their sessions and are sent nothing new', async () => {
  const t = setup();
  await upBoth(t);
  const a1 = t.s('tun-a1');
  const sentBefore = a1.sent.length;
  t.rewrite(BASE + TUN_C1);
  const r = await t.reloader.reloadFile();
  // (No BGP listener in this test, so the changed listen default has nothing to apply to.)
  expect(r).toEqual({ result: 'applied', actions: ['neighbor tun-c1 added (169.254.23.1, AS 64513)'] });
  expect(t.s('tun-c1').state).toBe('Active'); // started
  for (const name of ['tun-a1', 'tun-b1']) {
    expect(t.all.get(name)).toHaveLength(1);
    expect(t.s(name).state).toBe('Established');
    expect(t.s(name).stops).toEqual([]);
    expect(t.s(name).resets).toEqual([]);
  }
  await t.speaker.settled();
  expect(a1.sent.length).toBe(sentBefore);
  expect(t.speaker.neighbors.map((n) => n.name)).toEqual(['tun-a1', 'tun-b1', 'tun-c1']);
  expect(t.speaker.config.neighbors).toHaveLength(3);
  expect(t.seen.filter((e) => e.type === 'reload')).toEqual([expect.objectContaining({ result: 'applied', detail: r.actions })]);

  // It is a full neighbor: it peers and gets the table.
  t.s('tun-c1').establish();
  await t.speaker.settled();
  expect(t.s('tun-c1').announced().map((a) => a.prefix)).toEqual(['10.1.0.0/16']);
});

test('a removed neighbor is closed with Cease/Peer De-configured and its routes leave the Loc-RIB', async () => {
  const t = setup();
  await upBoth(t);
  t.s('tun-b1').emit('update', announce4(['10.20.0.0/16'], [64512], '169.254.22.1'));
  await t.speaker.settled();
  expect(t.speaker.locRib.best('10.20.0.0/16')?.peer.key).toBe('tun-b1');
  const b1 = t.s('tun-b1');
  t.rewrite(BASE.replace(/  - \{ name: tun-b1.*\n/, ''));
  await t.reloader.reloadFile();
  expect(b1.stops).toEqual([expect.objectContaining({ code: 6, subcode: 3, message: 'removed from the configuration' })]);
  await t.speaker.settled();
  expect(t.speaker.locRib.best('10.20.0.0/16')).toBeUndefined();
  expect(t.speaker.neighbor('tun-b1')).toBeUndefined();
  expect(t.s('tun-a1').stops).toEqual([]);
  expect(t.seen.filter((e) => e.type === 'session-down')).toEqual([]); // the bus only gets what the ops wiring publishes
});

test('a changed hold time resets only that session (Cease/Other Configuration Change), with the new value', async () => {
  const t = setup();
  await upBoth(t);
  const oldA1 = t.s('tun-a1');
  t.rewrite(BASE.replace('families: [ipv4-unicast] }', 'families: [ipv4-unicast], hold-time: 30 }'));
  const r = await t.reloader.reloadFile();
  expect(r.actions).toEqual(['neighbor tun-a1 reset (Cease/Other Configuration Change): hold-time 90 -> 30']);
  expect(oldA1.stops).toEqual([expect.objectContaining({ code: 6, subcode: 6 })]);
  expect(t.all.get('tun-a1')).toHaveLength(2);
  expect(t.s('tun-a1').opts.holdTime).toBe(30);
  expect(t.s('tun-a1').state).toBe('Active');
  expect(t.all.get('tun-b1')).toHaveLength(1);
  expect(t.s('tun-b1').stops).toEqual([]);
});

test('a changed prepend is re-advertised on the live session; nothing is reset', async () => {
  const t = setup();
  await upBoth(t);
  const b1 = t.s('tun-b1');
  expect(asPathOf(b1.announced().at(-1)!.update)).toEqual([65001, 65001, 65001]);
  t.rewrite(BASE.replace('role: backup }', 'role: backup, prepend: 4 }'));
  expect((await t.reloader.reloadFile()).actions).toEqual(['neighbor tun-b1: prepend 2 -> 4; re-advertised']);
  await t.speaker.settled();
  expect(asPathOf(b1.announced().at(-1)!.update)).toEqual([65001, 65001, 65001, 65001, 65001]);
  expect(b1.stops).toEqual([]);
  expect(t.all.get('tun-b1')).toHaveLength(1);
});

test('a changed import policy is re-applied from the pre-policy Adj-RIB-In', async () => {
  const t = setup();
  await upBoth(t);
  t.s('tun-a1').emit('update', announce4(['10.20.0.0/16', '10.30.0.0/16'], [64512], '169.254.21.1'));
  await t.speaker.settled();
  expect(t.speaker.locRib.best('10.30.0.0/16')?.attrs.localPref).toBe(100);
  t.rewrite(BASE.replace('families: [ipv4-unicast] }', 'families: [ipv4-unicast], local-pref: 50, import: { deny: [10.30.0.0/16] } }'));
  await t.reloader.reloadFile();
  await t.speaker.settled();
  expect(t.speaker.locRib.best('10.30.0.0/16')).toBeUndefined();
  expect(t.speaker.locRib.best('10.20.0.0/16')?.attrs.localPref).toBe(50);
  expect(t.s('tun-a1').stops).toEqual([]);
});

test('a changed originate list is announced and withdrawn', async () => {
  const t = setup();
  await upBoth(t);
  t.rewrite(BASE.replace('originate: [10.1.0.0/16]', 'originate: [10.2.0.0/16]'));
  // One line for the re-imports the new originate list causes, not one per neighbor.
  expect((await t.reloader.reloadFile()).actions).toEqual(['originate: +10.2.0.0/16 -10.1.0.0/16', 're-imported from tun-a1, tun-b1 (our own prefixes are refused on import)']);
  await t.speaker.settled();
  const a1 = t.s('tun-a1');
  expect(a1.withdrawn()).toContain('10.1.0.0/16');
  expect(a1.announced().map((a) => a.prefix)).toContain('10.2.0.0/16');
});

test('a broken file is refused with its errors (file:line) and the running config stays; so is an AS change', async () => {
  const t = setup();
  await upBoth(t);
  const before = t.speaker.config;
  t.rewrite(BASE + '  - { name: tun-c1, address: 169.254.23.1, remote-asn: 70000000000 }\n');
  const err = await t.reloader.reloadFile().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe('ERR_CONFIG');
  expect((err as Error).message).toMatch(new RegExp(`^${t.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: neighbors\\[2\\]\\.remote-asn: expected`));
  expect(t.speaker.config).toBe(before);
  expect(t.speaker.neighbors).toHaveLength(2);

  t.rewrite(BASE.replace('asn: 65001', 'asn: 65002') + TUN_C1);
  const refused = await t.reloader.reloadFile().catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ReloadRefused);
  expect((refused as Error).message).toMatch(/reload refused, the running config stays:\n {2}router\.asn changed \(65001 -> 65002\)/);
  expect(t.speaker.neighbors).toHaveLength(2); // not even the valid part (tun-c1) was applied
  expect(t.seen.filter((e) => e.type === 'reload').map((e) => e.type === 'reload' && e.result)).toEqual(['refused', 'refused']);
  // The daemon still works: a route still flows.
  t.s('tun-a1').emit('update', announce4(['10.40.0.0/16'], [64512], '169.254.21.1'));
  await t.speaker.settled();
  expect(t.speaker.locRib.best('10.40.0.0/16')?.peer.key).toBe('tun-a1');
});

test('drained state survives reload: a reset neighbor comes back marked, an updated one keeps its marks', async () => {
  const t = setup();
  await upBoth(t);
  await t.drain.drain({ target: 'tun-b1', timeoutS: 0 });
  await t.drain.drain({ target: 'tun-a1', timeoutS: 0 });
  t.rewrite(BASE.replace('families: [ipv4-unicast] }', 'families: [ipv4-unicast], hold-time: 30 }').replace('role: backup }', 'role: backup, prepend: 4 }'));
  await t.reloader.reloadFile();
  expect(t.speaker.neighbor('tun-a1')!.marksOf('drain')).toBeDefined(); // the new Neighbor of the reset
  t.s('tun-a1').establish();
  await t.speaker.settled();
  const a1 = t.s('tun-a1').announced().at(-1)!.update;
  expect(asPathOf(a1)).toEqual([65001, 65001, 65001, 65001]);
  expect(a1.attributes.communities).toContain(COMMUNITY_GRACEFUL_SHUTDOWN);
  const b1 = t.s('tun-b1').announced().at(-1)!.update;
  expect(asPathOf(b1)).toHaveLength(1 + 4 + 3);
  expect(b1.attributes.communities).toContain(COMMUNITY_GRACEFUL_SHUTDOWN);
});

test('two reloads at once run one after the other', async () => {
  const t = setup();
  await upBoth(t);
  t.rewrite(BASE + TUN_C1);
  const [r1, r2] = await Promise.all([t.reloader.reloadFile(), t.reloader.reloadFile()]);
  expect(r1.result).toBe('applied');
  expect(r2.result).toBe('unchanged');
  expect(t.speaker.neighbors.map((n) => n.name)).toEqual(['tun-a1', 'tun-b1', 'tun-c1']);
});
