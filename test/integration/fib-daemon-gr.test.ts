// Graceful restart (RFC 4724) with a constant-rate stream between two LAN hosts (200 ping/s): no loss across a
// `kill -9` and restart of bgpfo (FRR keeps our routes as helper, the kernel keeps ours), nor across a `kill -9`
// and restart of FRR's bgpd (bgpfo keeps FRR's routes as helper, then sweeps what FRR no longer announces).

import { spawn } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BgpfoDaemon, FAR_ASN, Frr, LINKS, twoLinkLab, US_ASN, waitFor, type Netns, type TwoLinkLab } from './harness';

jest.setTimeout(180_000);

const FAR_LAN = { net: '10.50.0.0/16', gw: '10.50.0.1', host: '10.50.0.2' };
const OUR_LAN = { net: '10.60.0.0/16', gw: '10.60.0.1', host: '10.60.0.2' };
const EXTRA = '10.52.0.0/16';

function frrConf(withExtra: boolean): string {
  const nb = (a: string) => ` neighbor ${a} remote-as ${US_ASN}\n neighbor ${a} timers 1 3\n neighbor ${a} timers connect 1\n`;
  return `frr defaults traditional
hostname far
log stdout informational
!
router bgp ${FAR_ASN}
 bgp router-id 10.255.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
${nb(LINKS.a.us4)}${nb(LINKS.b.us4)} address-family ipv4 unicast
  network ${FAR_LAN.net}
${withExtra ? `  network ${EXTRA}\n` : ''}  maximum-paths 8
 exit-address-family
!
`;
}

function bgpfoConfig(): Record<string, unknown> {
  const common = { 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], 'hold-time': 3, 'connect-retry': 1, 'graceful-restart': { enabled: true, 'restart-time': 60 } };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    originate: [OUR_LAN.net],
    fib: { mode: 'kernel' },
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, ...common },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, ...common },
    ],
  };
}

interface KNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  group?: { id: number }[];
}

async function forwarding(ns: Netns, prefix: string): Promise<string[] | undefined> {
  const r = JSON.parse((await ns.exec(['ip', '-json', 'route', 'show', prefix, 'proto', '201'])).trim() || '[]') as { nhid?: number }[];
  if (!r[0]?.nhid) return undefined;
  const all = new Map((JSON.parse(await ns.exec(['ip', '-json', 'nexthop', 'show'])) as KNexthop[]).map((n) => [n.id, n]));
  const o = all.get(r[0].nhid);
  if (!o) return undefined;
  return (o.group ? o.group.map((g) => all.get(g.id)!) : [o]).map((m) => `${m.gateway}%${m.dev}`).sort();
}

const BOTH = [`${LINKS.a.far4}%${LINKS.a.usIf}`, `${LINKS.b.far4}%${LINKS.b.usIf}`];

