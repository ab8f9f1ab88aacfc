// The bring-up as data: every namespace, veth pair, address, WireGuard end and daemon a plan implies, in an
// order that works (namespaces, links, node setup, tunnels, daemons), with no shell and no untracked process.

import { labLayout } from '../../../src/lab/layout';
import { batchIpActions, labSteps, labSysctls, nodeNetworkCommands, findTunnel, findNode } from '../../../src/lab/steps';
import type { LabAction } from '../../../src/lab/steps';
import { AA4, AP8, plan, tempEnv } from './helpers';

const layout = (lab: string) => labLayout(lab, tempEnv());
const all = (steps: { actions: LabAction[] }[]) => steps.flatMap((s) => s.actions);

describe('labSteps', () => {
  const p = plan(AP8);
  const steps = labSteps(p, layout(p.lab));
  const actions = all(steps);

  it('walks namespaces, links, node setup, WireGuard ends, daemons in that order', () => {
    expect(steps.map((s) => s.actions[0].kind)).toEqual(['netns', 'cmd', 'cmd', 'wireguard', 'daemon']);
    expect(steps[0].title).toBe(`creating ${p.nodes.length} namespaces`);
  });

  it('creates one namespace per node, named by the plan', () => {
    expect(actions.filter((a) => a.kind === 'netns').map((a) => (a as { ns: string }).ns)).toEqual(p.nodes.map((n) => n.namespace));
  });

  it('creates every veth pair directly inside its two namespaces (names like "lan" would clash in the root one)', () => {
    const links = steps[1].actions as Extract<LabAction, { kind: 'cmd' }>[];
    expect(links).toHaveLength(p.links.length);
    for (const [i, l] of p.links.entries()) {
      const ns = (node: string) => p.nodes.find((n) => n.name === node)!.namespace;
      expect(links[i].ns).toBeUndefined();
      expect(links[i].argv).toEqual(['ip', 'link', 'add', 'name', l.a.ifname, 'netns', ns(l.a.node), 'type', 'veth', 'peer', 'name', l.b.ifname, 'netns', ns(l.b.node)]);
    }
  });

  it('gives every address of the plan to its interface, in the node\'s namespace', () => {
    const cmds = steps[2].actions as Extract<LabAction, { kind: 'cmd' }>[];
    for (const n of p.nodes) {
      for (const i of n.interfaces.filter((x) => x.kind !== 'wireguard')) {
        for (const a of i.addresses) expect(cmds).toContainEqual({ kind: 'cmd', node: n.name, ns: n.namespace, argv: ['ip', 'addr', 'add', a, 'dev', i.name] });
      }
    }
    // Policy routing of the two ISPs and the routes in their tables.
    const r1 = cmds.filter((c) => c.node === 'r1').map((c) => c.argv.join(' '));
    expect(r1).toContain('ip rule add fwmark 0x65 table 101 priority 1001');
    expect(r1).toContain('ip route replace 198.18.0.18/32 via 198.18.0.5 dev up-isp2 table 102');
  });

  it('leaves WireGuard and daemons to the realizer (which must own their pids): no wg-quick, setsid or shell', () => {
    const argvs = actions.filter((a) => a.kind === 'cmd').map((a) => (a as { argv: string[] }).argv);
    expect(argvs.some((a) => ['wg-quick', 'setsid', 'bird', 'sh'].includes(a[0]))).toBe(false);
    const wg = actions.filter((a) => a.kind === 'wireguard') as Extract<LabAction, { kind: 'wireguard' }>[];
    expect(wg.map((w) => w.ifname).sort()).toEqual(p.tunnels.flatMap((t) => [t.onprem.ifname, t.far.ifname]).sort());
    expect(wg[0].wgQuickFile).toMatch(/\/render\/nodes\/r1\/wireguard\/ap8-t1o\.conf$/);
  });

  it('starts the daemon each node runs, and none on hosts or the internet node', () => {
    const d = actions.filter((a) => a.kind === 'daemon') as Extract<LabAction, { kind: 'daemon' }>[];
    expect(d.map((x) => `${x.node}:${x.daemon}`)).toEqual(['hq-lan:bird', 'r1:bgpfo', 'r2:bgpfo', 'gw1:bird', 'gw2:bird', 'dc-lan:bird']);
    expect(steps[4].title).toBe('starting daemons: bird on hq-lan, gw1, gw2, dc-lan; bgpfo on r1, r2');
  });

  it('with veth tunnels there is no WireGuard step and the tunnels are veth pairs', () => {
    const v = plan(AA4, { tunnelType: 'veth' });
    const s = labSteps(v, layout(v.lab));
    expect(all(s).some((a) => a.kind === 'wireguard')).toBe(false);
    expect(s[1].actions).toHaveLength(v.links.length);
    expect(v.links.filter((l) => l.purpose === 'tunnel').map((l) => l.a.ifname)).toEqual(['aa4-t1o', 'aa4-t2o', 'aa4-t3o', 'aa4-t4o']);
  });
});

