// Plan builders: the four- and eight-tunnel meshes, the LAN side without a single point of failure,
// addressing, names, determinism, and the invariants a realizer relies on (checked on random topologies).

import fc from 'fast-check';
import { join } from 'node:path';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { parseCidr } from '../../../src/orchestrator/plan/ipv4';
import { sessionsOf } from '../../../src/orchestrator/plan/sessions';
import type { Plan } from '../../../src/orchestrator/plan/types';
import { loadTopology, parseTopology } from '../../../src/orchestrator/topology/load';
import { BASE, edit, lineOf, ROOT, topologyError } from './helpers';

const plan = (text: string) => buildPlan(parseTopology(text, 'topo.yaml'));
const shipped = (name: string) => buildPlan(loadTopology(join(ROOT, 'topologies', `${name}.yaml`)));
const TWO_ISPS = edit(BASE, 'mode: active-active', 'mode: active-passive').replace('  - name: isp1\n    role: primary\n', '  - name: isp1\n    role: primary\n  - name: isp2\n    role: backup\n');

/** The network address and length of an interface address. */
function subnet(cidr: string): string {
  const c = parseCidr(cidr, false)!;
  return `${c.addr - (c.addr % 2 ** (32 - c.length))}/${c.length}`;
}

/** Everything a realizer walks must refer to things that exist; addresses and names must not clash. */
function checkInvariants(p: Plan) {
  const node = (name: string) => {
    const n = p.nodes.find((x) => x.name === name);
    expect(n).toBeDefined();
    return n!;
  };
  const iface = (nodeName: string, ifname: string) => {
    const i = node(nodeName).interfaces.find((x) => x.name === ifname);
    expect(i).toBeDefined();
    return i!;
  };
  // Links: both ends exist, carry the link's id, and (when addressed) share a subnet.
  for (const l of p.links) {
    const a = iface(l.a.node, l.a.ifname);
    const b = iface(l.b.node, l.b.ifname);
    expect([a.link, b.link]).toEqual([l.id, l.id]);
    if (a.addresses.length && b.addresses.length) expect(subnet(a.addresses[0])).toBe(subnet(b.addresses[0]));
  }
  // Every veth interface belongs to exactly one link.
  for (const n of p.nodes) for (const i of n.interfaces.filter((x) => x.kind === 'veth')) expect(p.links.filter((l) => l.id === i.link)).toHaveLength(1);
  // Tunnels: ends exist with the inner address, in one /30, and the far end is .1.
  for (const t of p.tunnels) {
    expect(iface(t.onprem.node, t.onprem.ifname).addresses).toEqual([t.onprem.inner]);
    expect(iface(t.far.node, t.far.ifname).addresses).toEqual([t.far.inner]);
    expect(subnet(t.onprem.inner)).toBe(subnet(t.far.inner));
    expect(t.innerPrefix.endsWith('/30')).toBe(true);
  }
  // Sessions: each end's address is on its node, and both ends on one connected subnet.
  for (const s of p.sessions) {
    const owner = (end: { node: string; address: string }) => node(end.node).interfaces.find((i) => i.addresses.some((a) => a.split('/')[0] === end.address));
    const a = owner(s.a);
    const b = owner(s.b);
    expect(a && b).toBeTruthy();
    expect(subnet(a!.addresses[0])).toBe(subnet(b!.addresses[0]));
  }
  // Routes leave through interfaces that exist, towards a gateway on that interface's subnet.
  for (const n of p.nodes) {
    for (const r of n.routes) {
      const dev = iface(n.name, r.dev);
      expect(dev.addresses.some((a) => subnet(a) === subnet(`${r.via}/${a.split('/')[1]}`))).toBe(true);
    }
  }
  // Names: interface names fit and are unique per node; WireGuard names unique on the machine.
  const wg = new Set<string>();
  for (const n of p.nodes) {
    const names = n.interfaces.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(15);
    for (const i of n.interfaces.filter((x) => x.kind === 'wireguard')) {
      expect(wg.has(i.name)).toBe(false);
      wg.add(i.name);
    }
    expect(n.namespace).toBe(`bgpfo-${p.lab}-${n.name}`);
  }
  // Addresses: one owner each, except ISP gateways repeated on the internet node.
  const seen = new Map<string, string>();
  for (const n of p.nodes.filter((x) => x.role !== 'internet')) {
    for (const a of n.interfaces.flatMap((i) => i.addresses.map((x) => x.split('/')[0]))) {
      expect(seen.get(a)).toBeUndefined();
      seen.set(a, n.name);
    }
  }
  // No single point of failure: the LAN router peers with every edge; every pair of edges peers over iBGP.
  for (const site of ['onprem', 'far'] as const) {
    const { lanRouter, edges } = p.sites[site];
    const lanPeers = sessionsOf(p.sessions, lanRouter).map((e) => e.remote.node).sort();
    expect(lanPeers).toEqual([...edges].sort());
    for (const e of edges) {
      const twins = sessionsOf(p.sessions, e).filter((x) => x.session.ibgp).map((x) => x.remote.node);
      expect(twins.sort()).toEqual(edges.filter((x) => x !== e).sort());
    }
  }
}

