// What the scenario runner reads and writes: the nftables flow counters, `ip -ts monitor` lines, the daemons'
// events, the feature check against rendered configs, the text summary and the SVG timeline.

import { parseConfig } from '../../../src/config';
import { renderBgpfoConfig } from '../../../src/orchestrator';
import { flowCountRules, parseFlowCounters, tunnelFarEnds, tunnelRouters } from '../../../src/scenario/flow-counters';
import { formatSummary, REPORT_FORMAT, type ScenarioReport } from '../../../src/scenario/report';
import { missingFeatures } from '../../../src/scenario/requires';
import { inverseFault } from '../../../src/scenario/run';
import { niceStep, renderTimelineSvg } from '../../../src/scenario/svg';
import { eventEntry, parseIpMonitor, tunnelOfNeighbor } from '../../../src/scenario/timeline';
import { join } from 'node:path';
import { loadLabPlan } from '../../../src/lab/plan-source';
import { aa4Plan, REPO } from './helpers';

const plan = aa4Plan();

describe('flow counters', () => {
  it('count each flow per tunnel in sets named apart from nft keywords', () => {
    const rules = flowCountRules(['scaa-t1o', 'scaa-t2o'], [47100, 47101]);
    expect(rules).toContain('set flows_out { type ifname . inet_service; flags dynamic; size 65535; counter; }');
    expect(rules).toContain('chain count_flows {');
    expect(rules).toContain('type filter hook forward priority -320; policy accept;');
    expect(rules).toContain('oifname { "scaa-t1o", "scaa-t2o" } udp dport { 47100, 47101 } add @flows_out { oifname . udp sport }');
    expect(rules).toContain('iifname { "scaa-t1o", "scaa-t2o" } udp dport { 47100, 47101 } add @flows_in { iifname . udp sport }');
    // Out of a tunnel is counted before routing: a packet the node has no route for still came out of the tunnel.
    expect(rules).toMatch(/chain count_flows_in \{\n {4}type filter hook prerouting priority -320; policy accept;\n {4}iifname/);
    expect(tunnelFarEnds(plan)).toEqual([
      { ns: 'bgpfo-scaa-gw1', node: 'gw1', ifnames: ['scaa-t1f', 'scaa-t3f'] },
      { ns: 'bgpfo-scaa-gw2', node: 'gw2', ifnames: ['scaa-t2f', 'scaa-t4f'] },
    ]);
    expect(tunnelRouters(plan)).toEqual([
      { ns: 'bgpfo-scaa-r1', node: 'r1', ifnames: ['scaa-t1o', 'scaa-t2o'] },
      { ns: 'bgpfo-scaa-r2', node: 'r2', ifnames: ['scaa-t3o', 'scaa-t4o'] },
    ]);
  });

  it('parse what nft -j lists (captured from nftables 1.0.6)', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { set: { family: 'inet', name: 'flows_out', table: 'bgpfo_scn_flows', elem: [{ elem: { val: { concat: ['scaa-t1o', 41000] }, counter: { packets: 812, bytes: 1 } } }, { elem: { val: { concat: ['scaa-t2o', 41003] }, counter: { packets: 5, bytes: 1 } } }] } },
        { set: { family: 'inet', name: 'flows_in', table: 'bgpfo_scn_flows', elem: [{ elem: { val: { concat: ['scaa-t1o', 42001] }, counter: { packets: 7, bytes: 1 } } }] } },
        { chain: { name: 'count_flows' } },
      ],
    });
    expect(parseFlowCounters(json)).toEqual(new Map([['scaa-t1o/out/41000', 812], ['scaa-t2o/out/41003', 5], ['scaa-t1o/in/42001', 7]]));
  });
});

describe('the daemons timeline', () => {
  it('parses ip -ts monitor, multipath continuation lines included, in local time', () => {
    const text = ['[2026-11-21T13:40:32.203455] id 251658262 group 251658259 proto 201 ', '[2026-11-21T13:40:32.204125] 10.20.0.0/16 proto 201 metric 20 ', '\tnexthop via 169.254.21.5 dev scaa-t2o weight 1 ', '[2026-11-21T13:40:32.204550] Deleted id 251658261 via 169.254.21.1 dev scaa-t1o scope link proto 201 ', 'no stamp here'].join('\n');
    const e = parseIpMonitor(text, 'r1', (i) => plan.tunnels.find((t) => t.onprem.ifname === i)?.name);
    const base = new Date(2026, 10, 21, 13, 40, 32).getTime();
    expect(e.map((x) => [Math.round((x.at - base) * 1000), x.tunnel, x.text.replace(/\s+/g, ' ').trim()])).toEqual([
      [203455, undefined, 'id 251658262 group 251658259 proto 201'],
      [204125, 'r1-gw2-isp1', '10.20.0.0/16 proto 201 metric 20 nexthop via 169.254.21.5 dev scaa-t2o weight 1'],
      [204550, 'r1-gw1-isp1', 'Deleted id 251658261 via 169.254.21.1 dev scaa-t1o scope link proto 201 no stamp here'],
    ]);
  });

  it('maps each daemon neighbor name to the plan tunnel it means', () => {
    expect(tunnelOfNeighbor(plan, 'r1', 'gw1-isp1')).toBe('r1-gw1-isp1');
    expect(tunnelOfNeighbor(plan, 'gw1', 'r2-isp1')).toBe('r2-gw1-isp1');
    expect(tunnelOfNeighbor(plan, 'r1', 'hq-lan')).toBeUndefined();
    const e = eventEntry(plan, 'r2', { type: 'session-down', neighbor: 'gw2-isp1', peer: '169.254.21.13', reason: 'hold-timer-expired', message: 'hold timer expired', seq: 4, time: '2026-11-21T13:40:32.250Z' });
    expect(e).toMatchObject({ at: Date.parse('2026-11-21T13:40:32.250Z'), node: 'r2', kind: 'session-down', tunnel: 'r2-gw2-isp1', text: 'session gw2-isp1 down: hold timer expired' });
  });
});

