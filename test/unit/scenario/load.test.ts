// Scenario files: the model they load into, every kind of mistake reported with its line, field and fix, the
// cross-checks against the topology, and every shipped scenario valid against its own topology.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkScenario, parseScenario, ScenarioError, preflightScenario, loadScenario } from '../../../src/scenario';
import { failedTunnels } from '../../../src/scenario/analyze';
import { resolveTunnelRef } from '../../../src/scenario/check';
import { aa4Plan, scenarioText, SCENARIOS } from './helpers';

function issues(text: string, file = 'x.yaml'): string[] {
  try {
    const s = parseScenario(text, file);
    checkScenario(s, aa4Plan());
  } catch (e) {
    if (e instanceof ScenarioError) return e.message.split('\n');
    throw e;
  }
  return [];
}

describe('scenario files', () => {
  it('load into steps with their lines, defaults filled in', () => {
    const s = parseScenario(
      scenarioText(
        '  - converge:\n  - traffic: start\n  - wait: 1.5\n  - fault: { loss: t2, percent: 20 }\n  - expect:\n      name: moved\n      outage-max-ms: detection + 25\n      traffic-off: [t2]\n      within-s: 5\n  - fault: { kill: r1 }\n  - expect: { since: loss, lost-max: 0 }\n  - traffic: stop\n',
        'lab: { name: sc1, tunnel: veth, liveness: off }\nrequires: [liveness, liveness]\n',
      ),
      'x.yaml',
    );
    expect(s.name).toBe('test-one');
    expect(s.lab).toEqual({ name: 'sc1', tunnel: 'veth', liveness: 'off' });
    expect(s.requires).toEqual(['liveness']);
    expect(s.traffic).toEqual([{ from: 'hq-h1', to: 'dc-h1', flows: 16, ppsPerFlow: 1000, size: 64, family: 4 }]);
    expect(s.sampleMs).toBe(100);
    expect(s.steps.map((x) => [x.kind, x.line])).toEqual([
      ['converge', 9],
      ['traffic', 10],
      ['wait', 11],
      ['fault', 12],
      ['expect', 13],
      ['fault', 18],
      ['expect', 19],
      ['traffic', 20],
    ]);
    expect(s.steps[0]).toMatchObject({ kind: 'converge', timeoutS: 90 });
    expect(s.steps[3]).toMatchObject({ fault: { kind: 'loss', tunnel: 't2', percent: 20 } });
    expect(s.steps[4]).toMatchObject({ expect: { name: 'moved', outageMaxMs: { detectionPlusMs: 25 }, trafficOff: ['t2'], withinS: 5 } });
    expect(s.steps[5]).toMatchObject({ fault: { kind: 'kill', node: 'r1' } });
    expect(s.steps[6]).toMatchObject({ expect: { since: 'loss', lostMax: 0 } });
  });

  it('name the line, the field and the fix for shape mistakes', () => {
    const out = issues(
      scenarioText(
        '  - converge: {}\n  - traffic: start\n  - fault: { blackhole: t1, isp-down: isp1 }\n  - fault: { loss: t1 }\n  - wait: -1\n  - expect: { outage-max-ms: soon }\n  - expect: { within-s: 3, lost-max: 0 }\n  - expect: { traffic-of: [t1] }\n  - sleep: 3\n',
      ),
    );
    expect(out).toEqual([
      'x.yaml:9: steps[2].fault.isp-down: a fault does one thing; found blackhole and isp-down',
      'x.yaml:10: steps[3].fault.percent: loss needs percent: (the share of packets dropped each way, 1..99)',
      'x.yaml:11: steps[4].wait: expected a number of seconds 0.01..3600 (got -1)',
      'x.yaml:12: steps[5].expect.outage-max-ms: expected milliseconds (250) or "detection + N" (the liveness detection time plus N ms) (got "soon")',
      'x.yaml:13: steps[6].expect.within-s: within-s waits for traffic-on, traffic-off or sessions-up; add one of them',
      'x.yaml:14: steps[7].expect.traffic-of: unknown key "traffic-of"; fix: did you mean "traffic-on"?',
      'x.yaml:14: steps[7].expect: expected at least one of outage-max-ms, unaffected-lossless, lost-max, traffic-on, traffic-off, no-flap, sessions-up (got a mapping)',
      'x.yaml:15: steps[8].sleep: unknown key "sleep"; fix: use one of converge, traffic, wait, fault, expect',
      'x.yaml:15: steps[8]: expected one of converge, traffic, wait, fault, expect (got a mapping)',
    ]);
  });

  it('take IPv6 streams, and refuse them between hosts without IPv6 addresses', () => {
    const text = 'scenario: test-six\ntopology: TOPO\ntraffic:\n  - { from: hq-h1, to: dc-h1, family: ipv6 }\n  - { from: dc-h1, to: hq-h1, family: ip6 }\nsteps:\n  - traffic: start\n';
    expect(issues(text.replace('TOPO', scenarioText().split('\n')[1]!.slice('topology: '.length)))).toEqual(['x.yaml:5: traffic[1].family: expected ipv4 or ipv6 (got "ip6")']);
    const ok = parseScenario(text.replace('TOPO', 'x.yaml').replace('ip6 }', 'ipv4 }'), 'x.yaml');
    expect(ok.traffic.map((t) => t.family)).toEqual([6, 4]);
    // The four-tunnel topology is IPv4-only.
    expect(issues(scenarioText().replace('  to: dc-h1\n', '  to: dc-h1\n  family: ipv6\n'))).toEqual([
      'x.yaml:6: traffic.family: hq-h1 has no IPv6 address: its site has no IPv6 prefix in the topology; fix: give the site an IPv6 prefix (dual-stack), or drop family: ipv6',
      'x.yaml:6: traffic.family: dc-h1 has no IPv6 address: its site has no IPv6 prefix in the topology; fix: give the site an IPv6 prefix (dual-stack), or drop family: ipv6',
    ]);
  });

  it('report missing keys at the mapping that should hold them, and YAML errors at their line', () => {
    expect(issues('scenario: a\ntopology: t.yaml\nsteps:\n  - wait: 1\n')).toEqual(['x.yaml:1: traffic: required but missing; fix: add traffic: (expected a stream {from, to, ...} or a list of them)']);
    expect(issues('scenario: a\nscenario: b\n')[0]).toBe('x.yaml:2: duplicate key; fix: each key may appear once per mapping; a second fault or check goes in a step of its own');
    expect(issues('')).toEqual(['x.yaml:1: the file is empty; fix: start from one of the files in topologies/scenarios/']);
  });

  it('check what they name against the topology, with the lists of what exists', () => {
    const out = issues(
      scenarioText(
        '  - expect: { lost-max: 0 }\n  - traffic: start\n  - fault: { blackhole: t9 }\n  - fault: { isp-down: isp3 }\n  - fault: { stop: hq-h1 }\n  - fault: { kill: r3 }\n  - expect: { traffic-on: [t1, isp2], since: drain }\n  - traffic: stop\n  - traffic: stop\n',
      ).replace('to: dc-h1', 'to: hq-h2'),
    );
    expect(out).toEqual([
      'x.yaml:5: traffic.to: hq-h1 and hq-h2 are both on the onprem site: their traffic never crosses a tunnel; fix: pick a host of the other site (dc-h1)',
      'x.yaml:7: steps[0].expect: this check measures traffic, and no traffic is running here; fix: add "- traffic: start" before it',
      'x.yaml:9: steps[2].fault.blackhole: no tunnel t9 in scaa; fix: did you mean "t1"?',
      'x.yaml:10: steps[3].fault.isp-down: no ISP isp3 in scaa; fix: did you mean "isp1"?',
      'x.yaml:11: steps[4].fault.stop: hq-h1 runs no daemon; fix: use one of hq-lan, r1, r2, gw1, gw2, dc-lan',
      'x.yaml:12: steps[5].fault.kill: no node r3 in scaa; fix: did you mean "r1"?',
      'x.yaml:13: steps[6].expect.since: no drain fault comes before this check; fix: name a fault kind used in an earlier step, or traffic-start',
      'x.yaml:13: steps[6].expect.traffic-on[1]: no tunnel or ISP isp2 in scaa; fix: did you mean "isp1"?',
      'x.yaml:15: steps[8].traffic: no traffic is running here; fix: add "- traffic: start" before',
    ]);
  });

  it('every shipped scenario is valid against its own topology', () => {
    const files = [...readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).map((f) => join(SCENARIOS, f)), ...readdirSync(join(SCENARIOS, 'violations')).map((f) => join(SCENARIOS, 'violations', f))];
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const s = loadScenario(f);
      const plan = preflightScenario(s);
      // 1,000 packets/s per flow resolves an outage to 1 ms; over WireGuard 100 (at 1,000 the userspace WireGuard of a
      // 2-core lab drops packets by itself, which would hide what bgpfo does). That holds for every stream a fault can
      // reach: one between the two sites of a tunnel some fault takes away (in a two-site plan, every stream). A
      // stream between other sites only has to lose nothing, and may run slower.
      const floor = s.lab.tunnel === 'wireguard' ? 100 : 1000;
      const failed = s.steps.flatMap((st) => (st.kind === 'fault' ? failedTunnels(plan, st.fault, (r) => resolveTunnelRef(plan, r)) : []));
      const siteOf = (node: string) => plan.nodes.find((n) => n.name === node)?.siteName;
      const reachable = (from: string, to: string) => {
        const [a, b] = [siteOf(from), siteOf(to)];
        if (a === undefined || b === undefined) return true;
        return failed.some((t) => {
          const [x, y] = [siteOf(t.onprem.node), siteOf(t.far.node)];
          return (x === a && y === b) || (x === b && y === a);
        });
      };
      const slow = s.traffic.filter((t) => reachable(t.from, t.to) && t.ppsPerFlow < floor).map((t) => `${t.from}>${t.to} at ${t.ppsPerFlow}/s`);
      expect({ f, steps: s.steps.length > 3, slow }).toEqual({ f, steps: true, slow: [] });
      // A scenario that promises a failover must measure it on traffic that crosses the tunnels both ways or one.
      expect(plan.lab).toMatch(/^sc/);
    }
  });

  it('a scenario with liveness off turns BFD off in the plan the lab renders', () => {
    const plan = preflightScenario(loadScenario(join(SCENARIOS, 'violations', 'aa4-blackhole-hold-timer.yaml')));
    expect(plan.sessions.flatMap((s) => [s.a.liveness, s.b.liveness]).every((l) => l === 'none')).toBe(true);
    expect(aa4Plan().sessions.some((s) => s.a.liveness === 'bfd')).toBe(true);
  });
});