describe('the four-tunnel active/active plan', () => {
  const p = shipped('four-tunnel-active-active');

  it('meshes 2 routers x 2 gateways over one ISP, all primary', () => {
    expect(p.tunnels.map((t) => [t.id, t.onprem.node, t.far.node, t.isp, t.role])).toEqual([
      ['t1', 'r1', 'gw1', 'isp1', 'primary'],
      ['t2', 'r1', 'gw2', 'isp1', 'primary'],
      ['t3', 'r2', 'gw1', 'isp1', 'primary'],
      ['t4', 'r2', 'gw2', 'isp1', 'primary'],
    ]);
  });

  it('takes inner /30s from the APIPA range in order, far end .1, on-prem end .2', () => {
    expect(p.tunnels.map((t) => [t.innerPrefix, t.far.inner, t.onprem.inner])).toEqual([
      ['169.254.21.0/30', '169.254.21.1/30', '169.254.21.2/30'],
      ['169.254.21.4/30', '169.254.21.5/30', '169.254.21.6/30'],
      ['169.254.21.8/30', '169.254.21.9/30', '169.254.21.10/30'],
      ['169.254.21.12/30', '169.254.21.13/30', '169.254.21.14/30'],
    ]);
  });

  it('runs eBGP over each tunnel without prepends, iBGP between twins, eBGP to each LAN router', () => {
    const kinds = p.sessions.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'tunnel')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'ibgp')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'lan')).toHaveLength(4);
    for (const s of p.sessions.filter((x) => x.kind === 'tunnel')) {
      expect([s.a.prepend, s.b.prepend, s.a.localPref, s.b.localPref]).toEqual([0, 0, 100, 100]);
      expect([s.a.liveness, s.b.liveness]).toEqual(['bfd', 'bfd']);
    }
    for (const s of p.sessions.filter((x) => x.ibgp)) expect([s.a.nextHopSelf, s.b.nextHopSelf]).toEqual([true, true]);
  });

  it('exports only the site prefixes each way', () => {
    const r1 = sessionsOf(p.sessions, 'r1');
    const tunnel = r1.find((e) => e.session.kind === 'tunnel')!.local;
    expect([tunnel.import, tunnel.exportLearned]).toEqual([['10.20.0.0/16 le 32'], ['10.10.0.0/16 le 32']]);
    const lan = r1.find((e) => e.session.kind === 'lan')!.local;
    expect([lan.import, lan.exportLearned]).toEqual([['10.10.0.0/16 le 32'], ['10.20.0.0/16 le 32']]);
    expect(p.nodes.find((n) => n.name === 'hq-lan')!.originate).toEqual(['10.10.0.0/16']);
  });

  it('needs no policy routing with one ISP', () => {
    for (const n of p.nodes) expect(n.rules).toEqual([]);
    expect(p.tunnels.every((t) => t.onprem.fwmark === undefined)).toBe(true);
  });

  it('expects test traffic on all four tunnels', () => {
    for (const c of p.testClients) expect(c.expectTunnels).toHaveLength(4);
    expect(p.testClients[0]).toMatchObject({ from: { node: 'hq-h1', address: '10.10.0.10' }, to: { node: 'dc-h1', address: '10.20.0.10' } });
  });

  it('holds every invariant', () => checkInvariants(p));
});

