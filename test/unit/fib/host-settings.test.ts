// checkHostSettings over a fake sysctl tree: problems named with the fix, applied when asked,
// missing interfaces reported, the max(all, interface) rule for rp_filter respected.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkHostSettings } from '../../../src/fib/host-settings';

let root: string;
function set(path: string, value: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), value + '\n');
}
const get = (path: string): string => readFileSync(join(root, path), 'utf8').trim();

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bgpfo-sysctl-'));
  set('net/ipv4/ip_forward', '0');
  set('net/ipv6/conf/all/forwarding', '1');
  set('net/ipv4/conf/all/rp_filter', '1');
  set('net/ipv4/conf/wg-a/rp_filter', '2');
  set('net/ipv4/conf/wg.b/rp_filter', '0');
  set('net/ipv4/fib_multipath_hash_policy', '0');
  set('net/ipv6/fib_multipath_hash_policy', '1');
  set('net/ipv4/nexthop_compat_mode', '1');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('checkHostSettings', () => {
  it('names each wrong setting with the value it needs and why, changing nothing', async () => {
    const r = await checkHostSettings(['wg-a', 'wg.b'], { apply: false, procRoot: root });
    expect(r.ok).toBe(false);
    expect(r.changes).toEqual([]);
    expect(r.problems.map((p) => [p.key, p.actual, p.expected])).toEqual([
      ['net.ipv4.ip_forward', '0', '1'],
      ['net.ipv4.conf.all.rp_filter', '1', '2'],
      ['net.ipv4.conf.wg.b.rp_filter', '0', '2'],
      ['net.ipv4.fib_multipath_hash_policy', '0', '1'],
      ['net.ipv4.nexthop_compat_mode', '1', '0'],
    ]);
    expect(r.problems[1].message).toMatch(/replies may return over another.*sysctl -w net\.ipv4\.conf\.all\.rp_filter=2/);
    expect(get('net/ipv4/ip_forward')).toBe('0');
  });

  it('applies what is wrong and reports the changes', async () => {
    const r = await checkHostSettings(['wg-a', 'wg.b'], { apply: true, procRoot: root });
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.changes).toContainEqual({ key: 'net.ipv4.conf.wg.b.rp_filter', from: '0', to: '2' });
    expect(r.changes).toHaveLength(5);
    expect(get('net/ipv4/nexthop_compat_mode')).toBe('0');
    expect(get('net/ipv4/conf/wg.b/rp_filter')).toBe('2');
    expect(get('net/ipv4/fib_multipath_hash_policy')).toBe('1');
    expect((await checkHostSettings(['wg-a', 'wg.b'], { apply: false, procRoot: root })).ok).toBe(true);
  });

  it('reports a missing tunnel interface and a bad name instead of inventing settings', async () => {
    const r = await checkHostSettings(['wg-zz', 'bad/name'], { apply: true, procRoot: root });
    expect(r.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/"bad\/name" is not an interface name/), expect.stringMatching(/interface wg-zz does not exist/)]),
    );
  });
});
