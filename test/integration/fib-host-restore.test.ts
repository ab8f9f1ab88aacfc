// The daemon's host settings in a network namespace (root): it sets forwarding, rp_filter, the multipath hash
// policy and nexthop compat mode, says so in status, and a clean stop puts back what it changed; with
// fib.restore-sysctls false, or after a graceful-restart stop, they stay. The host's own settings are never touched.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../src/config';
import { startDaemon } from '../../src/daemon';

const root = process.getuid?.() === 0;
const ns = `bgpfo-hostrst-${process.pid % 10000}`;
const KEYS = [
  'net/ipv4/ip_forward',
  'net/ipv6/conf/all/forwarding',
  'net/ipv4/conf/all/rp_filter',
  'net/ipv4/conf/t0/rp_filter',
  'net/ipv4/fib_multipath_hash_policy',
  'net/ipv6/fib_multipath_hash_policy',
  'net/ipv4/nexthop_compat_mode',
];
let dir: string;

const sh = (script: string) => execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', script], { encoding: 'utf8' });
const read = () => sh(KEYS.map((k) => `cat /proc/sys/${k}`).join('; ')).trim().split('\n');
/** The kernel's defaults in a new namespace, made explicit: forwarding off, strict rp_filter, L3 hash, compat on. */
const START = ['0', '0', '1', '1', '0', '0', '1'];
const SET = ['1', '1', '2', '2', '1', '1', '0'];
const reset = () => sh(KEYS.map((k, i) => `echo ${START[i]} > /proc/sys/${k}`).join('; '));

function config(restore: boolean) {
  return parseConfig(
    `
router: { asn: 65001, router-id: 10.0.0.1 }
control: { socket: ${join(dir, 'ctl.sock')} }
fib: { mode: kernel, netns: ${ns}, restore-sysctls: ${restore} }
neighbors: [{ name: t0-peer, address: 192.0.2.2, remote-asn: 65002, interface: t0, passive: true }]
`,
    'x.yaml',
  );
}

(root ? describe : describe.skip)('host settings: recorded, shown, put back on a clean stop', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bgpfo-hostrst-'));
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'add', 't0', 'type', 'veth', 'peer', 'name', 't0p']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    reset();
    expect(read()).toEqual(START);
  });

  const logger = pino({ level: 'silent' });
  const hostBefore = () => readFileSync('/proc/sys/net/ipv4/nexthop_compat_mode', 'utf8');

  test('a clean stop restores every setting the daemon changed', async () => {
    const host = hostBefore();
    const d = await startDaemon(config(true), logger, { bgpPort: false, autoFib: 'kernel' });
    try {
      expect(read()).toEqual(SET);
      const st = await d.status.getStatus();
      expect(st.router.hostSettings).toEqual(KEYS.map((k, i) => ({ key: k.replace(/\//g, '.'), from: START[i], to: SET[i], restore: true })));
      // An operator changes one of them while the daemon runs: that one is theirs now.
      sh('echo 0 > /proc/sys/net/ipv4/conf/t0/rp_filter');
    } finally {
      await d.shutdown();
    }
    expect(read()).toEqual(START.map((v, i) => (KEYS[i] === 'net/ipv4/conf/t0/rp_filter' ? '0' : v)));
    expect(hostBefore()).toBe(host);
  });

  test('fib.restore-sysctls false leaves them, and status says so', async () => {
    const d = await startDaemon(config(false), logger, { bgpPort: false, autoFib: 'kernel' });
    try {
      const h = (await d.status.getStatus()).router.hostSettings ?? [];
      expect(h.length).toBe(KEYS.length);
      expect(h.every((c) => c.restore === false)).toBe(true);
    } finally {
      await d.shutdown();
    }
    expect(read()).toEqual(SET);
  });

  test('a graceful-restart stop keeps them (forwarding goes on for the next run)', async () => {
    const d = await startDaemon(config(true), logger, { bgpPort: false, autoFib: 'kernel' });
    await d.shutdown({ gracefulRestart: true });
    expect(read()).toEqual(SET);
  });
});