/** A stream of `count` pings at 200/s from one host to another; resolves with what ping counted. */
function pingStream(from: Netns, to: string, count: number): { done: Promise<{ sent: number; received: number; out: string }>; running: () => boolean } {
  const child = spawn('ip', ['netns', 'exec', from.name, 'ping', '-n', '-q', '-i', '0.005', '-c', String(count), '-W', '2', to], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exited = false;
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<{ sent: number; received: number; out: string }>((resolve) =>
    child.once('exit', () => {
      exited = true;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      resolve({ sent: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : -1, out });
    }),
  );
  from.lab.onCleanup(() => void child.kill('SIGKILL'));
  return { done, running: () => !exited };
}

async function frrStale(frr: Frr, prefix: string): Promise<boolean> {
  const j = await frr.vtyshJson<{ paths?: { stale?: boolean }[] }>(`show bgp ipv4 unicast ${prefix} json`);
  return (j.paths ?? []).length > 0 && (j.paths ?? []).every((p) => p.stale === true);
}

describe('graceful restart with a constant-rate stream between LAN hosts', () => {
  let t: TwoLinkLab;
  let us: Netns;
  let far: Netns;
  let lanUs: Netns;
  let lanFar: Netns;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;

  beforeAll(async () => {
    t = await twoLinkLab('fibgr');
    ({ us, far } = t);
    lanUs = await t.lab.addNamespace('lanus');
    lanFar = await t.lab.addNamespace('lanfar');
    await t.lab.link({ ns: us, ifname: 'lan-us', v4: `${OUR_LAN.gw}/24` }, { ns: lanUs, ifname: 'eth0', v4: `${OUR_LAN.host}/24` });
    await t.lab.link({ ns: far, ifname: 'lan-far', v4: `${FAR_LAN.gw}/24` }, { ns: lanFar, ifname: 'eth0', v4: `${FAR_LAN.host}/24` });
    await lanUs.exec(['ip', 'route', 'add', 'default', 'via', OUR_LAN.gw]);
    await lanFar.exec(['ip', 'route', 'add', 'default', 'via', FAR_LAN.gw]);
    await far.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    frr = await Frr.start(far, { bgpd: frrConf(true) });
    bgpfo = await BgpfoDaemon.start(us, 'bgpfo', { config: bgpfoConfig() });
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions Established' });
    await waitFor(async () => (await forwarding(us, FAR_LAN.net))?.length === 2, 20_000, { what: `${FAR_LAN.net} over both tunnels` });
    await waitFor(() => forwarding(us, EXTRA), 20_000, { what: `${EXTRA} installed` });
    await waitFor(async () => (await frr.routes('ipv4'))[OUR_LAN.net], 20_000, { what: 'FRR to learn our LAN' });
    await lanUs.exec(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', FAR_LAN.host]);
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('kill -9 and restart of bgpfo: the kernel forwards on, FRR keeps our routes, no packet is lost', async () => {
    const stream = pingStream(lanUs, FAR_LAN.host, 3000); // 15 s at 200/s
    await new Promise((r) => setTimeout(r, 1000));
    bgpfo.process.signal('SIGKILL');
    await bgpfo.process.exited;
    // Both sides keep forwarding: our kernel routes stay; FRR holds ours as stale (RFC 4724 helper).
    expect(await forwarding(us, FAR_LAN.net)).toEqual(BOTH);
    await waitFor(() => frrStale(frr, OUR_LAN.net), 10_000, { what: 'FRR to mark our routes stale' });
    await new Promise((r) => setTimeout(r, 1000));

    bgpfo = await BgpfoDaemon.start(us, 'bgpfo', { config: bgpfoConfig() });
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions back' });
    // Our OPENs said "restarted, forwarding preserved": FRR waited for our End-of-RIB, then refreshed.
    await waitFor(async () => !(await frrStale(frr, OUR_LAN.net)), 20_000, { what: 'FRR to refresh our routes' });
    type GrInfo = { rBit?: boolean; ipv4Unicast?: { fBit?: boolean }; endOfRibRecv?: { ipv4Unicast?: boolean } };
    const nb = await frr.vtyshJson<Record<string, { gracefulRestartInfo?: GrInfo }>>(`show bgp neighbors ${LINKS.a.us4} json`);
    expect(nb[LINKS.a.us4].gracefulRestartInfo).toMatchObject({ rBit: true, ipv4Unicast: { fBit: true }, endOfRibRecv: { ipv4Unicast: true } });
    await waitFor(() => bgpfo.process.log().includes('stale routes of the previous run swept'), 20_000, { what: 'the stale sweep' });
    expect(await forwarding(us, FAR_LAN.net)).toEqual(BOTH);
    expect(await forwarding(us, EXTRA)).toEqual(BOTH);
    expect(stream.running()).toBe(true); // the whole restart happened inside the stream
    const r = await stream.done;
    expect(r.sent).toBe(3000);
    expect(r.received).toBe(r.sent);
  });

  test('kill -9 and restart of FRR bgpd: bgpfo keeps its routes, then sweeps what it no longer announces', async () => {
    const stream = pingStream(lanUs, FAR_LAN.host, 3000);
    await new Promise((r) => setTimeout(r, 1000));
    const bgpd = frr.processes.find((p) => p.name.endsWith('-bgpd'))!;
    bgpd.signal('SIGKILL');
    await bgpd.exited;
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state !== 'Established'), 10_000, { what: 'bgpfo to see FRR gone' });
    // Kept as stale: the tunnels stay in the group, every route stays.
    expect(await forwarding(us, FAR_LAN.net)).toEqual(BOTH);
    expect(await forwarding(us, EXTRA)).toEqual(BOTH);
    expect(bgpfo.process.log()).toContain('keeping its routes as stale');

    // bgpd comes back without EXTRA in its config.
    const ps = frr.pathspace;
    const conf = join('/etc/frr', ps, 'bgpd.conf');
    writeFileSync(conf, frrConf(false), { mode: 0o640 });
    const id = (flag: string) => Number(execFileSync('id', [flag, 'frr'], { encoding: 'utf8' }).trim());
    chownSync(conf, id('-u'), id('-g'));
    const again = far.spawn(`${ps}-bgpd-2`, ['/usr/lib/frr/bgpd', '-N', ps, '-f', conf, '-P', '0', '--log', 'stdout']);
    frr.processes.push(again);
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions back' });
    await waitFor(async () => (await forwarding(us, EXTRA)) === undefined, 20_000, { what: `${EXTRA} swept after End-of-RIB` });
    expect(await forwarding(us, FAR_LAN.net)).toEqual(BOTH);
    expect(stream.running()).toBe(true);
    const r = await stream.done;
    expect(r.sent).toBe(3000);
    expect(r.received).toBe(r.sent);
  });
});
