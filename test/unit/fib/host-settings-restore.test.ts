// restoreHostSettings over a fake sysctl tree: what bgpfo changed is put back, newest first, but never over a value
// someone changed since, nor where the setting is gone; and how `bgpfo status` shows the changes.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StatusResponse } from '../../../src/api/types';
import { formatStatus } from '../../../src/cli/format';
import { checkHostSettings, restoreHostSettings } from '../../../src/fib/host-settings';

let root: string;
function set(path: string, value: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), value + '\n');
}
const get = (path: string): string => readFileSync(join(root, path), 'utf8').trim();

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bgpfo-sysctl-restore-'));
  set('net/ipv4/ip_forward', '0');
  set('net/ipv6/conf/all/forwarding', '0');
  set('net/ipv4/conf/all/rp_filter', '1');
  set('net/ipv4/conf/wg-a/rp_filter', '1');
  set('net/ipv4/conf/wg-b/rp_filter', '1');
  set('net/ipv4/fib_multipath_hash_policy', '0');
  set('net/ipv6/fib_multipath_hash_policy', '0');
  set('net/ipv4/nexthop_compat_mode', '1');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('a start changes what is wrong; a clean stop puts every one of them back', async () => {
  const applied = await checkHostSettings(['wg-a', 'wg-b'], { apply: true, procRoot: root });
  expect(applied.changes.map((c) => [c.key, c.from, c.to])).toEqual([
    ['net.ipv4.ip_forward', '0', '1'],
    ['net.ipv6.conf.all.forwarding', '0', '1'],
    ['net.ipv4.conf.all.rp_filter', '1', '2'],
    ['net.ipv4.conf.wg-a.rp_filter', '1', '2'],
    ['net.ipv4.conf.wg-b.rp_filter', '1', '2'],
    ['net.ipv4.fib_multipath_hash_policy', '0', '1'],
    ['net.ipv6.fib_multipath_hash_policy', '0', '1'],
    ['net.ipv4.nexthop_compat_mode', '1', '0'],
  ]);
  const r = await restoreHostSettings(applied.changes, { procRoot: root });
  expect(r.skipped).toEqual([]);
  expect(r.restored.map((c) => c.key)).toEqual(applied.changes.map((c) => c.key).reverse());
  expect([get('net/ipv4/ip_forward'), get('net/ipv6/conf/all/forwarding'), get('net/ipv4/conf/all/rp_filter'), get('net/ipv4/conf/wg-a/rp_filter')]).toEqual(['0', '0', '1', '1']);
  expect([get('net/ipv4/fib_multipath_hash_policy'), get('net/ipv4/nexthop_compat_mode')]).toEqual(['0', '1']);
});

test('an operator change since the start wins; a vanished interface and an unknown old value are skipped with the reason', async () => {
  const applied = await checkHostSettings(['wg-a', 'wg-b'], { apply: true, procRoot: root });
  set('net/ipv4/ip_forward', '1'); // what bgpfo set: restored
  set('net/ipv4/nexthop_compat_mode', '1'); // an operator put compat mode back on by hand
  rmSync(join(root, 'net/ipv4/conf/wg-b'), { recursive: true }); // the tunnel is gone
  const r = await restoreHostSettings([...applied.changes, { key: 'net.ipv6.conf.all.forwarding', from: null, to: '1' }], { procRoot: root });
  expect(get('net/ipv4/ip_forward')).toBe('0');
  expect(get('net/ipv4/nexthop_compat_mode')).toBe('1');
  expect(r.skipped).toEqual([
    { key: 'net.ipv6.conf.all.forwarding', reason: 'its value before bgpfo is unknown' },
    { key: 'net.ipv4.nexthop_compat_mode', reason: 'it was changed since bgpfo set it (now 1, bgpfo set 0): left as it is' },
    { key: 'net.ipv4.conf.wg-b.rp_filter', reason: 'it no longer exists (interface gone?)' },
  ]);
  expect(r.restored.map((c) => c.key)).not.toContain('net.ipv4.nexthop_compat_mode');
});

test('status lists the changed settings and says whether a stop puts them back', () => {
  const s: StatusResponse = {
    router: {
      asn: 65001,
      routerId: '10.0.0.1',
      version: '0.1.0',
      pid: 1,
      uptime: 5,
      listen: [],
      locRibPrefixes: 0,
      hostSettings: [
        { key: 'net.ipv4.ip_forward', from: '0', to: '1', restore: true },
        { key: 'net.ipv4.nexthop_compat_mode', from: '1', to: '0', restore: true },
      ],
    },
    sessions: [{ name: 'a', peer: '10.0.0.2', peerAsn: 65002, role: 'primary', state: 'Idle', uptime: null, families: ['ipv4-unicast'], prefixes: { received: 0, accepted: 0, advertised: 0 }, lastError: null, flaps: 0 }],
  };
  expect(formatStatus(s)).toContain('host settings changed by bgpfo (put back on a clean stop):\n  net.ipv4.ip_forward 0 -> 1\n  net.ipv4.nexthop_compat_mode 1 -> 0');
  s.router.hostSettings = s.router.hostSettings!.map((c) => ({ ...c, restore: false }));
  expect(formatStatus(s)).toContain('host settings changed by bgpfo (fib.restore-sysctls is off: they stay after a stop):\n  net.ipv4.ip_forward 0 -> 1 (kept after stop)');
});

test('status says which kernel FIB writer is in use, when there is a kernel FIB', () => {
  const router = { asn: 65001, routerId: '10.0.0.1', version: '0.1.0', pid: 1, uptime: 5, listen: [], locRibPrefixes: 0 };
  const sessions: StatusResponse['sessions'] = [{ name: 'a', peer: '10.0.0.2', peerAsn: 65002, role: 'primary', state: 'Idle', uptime: null, families: ['ipv4-unicast'], prefixes: { received: 0, accepted: 0, advertised: 0 }, lastError: null, flaps: 0 }];
  expect(formatStatus({ router: { ...router, fibWriter: 'ip-batch' }, sessions }).split('\n')[0]).toBe('bgpfo 0.1.0  AS 65001  router-id 10.0.0.1  up 5s  pid 1  fib writer ip-batch');
  expect(formatStatus({ router, sessions }).split('\n')[0]).not.toContain('fib writer');
});