describe('labSysctls', () => {
  it('gives every namespace its own multipath hash seed, so consecutive ECMP stages do not polarize', () => {
    const p = plan(AA4);
    const seeds = p.nodes.map((n) => labSysctls(p, n)['net.ipv4.fib_multipath_hash_seed']);
    expect(new Set(seeds).size).toBe(p.nodes.length);
    expect(seeds.every((s) => Number(s) > 0)).toBe(true);
    // Deterministic: the same lab gets the same seeds.
    expect(labSysctls(p, p.nodes[0])).toEqual(labSysctls(plan(AA4), plan(AA4).nodes[0]));
  });
});

describe('nodeNetworkCommands', () => {
  it('keeps the plan\'s sysctls and sets the loopback up', () => {
    const p = plan(AA4);
    const cmds = nodeNetworkCommands(p, findNode(p, 'r1'), layout(p.lab)).map((a) => a.join(' '));
    expect(cmds[0]).toBe('ip link set lo up');
    expect(cmds).toContain('sysctl -qw net.ipv4.fib_multipath_hash_policy=1');
    expect(cmds).toContain('sysctl -qw net.ipv4.ip_forward=1');
  });
});

describe('batchIpActions', () => {
  it('runs each node\'s consecutive ip commands as one batch, in order; anything else splits them', () => {
    const p = plan(AP8);
    const steps = labSteps(p, layout(p.lab));
    // The links: one batch in the root namespace, every line naming its two namespaces.
    const links = batchIpActions(steps[1].actions);
    expect(links).toHaveLength(1);
    expect(links[0]).toEqual({ kind: 'ip-batch', lines: steps[1].actions.map((a) => (a as { argv: string[] }).argv.slice(1)) });
    // The node setup: per node, the sysctl call stays a command, the ip commands around it become batches.
    const setup = batchIpActions(steps[2].actions);
    const r1 = setup.filter((a) => 'node' in a && a.node === 'r1');
    const flat = r1.flatMap((a) => (a.kind === 'ip-batch' ? a.lines.map((l) => ['ip', ...l].join(' ')) : a.kind === 'cmd' ? [a.argv.join(' ')] : []));
    expect(flat).toEqual(steps[2].actions.filter((a) => 'node' in a && a.node === 'r1').map((a) => (a as { argv: string[] }).argv.join(' ')));
    expect(r1.length).toBeLessThan(flat.length / 3);
    expect(r1.every((a) => a.kind !== 'ip-batch' || a.ns === findNode(p, 'r1').namespace)).toBe(true);
  });

  it('leaves alone ip commands that pick their own namespace', () => {
    const a = { kind: 'cmd' as const, argv: ['ip', 'netns', 'add', 'x'] };
    const b = { kind: 'cmd' as const, argv: ['ip', '-n', 'x', 'link', 'show'] };
    expect(batchIpActions([a, b])).toEqual([a, b]);
  });
});

describe('labSysctls and IPv6', () => {
  it('an IPv4-only plan turns IPv6 off in its namespaces', () => {
    const p = plan(AA4);
    expect(labSysctls(p, p.nodes[0])).toMatchObject({ 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' });
  });
  it('a dual-stack plan turns it on, without duplicate address detection, keeping addresses on a downed link', () => {
    const p = plan(AA4);
    const n = p.nodes.find((x) => x.role === 'host')!;
    n.interfaces[0]!.addresses.push('2001:db8:20::a/64');
    expect(labSysctls(p, p.nodes[0])).toMatchObject({
      'net.ipv6.conf.all.disable_ipv6': '0',
      'net.ipv6.conf.default.accept_dad': '0',
      'net.ipv6.conf.all.accept_dad': '0',
      'net.ipv6.conf.default.keep_addr_on_down': '1',
      'net.ipv6.conf.all.accept_ra': '0',
    });
  });
});

describe('findTunnel / findNode', () => {
  const p = plan(AA4);
  it('finds a tunnel by name, id or either interface', () => {
    for (const key of ['r2-gw1-isp1', 't3', 'aa4-t3o', 'aa4-t3f']) expect(findTunnel(p, key).id).toBe('t3');
  });
  it('names the tunnels and nodes there are when asked for one that is not', () => {
    expect(() => findTunnel(p, 't9')).toThrow(/no tunnel t9 in lab aa4; tunnels: t1 r1-gw1-isp1, t2/);
    expect(() => findNode(p, 'r9')).toThrow(/no node r9 in lab aa4; nodes: hq-h1, hq-h2, hq-lan, r1/);
  });
});