describe('the eight-tunnel active/passive plan', () => {
  const p = shipped('eight-tunnel-active-passive');

  it('repeats the mesh over the backup ISP', () => {
    expect(p.tunnels).toHaveLength(8);
    expect(p.tunnels.slice(4).map((t) => [t.id, t.name, t.role])).toEqual([
      ['t5', 'r1-gw1-isp2', 'backup'],
      ['t6', 'r1-gw2-isp2', 'backup'],
      ['t7', 'r2-gw1-isp2', 'backup'],
      ['t8', 'r2-gw2-isp2', 'backup'],
    ]);
  });

  it('prepends and lowers LOCAL_PREF on both ends of the backup tunnels only', () => {
    for (const s of p.sessions.filter((x) => x.kind === 'tunnel')) {
      const backup = s.role === 'backup';
      expect([s.a.prepend, s.b.prepend]).toEqual(backup ? [2, 2] : [0, 0]);
      expect([s.a.localPref, s.b.localPref]).toEqual(backup ? [50, 50] : [100, 100]);
    }
  });

  it('sends each ISP\'s tunnels out of that ISP by socket mark', () => {
    const r1 = p.nodes.find((n) => n.name === 'r1')!;
    expect(r1.rules).toEqual([
      { priority: 1001, fwmark: 101, table: 101 },
      { priority: 1002, fwmark: 102, table: 102 },
    ]);
    expect(r1.routes.filter((r) => r.table === 102).map((r) => r.dev)).toEqual(['up-isp2', 'up-isp2']);
    expect(p.tunnels.map((t) => t.onprem.fwmark)).toEqual([101, 101, 101, 101, 102, 102, 102, 102]);
    expect(r1.sysctls['net.ipv4.conf.all.src_valid_mark']).toBe('1');
  });

  it('expects test traffic on ISP 1 only', () => {
    expect(p.testClients[0].expectTunnels).toEqual(['r1-gw1-isp1', 'r1-gw2-isp1', 'r2-gw1-isp1', 'r2-gw2-isp1']);
  });

  it('holds every invariant', () => checkInvariants(p));
});

describe('the cloud-gateway plan', () => {
  const p = shipped('cloud-gateway');

  it('gives cloud tunnels fixed 60/180 s timers, no BFD, and no far-side policy', () => {
    for (const s of p.sessions.filter((x) => x.kind === 'tunnel')) {
      expect([s.keepalive, s.holdTime, s.fixedTimers]).toEqual([60, 180, true]);
      expect([s.a.liveness, s.b.liveness]).toEqual(['probe', 'none']);
      expect([s.b.prepend, s.b.localPref]).toEqual([0, 100]);
    }
    expect(p.nodes.filter((n) => n.role === 'far-gateway').map((n) => [n.runs, n.emulates])).toEqual([
      ['frr', 'cloud-gateway'],
      ['frr', 'cloud-gateway'],
    ]);
  });

  it('keeps the topology\'s timers on LAN and iBGP sessions', () => {
    for (const s of p.sessions.filter((x) => x.kind !== 'tunnel')) expect([s.keepalive, s.holdTime]).toEqual([10, 30]);
  });

  it('holds every invariant', () => checkInvariants(p));
});

describe('addressing', () => {
  it('reports an exhausted inner pool at its line, with the size that would fit', () => {
    const text = edit(BASE, 'isps:', 'addressing:\n  inner-pool: 169.254.30.0/29\nisps:');
    const e = topologyError(() => plan(text));
    expect(e.issues).toEqual([
      {
        line: lineOf(text, 'inner-pool'),
        path: 'addressing.inner-pool',
        message: '169.254.30.0/29 holds 2 /30 blocks but the plan needs 4 (one per tunnel: 2 routers x 2 gateways x 1 ISP)',
        fix: 'use a pool of at least a /28 (4 /30s)',
      },
    ]);
  });

  it('reports an exhausted transit pool too', () => {
    const e = topologyError(() => plan(edit(BASE, 'isps:', 'addressing:\n  transit-pool: 10.99.0.0/28\nisps:')));
    expect(e.issues.map((i) => [i.path, i.fix])).toEqual([['addressing.transit-pool', 'use a pool of at least a /27 (6 /30s)']]);
  });

  it('uses a configured list of pools, in order', () => {
    const p = plan(edit(BASE, 'isps:', 'addressing:\n  inner-pool: [169.254.40.0/29, 169.254.50.0/29]\nisps:'));
    expect(p.tunnels.map((t) => t.innerPrefix)).toEqual(['169.254.40.0/30', '169.254.40.4/30', '169.254.50.0/30', '169.254.50.4/30']);
  });

  it('skips the /30s AWS reserves inside 169.254.0.0/16', () => {
    const p = plan(edit(BASE, 'isps:', 'addressing:\n  inner-pool: 169.254.0.0/21\nisps:'));
    // 169.254.0.0/30 .. 169.254.5.0/30 are refused by AWS; the next /30s of those /24s are fine.
    expect(p.tunnels.map((t) => t.innerPrefix)).toEqual(['169.254.0.4/30', '169.254.0.8/30', '169.254.0.12/30', '169.254.0.16/30']);
  });

  it('uses real uplink addresses where given and lab ones elsewhere', () => {
    const text = edit(BASE, '- name: r1', '- name: r1\n  uplinks:\n    - { isp: isp1, address: 203.0.113.2/30, gateway: 203.0.113.1 }');
    const p = plan(text);
    expect(p.tunnels.filter((t) => t.onprem.node === 'r1').map((t) => t.onprem.underlay)).toEqual(['203.0.113.2', '203.0.113.2']);
    expect(p.tunnels.filter((t) => t.onprem.node === 'r2').map((t) => t.onprem.underlay)).toEqual(['198.18.0.2', '198.18.0.2']);
    expect(p.nodes.find((n) => n.name === 'internet')!.interfaces.find((i) => i.name === 'r1-isp1')!.addresses).toEqual(['203.0.113.1/30']);
  });

  it('has no underlay with veth tunnels', () => {
    const p = plan(edit(BASE, 'type: wireguard', 'type: veth'));
    expect(p.nodes.some((n) => n.role === 'internet')).toBe(false);
    expect(p.links.filter((l) => l.purpose === 'tunnel').map((l) => [l.a.ifname, l.b.ifname, l.isp])).toEqual([
      ['t-t1o', 't-t1f', 'isp1'],
      ['t-t2o', 't-t2f', 'isp1'],
      ['t-t3o', 't-t3f', 'isp1'],
      ['t-t4o', 't-t4f', 'isp1'],
    ]);
    checkInvariants(p);
  });
});

