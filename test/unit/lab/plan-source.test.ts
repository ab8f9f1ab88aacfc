// The plan a lab realizes: the file's, renamed (two copies side by side), with veth tunnels, or with another
// daemon on the routers or gateways; overrides still go through the topology checks.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TopologyError } from '../../../src/orchestrator';
import { withDaemons } from '../../../src/lab/plan-source';
import { AA4, AP8, plan, tempEnv } from './helpers';

describe('loadLabPlan', () => {
  it('without options is the file\'s plan', () => {
    const p = plan(AA4);
    expect(p.lab).toBe('aa4');
    expect(p.tunnelType).toBe('wireguard');
    expect(p.nodes.find((n) => n.name === 'r1')!.namespace).toBe('bgpfo-aa4-r1');
  });

  it('--name renames every namespace and tunnel interface, so two labs of one file do not collide', () => {
    const a = plan(AA4);
    const b = plan(AA4, { name: 'other' });
    expect(b.lab).toBe('other');
    expect(b.nodes.map((n) => n.namespace).every((ns) => ns.startsWith('bgpfo-other-'))).toBe(true);
    const wgA = a.tunnels.flatMap((t) => [t.onprem.ifname, t.far.ifname]);
    const wgB = b.tunnels.flatMap((t) => [t.onprem.ifname, t.far.ifname]);
    expect(wgB.filter((i) => wgA.includes(i))).toEqual([]);
    expect(wgB).toContain('other-t1o');
  });

  it('a name the topology checks refuse is reported as a topology error', () => {
    expect(() => plan(AA4, { name: 'much-too-long' })).toThrow(TopologyError);
  });

  it('--tunnel veth gives veth tunnels with no underlay and the veth MTU, even when the file fixes an MTU', () => {
    const dir = tempEnv().BGPFO_LAB_ROOT!;
    const file = join(dir, 'mtu.yaml');
    writeFileSync(file, readFileSync(AA4, 'utf8').replace('  type: wireguard', '  type: wireguard\n  mtu: 1380'));
    const p = plan(file, { tunnelType: 'veth' });
    expect(p.tunnelType).toBe('veth');
    expect(p.tunnels.every((t) => t.kind === 'veth' && t.mtu === 1500 && t.onprem.underlay === undefined)).toBe(true);
    expect(p.nodes.some((n) => n.role === 'internet')).toBe(false);
    expect(p.links.filter((l) => l.purpose === 'tunnel')).toHaveLength(4);
  });

  it('daemon overrides change only routers or only gateways, and leave the input plan alone', () => {
    const p = plan(AP8);
    const q = withDaemons(p, { routerDaemon: 'bird' });
    expect(q.nodes.filter((n) => n.role === 'onprem-router').map((n) => n.runs)).toEqual(['bird', 'bird']);
    expect(q.nodes.filter((n) => n.role === 'far-gateway').map((n) => n.runs)).toEqual(['bird', 'bird']);
    expect(p.nodes.filter((n) => n.role === 'onprem-router').map((n) => n.runs)).toEqual(['bgpfo', 'bgpfo']);
    expect(withDaemons(p, { farDaemon: 'frr' }).nodes.filter((n) => n.role === 'far-gateway').map((n) => n.runs)).toEqual(['frr', 'frr']);
    expect(withDaemons(p, {})).toBe(p);
  });
});
