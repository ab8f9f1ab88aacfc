// A hub with ten dual-stack spokes in the netns lab (bgpfo on the hub's two gateways and on each spoke's router,
// BIRD on the LAN routers, veth tunnels): every session Established, every spoke's host reaches the hub's LAN over
// IPv4 and IPv6 and is reached back, the hub's gateways hold both families from every spoke in their kernel FIB, and
// the hub10-blackhole scenario: a spoke's tunnel blackholed fails over within detection + 25 ms, measured by the
// scenario runner, while no other spoke loses a packet. Lab name "schub" (topologies/scenarios/topologies).

import { execFileSync } from 'node:child_process';
import type { Plan } from '../../src/orchestrator';
import { ScenarioLab, expectPassed } from './scenario-support';

jest.setTimeout(600_000);

const ping = (ns: string, address: string): boolean => {
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '2', address], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** A host's first address of a family. */
const addressOf = (plan: Plan, node: string, v6: boolean): string =>
  plan.nodes.find((n) => n.name === node)!.interfaces.flatMap((i) => i.addresses).find((a) => a.includes(':') === v6)!.split('/')[0]!;

describe('a hub with ten dual-stack spokes', () => {
  let lab: ScenarioLab;
  let plan: Plan;
  beforeAll(async () => {
    lab = await ScenarioLab.up('hub10-blackhole.yaml');
    plan = lab.plan();
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('every spoke reaches the hub LAN over IPv4 and IPv6, and the hub reaches every spoke', () => {
    const hub = plan.nodes.find((n) => n.name === 'hub-h1')!;
    const spokes = plan.nodes.filter((n) => n.role === 'host' && n.siteName !== 'hub');
    expect(spokes).toHaveLength(10);
    const unreachable: string[] = [];
    for (const s of spokes) {
      for (const v6 of [false, true]) {
        if (!ping(s.namespace, addressOf(plan, 'hub-h1', v6))) unreachable.push(`${s.name} -> hub-h1 (IPv${v6 ? 6 : 4})`);
        if (!ping(hub.namespace, addressOf(plan, s.name, v6))) unreachable.push(`hub-h1 -> ${s.name} (IPv${v6 ? 6 : 4})`);
      }
    }
    expect(unreachable).toEqual([]);
  });

  test('each hub gateway forwards every spoke prefix of both families over its tunnel (bgpfo kernel routes, proto 201)', () => {
    for (const gw of plan.nodes.filter((n) => n.role === 'far-gateway')) {
      const routes = (fam: string) => execFileSync('ip', ['-n', gw.namespace, fam, 'route', 'show', 'proto', '201'], { encoding: 'utf8' });
      const v4 = routes('-4');
      const v6 = routes('-6');
      for (const site of Object.values(plan.sites).filter((s) => s.side === 'onprem')) {
        for (const p of site.prefixes) expect({ gw: gw.name, prefix: p, installed: (p.includes(':') ? v6 : v4).includes(p) }).toEqual({ gw: gw.name, prefix: p, installed: true });
      }
    }
  });

  test("a spoke's tunnel blackholed: its flows fail over within detection + 25 ms (IPv4 and IPv6), no other spoke loses a packet", async () => {
    const r = await lab.run('hub10-blackhole.yaml');
    expectPassed(r);
    const f = r.faults[0]!;
    expect(f.affected.length).toBeGreaterThan(0);
    expect(f.affectedLongestGapMs).toBeLessThanOrEqual(r.detectionMs + 25);
    expect(f.unaffectedLost).toBe(0);
    // Both families were measured, and every spoke's streams lost nothing outside the failed tunnel's flows.
    expect(new Set(r.streams.map((s) => s.family ?? 4))).toEqual(new Set([4, 6]));
  });
});
