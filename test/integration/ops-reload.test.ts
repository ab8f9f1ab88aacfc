// Operating a running bgpfo against FRR 8.4 over two veth "tunnels": `bgpfo reload` adds a neighbor without
// resetting the others (FRR's peerUptimeMsec keeps growing), a broken file is refused (exit 1) while the daemon goes
// on, SIGHUP re-advertises a changed prepend on the live session, and the control socket refuses a non-root user.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { bgpfoConfig, BgpfoDaemon, ensureBuilt, execAny, farBgpd, Frr, LINKS, OURS, REPO, twoLinkLab, US_ASN, waitFor, type TwoLinkLab } from './harness';

jest.setTimeout(90_000);

const MAIN = join(REPO, 'dist', 'cli', 'main.js');
/** A group nobody is in by default: the daemon gives it the socket; a process holding it may connect. */
const CONTROL_GID = '4242';

interface Peer {
  state: string;
  peerUptimeMsec?: number;
}

/** bgpfo's config as a kebab-case object: the harness's three neighbors, or fewer, with edits. */
function configWith(names: string[], edit: (n: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const c = bgpfoConfig();
  c.neighbors = (c.neighbors as Record<string, unknown>[]).filter((n) => names.includes(n.name as string)).map((n) => {
    const copy = { ...n };
    edit(copy);
    return copy;
  });
  c.control = { group: CONTROL_GID };
  return c;
}

describe('operating bgpfo: reload, SIGHUP, the control socket', () => {
  let t: TwoLinkLab;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;

  /** Rewrites the daemon's config file (keeping its control socket). */
  const writeConfig = (c: Record<string, unknown>) =>
    writeFileSync(bgpfo.configFile, stringify({ ...c, control: { ...(c.control as object), socket: bgpfo.socketPath } }));

  const frrPeers = async (family: 'ipv4' | 'ipv6' = 'ipv4') => (await frr.peers(family)) as Record<string, Peer>;

  beforeAll(async () => {
    ensureBuilt();
    t = await twoLinkLab('opsrl');
    frr = await Frr.start(t.far, { bgpd: farBgpd({ ipv6: true, prependOnB: false, multipathRelax: true, ecmp: true }) });
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: configWith(['tun-a1', 'tun-b1']) });
    await waitFor(async () => {
      const p = await frrPeers();
      return p[LINKS.a.us4]?.state === 'Established' && p[LINKS.b.us4]?.state === 'Established';
    }, 30_000, { what: 'FRR: both IPv4 sessions Established' });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('reload adds a neighbor; the sessions it does not touch keep running (FRR uptimes keep growing)', async () => {
    // Give the sessions some age, so a reset (uptime back near 0) cannot be mistaken for continuity.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await frrPeers();
    const upA = before[LINKS.a.us4].peerUptimeMsec!;
    const upB = before[LINKS.b.us4].peerUptimeMsec!;
    expect(upA).toBeGreaterThanOrEqual(2000);

    writeConfig(configWith(['tun-a1', 'tun-b1', 'tun-a6']));
    const out = await bgpfo.cli(['reload']);
    expect(out).toMatch(/^reload applied:\n {2}neighbor tun-a6 added \(fd00:1::1, AS 64512\)\n/);
    expect(out).toContain(`BGP listen addresses: ${LINKS.a.us4}, ${LINKS.b.us4}, ${LINKS.a.us6}`);

    await waitFor(async () => (await frrPeers('ipv6'))[LINKS.a.us6]?.state === 'Established', 30_000, { what: 'FRR: the new IPv6 session' });
    await waitFor(async () => (await bgpfo.routesJson(OURS.v6)).routes.length === 1 && (await frr.routes('ipv6'))[OURS.v6], 20_000, {
      what: 'routes over the new session',
    });
    const after = await frrPeers();
    expect(after[LINKS.a.us4].state).toBe('Established');
    // FRR counts uptime in whole seconds: a reset would have brought it back under a second.
    expect(after[LINKS.a.us4].peerUptimeMsec!).toBeGreaterThanOrEqual(upA);
    expect(after[LINKS.b.us4].peerUptimeMsec!).toBeGreaterThanOrEqual(upB);
    const s = await bgpfo.statusJson();
    expect(s.sessions.map((x) => [x.name, x.state, x.flaps])).toEqual([
      ['tun-a1', 'Established', 0],
      ['tun-b1', 'Established', 0],
      ['tun-a6', 'Established', 0],
    ]);
  });

  test('a broken config is refused with its errors and exit 1; the daemon keeps working with the old one', async () => {
    const upA = (await frrPeers())[LINKS.a.us4].peerUptimeMsec!;
    writeFileSync(bgpfo.configFile, readFileSync(bgpfo.configFile, 'utf8').replace('hold-time: 3', 'hold-time: 2'));
    const r = await execAny([process.execPath, MAIN, 'reload', '--socket', bgpfo.socketPath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^reload refused, the daemon keeps its running config:\\n${bgpfo.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: neighbors\\[0\\]\\.hold-time: hold-time 1 and 2 are not allowed`));
    // Still serving: status answers, the sessions did not move, routes still flow.
    const s = await bgpfo.statusJson();
    expect(s.sessions.every((x) => x.state === 'Established' && x.holdTime === 3)).toBe(true);
    expect((await frrPeers())[LINKS.a.us4].peerUptimeMsec!).toBeGreaterThanOrEqual(upA);
    expect((await bgpfo.routesJson('10.50.0.0/16')).routes[0].ecmp).toHaveLength(2);
  });

  test('SIGHUP re-reads the file: a changed prepend is re-advertised without resetting the session', async () => {
    const upB = (await frrPeers())[LINKS.b.us4].peerUptimeMsec!;
    writeConfig(configWith(['tun-a1', 'tun-b1', 'tun-a6'], (n) => n.name === 'tun-b1' && (n.prepend = 5)));
    bgpfo.process.signal('SIGHUP');
    const viaB = await waitFor(
      async () => {
        const p = (await frr.routes('ipv4'))[OURS.v4]?.find((x) => x.nexthops.some((h) => h.ip === LINKS.b.us4));
        return p && p.path.split(' ').length === 6 ? p : undefined;
      },
      15_000,
      { what: 'FRR to see our AS 1 + 5 times over link b' },
    );
    expect(viaB.path).toBe(Array(6).fill(US_ASN).join(' '));
    expect((await frrPeers())[LINKS.b.us4].peerUptimeMsec!).toBeGreaterThanOrEqual(upB);
    expect((await bgpfo.statusJson()).sessions.find((x) => x.name === 'tun-b1')!.flaps).toBe(0);
  });

  test('the control socket refuses a user who is neither root nor in control.group', async () => {
    // The lab directory is private (0700); open it for traversal so the socket's own permissions decide.
    chmodSync(t.lab.dir, 0o711);
    const asNobody = (groups: string[]) =>
      execAny(['setpriv', '--reuid=nobody', '--regid=nogroup', ...(groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups']), process.execPath, MAIN, 'status', '--socket', bgpfo.socketPath]);
    const refused = await asNobody([]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`permission denied on ${bgpfo.socketPath}: run as root or as a member of the group set in control.group\n`);
    const drain = await execAny(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, MAIN, 'drain', 'all', '--socket', bgpfo.socketPath]);
    expect(drain.code).toBe(1);
    expect((await bgpfo.statusJson()).sessions.every((x) => x.drain === undefined)).toBe(true);
    // The same user with the configured group may.
    const allowed = await asNobody([CONTROL_GID]);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/3\/3 sessions established/);
  });

  test('stop.graceful-restart (applied by reload): SIGTERM closes the sessions without a NOTIFICATION and keeps kernel routes', async () => {
    await waitFor(async () => (await t.us.exec(['ip', 'route', 'show', '10.50.0.0/16'])).includes('10.50.0.0/16'), 20_000, { what: 'our kernel route' });
    writeConfig({ ...configWith(['tun-a1', 'tun-b1', 'tun-a6'], (n) => n.name === 'tun-b1' && (n.prepend = 5)), stop: { 'graceful-restart': true } });
    expect(await bgpfo.cli(['reload'])).toContain('on SIGTERM: graceful restart (no NOTIFICATION)');
    expect(await bgpfo.stop()).toEqual({ code: 0, signal: null });
    expect(bgpfo.process.log()).toContain('shutting down for a graceful restart');
    await waitFor(async () => (await frrPeers())[LINKS.a.us4]?.state !== 'Established', 15_000, { what: 'FRR to see the session end' });
    const nb = await frr.vtyshJson<Record<string, Record<string, unknown>>>(`show bgp neighbors ${LINKS.a.us4} json`);
    const text = JSON.stringify(nb[LINKS.a.us4]);
    expect(text).not.toMatch(/Administrative Shutdown/i);
    expect(text).not.toMatch(/lastNotificationReason/);
    // The routes stay in the kernel for the next run to adopt (the FIB's graceful-restart side).
    expect(await t.us.exec(['ip', 'route', 'show', '10.50.0.0/16'])).toContain('10.50.0.0/16');
  });
});
