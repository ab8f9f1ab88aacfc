// The netlink FIB writer in network namespaces (root): it is the default once built; routes and nexthop groups of
// both families are installed, replaced, failed over and removed through it, leaving the kernel exactly as the
// ip -batch writer leaves it; every kernel refusal lands on the op (and the route) that caused it, also inside large
// batches that span many sendmsg calls; answers lost to a receive-buffer overrun fail the batch as unknown.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxDataplane } from '../../src/fib/linux-dataplane';
import { findNetlinkHelper, NetlinkChannel } from '../../src/fib/netlink-writer';
import { LinuxFib } from '../../src/fib/linux-fib';
import type { KernelOp } from '../../src/fib/dataplane';
import type { FibRoute, NextHop } from '../../src/fib/types';
import { createLab, ip, ipJson, isRoot, type FibLab } from './fib-netns';

const TABLE = 100;
const PROTO = 201;
const d = isRoot() ? describe : describe.skip;
jest.setTimeout(120_000);

/** Everything of ours in the namespace as `ip -json` prints it: nexthop objects, then routes of both families. */
function kernelState(lab: FibLab): unknown[] {
  const table = ['table', String(TABLE)];
  const routes = (fam: string): unknown[] => {
    try {
      return ipJson<unknown[]>(lab.router, fam, '-d', 'route', 'show', ...table);
    } catch (e) {
      if (/table does not exist/.test(String((e as { stderr?: string }).stderr))) return [];
      throw e;
    }
  };
  return [ipJson<unknown[]>(lab.router, 'nexthop', 'show', 'proto', String(PROTO)), routes('-4'), routes('-6')];
}

function block(second: number, count: number, tiers: NextHop[][]): FibRoute[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `10.${second}.${i}.0/24`, tiers }));
}