describe('the feature check', () => {
  const bgpfoNode = (n: string) => plan.nodes.find((x) => x.name === n)?.runs === 'bgpfo';

  /** The real render, with its liveness blocks or graceful restart taken out (as before they were rendered). */
  const stripped = (node: string, o: { liveness?: boolean; gr?: boolean } = {}) => {
    let c = renderBgpfoConfig(plan, node);
    if (o.liveness === false) c = c.replace(/\n {4}liveness:\n(?: {6}.*\n)+/g, '\n');
    if (o.gr === false) c = c.replace(/\n {4}graceful-restart: \{ enabled: true \}/g, '');
    return parseConfig(c, `${node}.yaml`);
  };

  it('says exactly what is missing, where, and what it costs', () => {
    const m = missingFeatures(plan, ['liveness', 'demotion', 'graceful-restart'], (n) => (bgpfoNode(n) ? stripped(n, { liveness: false, gr: false }) : undefined));
    expect(m.map((x) => x.detail)).toEqual([
      'liveness: the topology asks for BFD 100 ms x 3 on the tunnels, but the bgpfo configs the lab renders (src/orchestrator/render/bgpfo.ts) have no liveness: block for r1: gw1-isp1, gw2-isp1; r2: gw1-isp1, gw2-isp1; without it only the BGP hold timer detects a dead tunnel',
      'demotion: the topology asks for BFD 100 ms x 3 on the tunnels, but the bgpfo configs the lab renders (src/orchestrator/render/bgpfo.ts) have no liveness: block for r1: gw1-isp1, gw2-isp1; r2: gw1-isp1, gw2-isp1; without it only the BGP hold timer detects a dead tunnel',
      expect.stringMatching(/^graceful-restart: graceful-restart.enabled is not set for r1: gw1-isp1, gw2-isp1, ibgp-r2, hq-lan; r2: gw1-isp1, gw2-isp1, ibgp-r1, hq-lan; gw1 \(helper\): r1-isp1, r2-isp1; gw2 \(helper\): r1-isp1, r2-isp1 in the bgpfo configs/),
    ]);
  });

  it('finds nothing missing in the configs the lab renders; steering only applies to probe tunnels', () => {
    expect(missingFeatures(plan, ['liveness', 'demotion'], (n) => (bgpfoNode(n) ? stripped(n) : undefined))).toEqual([]);
    const gr = aa4Plan(join(REPO, 'topologies', 'scenarios', 'topologies', 'four-tunnel-active-active-gr.yaml'));
    const grConfig = (n: string) => (gr.nodes.find((x) => x.name === n)?.runs === 'bgpfo' ? parseConfig(renderBgpfoConfig(gr, n), `${n}.yaml`) : undefined);
    expect(missingFeatures(gr, ['graceful-restart'], grConfig)).toEqual([]);
    expect(missingFeatures(plan, ['graceful-restart'], (n) => (bgpfoNode(n) ? stripped(n) : undefined))).toHaveLength(1); // off by default
    const steer = missingFeatures(plan, ['steering'], (n) => (bgpfoNode(n) ? stripped(n) : undefined));
    expect(steer[0]!.detail).toMatch(/^steering: no tunnel runs probe liveness/);
    expect(missingFeatures(plan, ['liveness'], () => undefined)[0]!.detail).toMatch(/^liveness: .* have no liveness: block for r1: gw1-isp1/);
  });

  it('finds steering in place for the cloud-like far side (it splits re-advertised site prefixes too)', () => {
    const cloud = loadLabPlan(join(REPO, 'topologies', 'cloud-gateway.yaml'), { name: 'sccg', tunnelType: 'veth' });
    const cfg = (n: string) => (cloud.nodes.find((x) => x.name === n)?.runs === 'bgpfo' ? parseConfig(renderBgpfoConfig(cloud, n), `${n}.yaml`) : undefined);
    expect(missingFeatures(cloud, ['liveness', 'steering'], cfg)).toEqual([]);
  });

  it('undoes what a scenario left: each fault has its inverse', () => {
    expect(inverseFault({ kind: 'blackhole', tunnel: 't1' })).toEqual({ kind: 'restore', tunnel: 't1' });
    expect(inverseFault({ kind: 'loss', tunnel: 't1', percent: 20 })).toEqual({ kind: 'restore', tunnel: 't1' });
    expect(inverseFault({ kind: 'kill', node: 'r1' })).toEqual({ kind: 'start', node: 'r1' });
    expect(inverseFault({ kind: 'node-down', node: 'r1' })).toEqual({ kind: 'node-up', node: 'r1' });
    expect(inverseFault({ kind: 'drain', tunnel: 't1' })).toEqual({ kind: 'undrain', tunnel: 't1' });
    expect(inverseFault({ kind: 'isp-down', isp: 'isp1' })).toEqual({ kind: 'isp-up', isp: 'isp1' });
    expect(inverseFault({ kind: 'restore', tunnel: 't1' })).toBeUndefined();
  });
});

