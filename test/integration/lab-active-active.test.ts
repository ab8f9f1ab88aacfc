// `bgpfo lab up` of the four-tunnel active/active topology (veth tunnels for speed; the daemons its plan names:
// bgpfo on the routers and gateways, BIRD on the LAN routers): every session Established, the LANs reach each
// other, many flows spread over all four tunnels both ways, a blackholed tunnel is routed around, and `down`
// leaves nothing behind.

import { labDown, labFault, loadState, runLabTraffic, sessionStates, labLayout, systemRunner, type LabState, type LabUpResult } from '../../src/lab';
import { AA4, carried, leftovers, trafficUntil, upLab, waitForPing } from './lab-support';
import { waitFor } from './harness';

jest.setTimeout(120_000);

const LAB = 'itaa';
let up: LabUpResult;
let state: LabState;

beforeAll(async () => {
  up = await upLab(AA4, LAB, { tunnelType: 'veth' });
  state = loadState(LAB)!;
});
afterAll(async () => {
  await labDown(LAB);
});

test('every BGP session of the plan is Established at both ends', () => {
  expect(up.plan.sessions).toHaveLength(10);
  expect(up.sessions).toHaveLength(20);
  expect(up.sessions.filter((s) => s.state !== 'Established')).toEqual([]);
  expect(new Set(up.sessions.filter((s) => s.node === 'r1').map((s) => s.daemon))).toEqual(new Set([up.plan.nodes.find((n) => n.name === 'r1')!.runs]));
});

test('a LAN client on-prem reaches a LAN client on the far side, and back', async () => {
  await waitForPing(LAB, 'hq-h1', '10.20.0.10');
  await waitForPing(LAB, 'hq-h2', '10.20.0.10');
  await waitForPing(LAB, 'dc-h1', '10.10.0.10');
});

test('the flows of many connections spread over all four tunnels, both ways, without loss', async () => {
  for (const [from, to, dir] of [
    ['hq-h1', 'dc-h1', 'out'],
    ['dc-h1', 'hq-h2', 'in'],
  ] as const) {
    const r = await runLabTraffic(LAB, { from, to, flows: 64, pps: 2000, seconds: 2 });
    expect(r.report.lost - r.report.droppedByReceiver).toBe(0);
    const total = r.tunnels.reduce((a, t) => a + t[dir], 0);
    expect(total).toBe(r.report.sent);
    // 64 flows over 4 tunnels: each gets some; none gets (nearly) all. 64 flows hashed twice make a share under 5% vanishingly unlikely.
    for (const t of r.tunnels) expect({ tunnel: t.name, share: t[dir] / total > 0.05 }).toEqual({ tunnel: t.name, share: true });
  }
});

test('a blackholed tunnel is routed around: its session drops, traffic avoids it with no loss; restored, it comes back', async () => {
  await labFault(LAB, { kind: 'blackhole', tunnel: 't1' });
  const layout = labLayout(LAB);
  await waitFor(async () => (await sessionStates(systemRunner, layout, state.plan)).find((s) => s.session === 'r1-gw1-isp1' && s.node === 'r1')?.state !== 'Established', 30_000, {
    what: 'r1 to notice that tunnel t1 is dead',
  });
  const r = await trafficUntil(LAB, 'hq-h1', 'dc-h1', (x) => carried(x, 'r1-gw1-isp1') === 0 && x.report.lost === x.report.droppedByReceiver, 'traffic to leave t1');
  for (const t of ['r1-gw2-isp1', 'r2-gw1-isp1', 'r2-gw2-isp1']) expect(carried(r, t)).toBeGreaterThan(0);

  await labFault(LAB, { kind: 'restore', tunnel: 't1' });
  await trafficUntil(LAB, 'hq-h1', 'dc-h1', (x) => carried(x, 'r1-gw1-isp1') > 0 && x.report.lost === x.report.droppedByReceiver, 'traffic to use t1 again');
});

test('down removes every namespace, process and file it made; a second down finds nothing', async () => {
  const r = await labDown(LAB);
  expect(r.found).toBe(true);
  expect(r.namespaces).toHaveLength(up.plan.nodes.length);
  expect(await leftovers(state)).toEqual({ namespaces: [], processes: [], files: [] });
  expect((await labDown(LAB)).found).toBe(false);
});
