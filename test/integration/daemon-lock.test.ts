// One daemon per FIB, with the kernel FIB in a namespace and FRR 8.4 as the peer: a second `bgpfo daemon` with the
// same config, or with its own socket on the same FIB, exits at once with one line naming the running daemon, and the
// first one's kernel routes, nexthops, control socket and BGP sessions are untouched. After a kill -9 the next daemon
// takes the lock over and says so.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BgpfoDaemon, FAR, FAR_ASN, farBgpd, Frr, LINKS, REPO, twoLinkLab, US_ASN, waitFor, type Netns, type TwoLinkLab } from './harness';

jest.setTimeout(120_000);

const MAIN = join(REPO, 'dist', 'cli', 'main.js');

function bgpfoConfig(): Record<string, unknown> {
  const timers = { 'hold-time': 3, 'connect-retry': 1 };
  return {
    router: { asn: US_ASN, 'router-id': '10.255.0.2' },
    fib: { mode: 'kernel' },
    neighbors: [
      { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], ...timers },
      { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], role: 'backup', ...timers },
    ],
  };
}

/** Everything of ours in the kernel, as `ip -json` prints it (the comparison is of the whole text). */
async function kernelState(ns: Netns): Promise<{ routes: unknown; nexthops: unknown }> {
  const routes = JSON.parse((await ns.exec(['ip', '-json', 'route', 'show', 'proto', '201'])).trim() || '[]') as unknown[];
  const nexthops = JSON.parse((await ns.exec(['ip', '-json', 'nexthop', 'show'])).trim() || '[]') as unknown[];
  return { routes, nexthops };
}

describe('one daemon per FIB (kernel FIB in a namespace, FRR 8.4 as the peer)', () => {
  let t: TwoLinkLab;
  let us: Netns;
  let frr: Frr;
  let first: BgpfoDaemon;
  let firstPid: number;

  /** The first daemon's state that a second one must not change. */
  async function snapshot() {
    const st = await first.status();
    return {
      kernel: await kernelState(us),
      sessions: st.sessions.map((s) => ({ name: s.name, state: s.state, flaps: s.flaps })),
      socketIno: statSync(first.socketPath).ino,
      frrUptime: Object.fromEntries(Object.entries(await frr.peers()).map(([a, p]) => [a, p.peerUptimeMsec ?? 0])),
    };
  }

  /** Runs a second `bgpfo daemon` in the same namespace; it must exit by itself. */
  async function second(configFile: string) {
    const t0 = Date.now();
    const r = await us.execAny([process.execPath, MAIN, 'daemon', '--config', configFile], { timeoutMs: 20_000 });
    return { ...r, ms: Date.now() - t0 };
  }

  async function expectUntouched(before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
    const after = await snapshot();
    expect(after.kernel).toEqual(before.kernel);
    expect(after.sessions).toEqual(before.sessions);
    expect(after.socketIno).toBe(before.socketIno);
    // FRR's sessions to us did not restart: their uptimes only grew.
    for (const [a, up] of Object.entries(before.frrUptime)) expect(after.frrUptime[a]).toBeGreaterThanOrEqual(up);
    expect(first.process.running).toBe(true);
  }

  beforeAll(async () => {
    t = await twoLinkLab('lock');
    us = t.us;
    frr = await Frr.start(t.far, { bgpd: farBgpd({ ipv6: false, prependOnB: true, multipathRelax: false, ecmp: false }) });
    first = await BgpfoDaemon.start(us, 'bgpfo', { config: bgpfoConfig(), logLevel: 'info' });
    firstPid = (await first.status()).router.pid;
    await waitFor(async () => (await first.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions Established' });
    // Both learned prefixes in the kernel, through our nexthop objects.
    await waitFor(
      async () => {
        const k = (await kernelState(us)).routes as { dst: string; nhid?: number }[];
        return [FAR.ecmp4, FAR.prepended4].every((p) => k.some((r) => r.dst === p && r.nhid !== undefined));
      },
      20_000,
      { what: 'routes in the kernel' },
    );
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('a second daemon with the same config exits with one line naming the first, and changes nothing', async () => {
    const before = await snapshot();
    expect((before.kernel.routes as unknown[]).length).toBeGreaterThanOrEqual(2);
    const r = await second(first.configFile);
    expect(r.code).not.toBe(0);
    // Nothing logged but the version line every start prints: no FIB, no reconcile, no socket, no listener.
    expect(r.stdout.split('\n').filter((l) => l && !/"msg":"bgpfo \S+ starting"/.test(l))).toEqual([]);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: another bgpfo daemon is running on this control socket /);
    expect(lines[0]).toContain(`pid ${firstPid}, config ${first.configFile}, socket ${first.socketPath}`);
    await expectUntouched(before);
  });

  test('a second daemon with its own socket on the same FIB (netns, table, protocol) is refused the same way', async () => {
    const before = await snapshot();
    const other = join(t.lab.dir, 'other.yaml');
    require('node:fs').writeFileSync(other, stringify({ ...bgpfoConfig(), control: { socket: join(t.lab.dir, 'other.sock') } }));
    const r = await second(other);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('another bgpfo daemon is running on this kernel FIB (netns of the daemon, table 254, protocol 201)');
    expect(lines[0]).toContain(`pid ${firstPid}, config ${first.configFile}`);
    await expectUntouched(before);
    // It let go of the socket lock it took: nothing of it is left listening.
    expect(() => statSync(join(t.lab.dir, 'other.sock'))).toThrow();
  });

  test('after kill -9 the next daemon takes the FIB lock over, says so, and programs the kernel', async () => {
    first.process.signal('SIGKILL');
    await first.process.exited;
    const next = await BgpfoDaemon.start(us, 'bgpfo-next', { config: bgpfoConfig(), logLevel: 'info' });
    await waitFor(async () => (await next.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'sessions of the next daemon Established' });
    const took = next.process
      .log()
      .split('\n')
      .filter((l) => l.includes('taken over from pid'));
    expect(took).toHaveLength(1);
    expect(took[0]).toContain(`taken over from pid ${firstPid} (config ${first.configFile}`);
    expect(took[0]).toContain('kernel FIB');
    await waitFor(
      async () => {
        const k = (await kernelState(us)).routes as { dst: string; nhid?: number }[];
        return [FAR.ecmp4, FAR.prepended4].every((p) => k.some((r) => r.dst === p && r.nhid !== undefined));
      },
      20_000,
      { what: 'routes in the kernel again' },
    );
    expect(await next.stop()).toEqual({ code: 0, signal: null });
  });
});