function report(): ScenarioReport {
  const t0 = 1_000_000;
  return {
    format: REPORT_FORMAT,
    scenario: 'aa4-blackhole',
    file: 'topologies/scenarios/aa4-blackhole.yaml',
    engine: 'netns',
    lab: 'scaa',
    topology: 'four-tunnel-active-active.yaml',
    tunnelType: 'veth',
    liveness: 'BFD 100 ms x 3',
    detectionMs: 300,
    startedAt: '2026-11-21T13:00:00.000Z',
    seconds: 12,
    passed: false,
    missing: [],
    disturbed: false,
    t0,
    streams: [{ from: 'hq-h1', to: 'dc-h1', direction: 'out', flows: 16, ppsPerFlow: 1000, sent: 80000, received: 79700, lost: 300, sendErrors: 0, maxSenderStallMs: 6, maxReceiverStallMs: 4, receiverDrops: 0 }],
    steps: [
      { step: 4, line: 25, kind: 'fault', label: 'blackhole t1', text: 'blackhole t1 (r1-gw1-isp1): ...', began: t0 + 1000, ended: t0 + 1010 },
      { step: 6, line: 27, kind: 'expect', label: 'failover', text: 'check failover', began: t0 + 2500, ended: t0 + 2500 },
    ],
    faults: [],
    checks: [
      { step: 6, line: 27, name: 'failover', check: 'outage-max-ms', ok: false, expected: 'at most detection 300 + 25 = 325 ms', measured: 'longest gap 9001 ms (hq-h1>dc-h1#3)', details: ['hq-h1>dc-h1#3: 9001 ms without a packet'] },
      { step: 6, line: 27, name: 'failover', check: 'unaffected-lossless', ok: true, expected: 'no loss', measured: '0 packets lost', details: [] },
    ],
    series: plan.tunnels.map((t, i) => ({ tunnel: t.name, id: t.id, points: [[t0 + 500, 1000], [t0 + 1500, i === 0 ? 0 : 1333]] as [number, number][] })),
    loss: [[t0 + 1100, 1000], [t0 + 1200, 0]],
    timeline: [{ at: t0 + 1290, node: 'r1', source: 'daemon', kind: 'liveness', tunnel: plan.tunnels[0]!.name, text: 'bfd down' }],
  };
}

describe('the report', () => {
  it('summarizes result, traffic and every check, failed ones with their reasons', () => {
    const text = formatSummary(report());
    expect(text.split('\n')).toEqual([
      'scenario aa4-blackhole (topologies/scenarios/aa4-blackhole.yaml): FAILED',
      '  lab scaa (netns, veth tunnels), liveness BFD 100 ms x 3 (detection 300 ms)',
      '  traffic: hq-h1 -> dc-h1 16 flows x 1,000/s; 80,000 packets, 300 lost',
      '',
      '  checks:',
      '    FAIL failover (line 27) outage-max-ms: expected at most detection 300 + 25 = 325 ms; measured longest gap 9001 ms (hq-h1>dc-h1#3)',
      '           hq-h1>dc-h1#3: 9001 ms without a packet',
      '    ok   failover (line 27) unaffected-lossless: expected no loss; measured 0 packets lost',
    ]);
  });

  it('draws a timeline SVG: a line per tunnel, the faults, the loss and the daemons events', () => {
    const svg = renderTimelineSvg(report());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('>blackhole t1</text>');
    expect(svg).toContain('aa4-blackhole: FAILED');
    expect(svg).toContain('<title>+1290 ms r1: bfd down</title>');
    expect(svg).toContain('<polygon fill="#fecaca"');
    expect(svg).not.toMatch(/NaN|undefined/);
    expect([niceStep(13500, 4), niceStep(3.2, 10), niceStep(0)]).toEqual([5000, 0.5, 1]);
  });
});
