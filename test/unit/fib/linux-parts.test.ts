// The Linux dataplane's pure parts and the ip -batch driver (against a stand-in `ip` script):
// batch lines, line accounting across batches, failures, a dying child; JSON streaming; link events.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpBatch } from '../../../src/fib/ip-batch';
import { JsonArrayScanner, LinuxDataplane, dstToPrefix, parseLinkEvent } from '../../../src/fib/linux-dataplane';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bgpfo-fib-'));
  // Behaves like `ip -force -batch -`: refuses lines containing FAIL, dies on DIE, logs lines to a file.
  writeFileSync(
    join(dir, 'ip'),
    `#!/bin/bash
n=0
while IFS= read -r line; do
  n=$((n+1))
  echo "$line" >> "${dir}/lines"
  case "$line" in
    *DIE*) exit 3 ;;
    *FAIL*) echo "Error: refused $line" >&2; echo "Command failed -:$n" >&2 ;;
    "link show dev bgpfo.batch.sentinel") echo 'Device "bgpfo.batch.sentinel" does not exist.' >&2; echo "Command failed -:$n" >&2 ;;
  esac
done
`,
  );
  chmodSync(join(dir, 'ip'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IpBatch', () => {
  it('reports refused lines by index, batch after batch, and survives a dead child', async () => {
    const b = new IpBatch({ ipPath: join(dir, 'ip') });
    expect(await b.run(['a', 'b FAIL', 'c'])).toEqual([{ index: 1, message: 'Error: refused b FAIL' }]);
    const [x, y] = await Promise.all([b.run(['FAIL d', 'e']), b.run(['f', 'g', 'FAIL h'])]);
    expect(x).toEqual([{ index: 0, message: 'Error: refused FAIL d' }]);
    expect(y).toEqual([{ index: 2, message: 'Error: refused FAIL h' }]);
    await expect(b.run(['i', 'DIE'])).rejects.toThrow(/exited \(3\)/);
    expect(await b.run(['j FAIL'])).toEqual([{ index: 0, message: 'Error: refused j FAIL' }]);
    await b.close();
    await expect(b.run(['k'])).rejects.toThrow(/closed/);
  });
});

describe('LinuxDataplane lines', () => {
  it('writes ops as ip batch lines with our table, protocol and metric', async () => {
    const dp = new LinuxDataplane({ ipPath: join(dir, 'ip'), table: 100, protocol: 201, metric: 20, watchLinks: false, writer: 'ip-batch' });
    expect(dp.describe({ kind: 'nh', id: 5, gateway: 'fd00::2', ifname: 'wg0' })).toBe('nexthop replace id 5 via fd00::2 dev wg0 proto 201');
    expect(dp.describe({ kind: 'group', id: 9, members: [5, 6] })).toBe('nexthop replace id 9 group 5/6 proto 201');
    expect(dp.describe({ kind: 'route-add', prefix: '10.0.0.0/8', nhid: 9 })).toBe('route add 10.0.0.0/8 nhid 9 table 100 proto 201 metric 20');
    expect(dp.describe({ kind: 'route-del', prefix: '10.0.0.0/8', metric: 0 })).toBe('route del 10.0.0.0/8 table 100 proto 201 metric 0');
    expect(dp.describe({ kind: 'nh-del', id: 9 })).toBe('nexthop del id 9');
    await dp.close();
  });
});

describe('LinuxDataplane writer choice', () => {
  const saved = process.env.BGPFO_NETLINK_HELPER;
  afterEach(() => {
    if (saved === undefined) delete process.env.BGPFO_NETLINK_HELPER;
    else process.env.BGPFO_NETLINK_HELPER = saved;
  });

  it('falls back to ip -batch, saying why, when the netlink helper is not there; refuses when netlink was asked for', async () => {
    process.env.BGPFO_NETLINK_HELPER = join(dir, 'no-such-helper');
    const dp = new LinuxDataplane({ ipPath: join(dir, 'ip'), watchLinks: false });
    expect(dp.writer.name).toBe('ip-batch');
    expect(dp.writerReason).toMatch(/the helper is not built \(looked for .*no-such-helper/);
    await dp.close();
    expect(() => new LinuxDataplane({ ipPath: join(dir, 'ip'), watchLinks: false, writer: 'netlink' })).toThrow(/netlink FIB writer was asked for, but the helper is not built/);
  });

  it('falls back when the helper is there but does not run here', async () => {
    writeFileSync(join(dir, 'broken-helper'), '#!/bin/sh\necho "cannot run: wrong machine" >&2\nexit 1\n');
    chmodSync(join(dir, 'broken-helper'), 0o755);
    process.env.BGPFO_NETLINK_HELPER = join(dir, 'broken-helper');
    const dp = new LinuxDataplane({ ipPath: join(dir, 'ip'), watchLinks: false });
    expect(dp.writer.name).toBe('ip-batch');
    expect(dp.writerReason).toMatch(/broken-helper --probe failed: cannot run: wrong machine/);
    await dp.close();
  });
});

describe('JsonArrayScanner', () => {
  it('yields each element of an array streamed in arbitrary pieces, strings with braces included', () => {
    const items = [{ dst: '10.0.0.0/24', nhid: 1, flags: [] }, { id: 2, group: [{ id: 3 }, { id: 4 }], note: 'a }{ "quoted" \\ ]' }, {}];
    const text = JSON.stringify(items);
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const got: unknown[] = [];
      const s = new JsonArrayScanner((o) => got.push(o));
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      expect(got).toEqual(items);
    }
  });
});

describe('ip output parsing', () => {
  it('reads link usability from ip -o monitor link', () => {
    expect(parseLinkEvent('3: vb@if3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN')).toEqual({ ifname: 'vb', usable: false });
    expect(parseLinkEvent('3: vb@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500')).toEqual({ ifname: 'vb', usable: true });
    expect(parseLinkEvent('7: wg-a: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420')).toEqual({ ifname: 'wg-a', usable: true });
    expect(parseLinkEvent('Deleted 5: dx@NONE: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500')).toEqual({ ifname: 'dx', usable: false });
    expect(parseLinkEvent('    link/ether 16:de:0d')).toBeUndefined();
  });

  it('turns ip route dst forms into prefixes', () => {
    expect(dstToPrefix('default', false)).toBe('0.0.0.0/0');
    expect(dstToPrefix('default', true)).toBe('::/0');
    expect(dstToPrefix('192.0.2.1', false)).toBe('192.0.2.1/32');
    expect(dstToPrefix('2001:db8::1', true)).toBe('2001:db8::1/128');
    expect(dstToPrefix('10.0.0.0/8', false)).toBe('10.0.0.0/8');
  });
});
