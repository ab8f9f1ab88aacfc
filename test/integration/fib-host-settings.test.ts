// checkHostSettings against a real network namespace (root): reads and writes happen inside it,
// the host's own settings stay as they were. Issue item 6.

import { readFileSync } from 'node:fs';
import { checkHostSettings } from '../../src/fib/host-settings';

describe('checkHostSettings in a network namespace', () => {
  const root = process.getuid?.() === 0;
  (root ? it : it.skip)('reads and applies inside the namespace, not the host', async () => {
    const { execFileSync } = await import('node:child_process');
    const ns = `bgpfo-fib-sysctl-${process.pid % 10000}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      // A new namespace copies the root's IPv4 settings (devconf_inherit_init_net 0) and a machine running Docker
      // forwards: start from what a fresh router has, forwarding off and strict rp_filter on lo.
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=0', 'net.ipv4.conf.lo.rp_filter=1']);
      const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
      const hostRpFilter = readFileSync('/proc/sys/net/ipv4/conf/lo/rp_filter', 'utf8').trim();
      const before = await checkHostSettings(['lo'], { apply: false, netns: ns });
      expect(before.problems.map((p) => p.key)).toContain('net.ipv4.ip_forward');
      const applied = await checkHostSettings(['lo'], { apply: true, netns: ns });
      expect(applied).toMatchObject({ ok: true, problems: [] });
      expect(applied.changes.map((c) => c.key)).toContain('net.ipv4.conf.lo.rp_filter');
      expect((await checkHostSettings(['lo'], { apply: false, netns: ns })).ok).toBe(true);
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe(hostForward);
      expect(readFileSync('/proc/sys/net/ipv4/conf/lo/rp_filter', 'utf8').trim()).toBe(hostRpFilter);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