d('netlink FIB writer in a namespace', () => {
  let lab: FibLab;
  const fibs: LinuxFib[] = [];
  const open = (writer?: 'netlink' | 'ip-batch'): LinuxFib => {
    const f = new LinuxFib({ netns: lab.router, table: TABLE, protocol: PROTO, ...(writer ? { writer } : {}) });
    fibs.push(f);
    return f;
  };

  beforeAll(() => {
    // The helper as `npm run build` makes it (a no-op when current), for a run of this file alone.
    execFileSync('sh', [join(__dirname, '..', '..', 'src', 'fib', 'native', 'build.sh')]);
    lab = createLab(`nl${process.pid % 10000}`);
  });
  afterEach(async () => {
    for (const f of fibs.splice(0)) await f.close({ flush: true }).catch(() => undefined);
  });
  afterAll(() => lab?.destroy());

  it('is the default writer once built', () => {
    expect(open().writer).toBe('netlink');
  });

  it('installs, replaces, fails over and removes routes and groups of both families, leaving the kernel as ip -batch does', async () => {
    const { A, B, C, D } = lab.hops;
    const v6 = lab.hops6;
    const states: unknown[][][] = [];
    for (const writer of ['ip-batch', 'netlink'] as const) {
      const f = open(writer);
      expect(f.writer).toBe(writer);
      expect((await f.reconcile()).errors).toEqual([]);
      const steps: unknown[][] = [];
      const ok = (r: { errors: unknown[] }): void => expect({ writer, errors: r.errors }).toEqual({ writer, errors: [] });
      // Install: ECMP groups with backup tiers, single next hops, IPv6 groups and a lone IPv6 next hop.
      ok(
        await f.replaceRoutes([
          ...block(1, 200, [[A, B], [C]]),
          ...block(2, 200, [[D]]),
          { prefix: '2001:db8::/32', tiers: [[v6.A, v6.B]] },
          { prefix: '2001:db8:1::/48', tiers: [[v6.B]] },
          { prefix: '0.0.0.0/0', tiers: [[A]] },
        ]),
      );
      steps.push(kernelState(lab));
      // Replace: prefixes move to other groups (route replace), a new group appears.
      ok(await f.replaceRoutes([...block(1, 100, [[C, D]]), { prefix: '2001:db8::/32', tiers: [[v6.B], [v6.A]] }]));
      steps.push(kernelState(lab));
      // Failover: group membership rewritten in place, down to the blackhole of each family.
      ok(await f.nexthopDown('tun-a'));
      ok(await f.nexthopDown('tun-b'));
      steps.push(kernelState(lab));
      ok(await f.nexthopUp('tun-a'));
      ok(await f.nexthopUp('tun-b'));
      // Remove: routes go, groups and next hops no route uses go with them.
      ok(await f.removeRoutes([...block(2, 200, []).map((r) => r.prefix), '2001:db8:1::/48', '0.0.0.0/0']));
      steps.push(kernelState(lab));
      await f.close({ flush: true });
      steps.push(kernelState(lab));
      states.push(steps);
    }
    const [viaIp, viaNetlink] = states;
    // Not vacuous: each step has what it should.
    const routes4 = (s: unknown[]): number => (s[1] as unknown[]).length;
    expect(viaNetlink.map(routes4)).toEqual([401, 401, 401, 200, 0]);
    expect((viaNetlink[0][2] as unknown[]).length).toBe(2);
    expect(JSON.stringify(viaNetlink[2][0])).toContain('"blackhole"');
    expect(viaNetlink[4][0]).toEqual([]);
    expect(viaNetlink).toEqual(viaIp);
  });

  it('matches each refusal to the route that caused it, through the FIB', async () => {
    const { A, B } = lab.hops;
    const f = open('netlink');
    await f.reconcile();
    expect((await f.replaceRoutes(block(1, 10, [[A, B]]))).errors).toEqual([]);
    const g = f.snapshot().groups.find((x) => x.kind === 'group')!.id;
    ip(lab.router, 'nexthop', 'del', 'id', String(g)); // behind the FIB's back: its routes go with it
    const r = await f.replaceRoutes([{ prefix: '10.9.0.0/24', tiers: [[A]] }, { prefix: '10.9.1.0/24', tiers: [[A, B]] }, { prefix: '10.9.2.0/24', tiers: [[B]] }]);
    expect(r.errors).toEqual([
      {
        code: 'FIB_KERNEL_REJECTED',
        prefix: '10.9.1.0/24',
        message: 'Error: Nexthop id does not exist.',
        op: `route add 10.9.1.0/24 nhid ${g} table ${TABLE} proto ${PROTO} metric 20`,
      },
    ]);
    expect(f.snapshot().routes!.get('10.9.1.0/24')).toEqual({ nhid: 0, groupId: g });
    expect(f.snapshot().routes!.get('10.9.2.0/24')!.nhid).not.toBe(0);
  });

  it('matches refusals inside batches of many sendmsg calls, for both families', async () => {
    const dp = new LinuxDataplane({ netns: lab.router, table: TABLE, protocol: PROTO, watchLinks: false, writer: 'netlink' });
    try {
      const nh4 = 0x0f000102;
      const nh6 = 0x0f000103;
      expect(
        await dp.applyObjects([
          { kind: 'nh', id: nh4, gateway: lab.hops.A.gateway, ifname: lab.hops.A.ifname },
          { kind: 'nh', id: nh6, gateway: lab.hops6.A.gateway, ifname: lab.hops6.A.ifname },
          { kind: 'nh', id: 0x0f000104, gateway: lab.hops.A.gateway, ifname: 'nosuch0' },
        ]),
      ).toEqual([{ index: 2, message: 'Cannot find device "nosuch0"' }]);
      // 30,000 routes (about 30 sends of 1,024): every 1,000th points at an id that does not exist, every 1,500th is
      // IPv6 over the IPv4 next hop; the rest succeed.
      const ops: KernelOp[] = [];
      const expected: { index: number; message: string }[] = [];
      for (let i = 0; i < 30_000; i++) {
        if (i % 1500 === 7) {
          ops.push({ kind: 'route-add', prefix: `2001:db8:${i.toString(16)}::/48`, nhid: nh4 });
          expected.push({ index: i, message: 'Error: IPv6 routes can not use an IPv4 nexthop.' });
        } else if (i % 1000 === 999) {
          ops.push({ kind: 'route-add', prefix: `30.${i >> 8}.${i & 255}.0/24`, nhid: 0x0f0000ff });
          expected.push({ index: i, message: 'Error: Nexthop id does not exist.' });
        } else if (i % 3 === 0) {
          ops.push({ kind: 'route-add', prefix: `fd10:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`, nhid: nh6 });
        } else {
          ops.push({ kind: 'route-add', prefix: `30.${i >> 8}.${i & 255}.0/24`, nhid: nh4 });
        }
      }
      expect(await dp.applyRoutes(ops)).toEqual(expected);
      const installed = await dp.readRoutes();
      expect(installed).toHaveLength(30_000 - expected.length);
      // Deleting them all, and twice the last: the kernel's "No such process" lands on the repeated delete alone.
      const dels: KernelOp[] = ops.flatMap((o, i) => (expected.some((e) => e.index === i) || o.kind !== 'route-add' ? [] : [{ kind: 'route-del', prefix: o.prefix }]));
      dels.push(dels[dels.length - 1]);
      expect(await dp.applyRoutes(dels)).toEqual([{ index: dels.length - 1, message: 'RTNETLINK answers: No such process' }]);
      expect(await dp.readRoutes()).toEqual([]);
    } finally {
      await dp.applyObjects([{ kind: 'nh-del', id: 0x0f000102 }, { kind: 'nh-del', id: 0x0f000103 }]);
      await dp.close();
    }
  });

  it('reports a receive-buffer overrun as lost answers (the batch fails as unknown), never as success', async () => {
    const real = findNetlinkHelper(lab.router).path!;
    const dir = mkdtempSync(join(tmpdir(), 'bgpfo-nl-'));
    const small = join(dir, 'helper');
    // The real helper with a receive buffer far too small for 3,000 refusals in sends of 1,024.
    writeFileSync(small, `#!/bin/sh\nexec ${real} --rcvbuf 4096 "$@"\n`);
    chmodSync(small, 0o755);
    const ch = new NetlinkChannel({ helperPath: small, netns: lab.router });
    try {
      const ops: KernelOp[] = Array.from({ length: 3000 }, (_, i) => ({ kind: 'route-add', prefix: `31.${i >> 8}.${i & 255}.0/24`, nhid: 0x0f0000ff }));
      await expect(ch.run(ops, { table: TABLE, protocol: PROTO, metric: 20 })).rejects.toThrow(/exited \(3\): bgpfo-netlink: netlink receive buffer overrun/);
      // A small batch fits: the next helper answers it in full.
      expect(await ch.run(ops.slice(0, 2), { table: TABLE, protocol: PROTO, metric: 20 })).toEqual([
        { index: 0, message: 'Error: Nexthop id does not exist.' },
        { index: 1, message: 'Error: Nexthop id does not exist.' },
      ]);
    } finally {
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