describe('names', () => {
  it('refuses an interface name over 15 characters, naming the fields to shorten', () => {
    const text = edit(edit(BASE, '- name: r1', '- name: router-one'), '- name: isp1', '- name: comcast1');
    const e = topologyError(() => plan(text));
    expect(e.issues).toEqual([
      {
        line: lineOf(text, 'router-one'),
        path: 'onprem.routers[0].name',
        message: 'interface name "router-one-comcast1" on internet is 19 characters; Linux allows 15',
        fix: 'shorten onprem.routers[0].name ("router-one") or isps[0].name ("comcast1") by 4 characters',
      },
    ]);
  });

  it('prefixes namespaces and WireGuard names with the lab, so two labs can run at once', () => {
    const a = plan(BASE);
    const b = plan(edit(BASE, 'lab: t', 'lab: u'));
    const names = (p: Plan) => p.nodes.flatMap((n) => [n.namespace, ...n.interfaces.filter((i) => i.kind === 'wireguard').map((i) => i.name)]);
    const overlap = names(a).filter((n) => names(b).includes(n));
    expect(overlap).toEqual([]);
  });
});

describe('determinism', () => {
  it('gives the same plan for the same file, byte for byte', () => {
    const text = TWO_ISPS;
    expect(JSON.stringify(plan(text))).toBe(JSON.stringify(plan(text)));
  });

  it('does not depend on key order or flow style in the file', () => {
    const reordered = TWO_ISPS.replace('lab: t\nmode: active-passive\n', 'mode: active-passive\nlab: t\n').replace('    - name: gw1\n    - name: gw2\n', '    - { name: gw1 }\n    - { name: gw2 }\n');
    expect(reordered).not.toBe(TWO_ISPS);
    expect(plan(reordered)).toEqual(plan(TWO_ISPS));
  });
});

describe('random topologies', () => {
  const topologyArb = fc
    .record({
      mode: fc.constantFrom('active-active', 'active-passive'),
      type: fc.constantFrom('wireguard', 'veth', 'ipsec'),
      routers: fc.integer({ min: 2, max: 4 }),
      gateways: fc.integer({ min: 1, max: 4 }),
      runs: fc.constantFrom('bgpfo', 'frr', 'bird', 'cloud'),
      hosts: fc.integer({ min: 1, max: 3 }),
      lab: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
    })
    .map((r) => {
      const isps = r.mode === 'active-active' ? '  - { name: isp1, role: primary }\n' : '  - { name: isp1, role: primary }\n  - { name: isp2, role: backup }\n';
      const routers = Array.from({ length: r.routers }, (_, i) => `    - { name: r${i + 1} }\n`).join('');
      const gateways = Array.from({ length: r.gateways }, (_, i) => `    - { name: gw${i + 1} }\n`).join('');
      return {
        ...r,
        text: `lab: ${r.lab}\nmode: ${r.mode}\ntunnel: { type: ${r.type} }\n${r.runs === 'cloud' ? '' : 'liveness: { method: bfd }\n'}isps:\n${isps}onprem:\n  name: hq\n  asn: 65010\n  prefixes: [10.10.0.0/16]\n  hosts: ${r.hosts}\n  routers:\n${routers}far:\n  name: dc\n  asn: 65020\n  prefixes: [10.20.0.0/16]\n  runs: ${r.runs}\n  gateways:\n${gateways}`,
      };
    });

  it('always plan routers x gateways x ISPs tunnels that hold every invariant, deterministically', () => {
    fc.assert(
      fc.property(topologyArb, (t) => {
        const p = plan(t.text);
        expect(p.tunnels).toHaveLength(t.routers * t.gateways * (t.mode === 'active-active' ? 1 : 2));
        checkInvariants(p);
        expect(JSON.stringify(plan(t.text))).toBe(JSON.stringify(p));
      }),
      { numRuns: 40 },
    );
  });
});
