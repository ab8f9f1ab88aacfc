// `bgpfo lab up` of the eight-tunnel active/passive topology over real WireGuard (wireguard-go, generated keys):
// 14 sessions Established, the LANs reach each other, all traffic uses ISP 1's tunnels, ISP 1 down moves it to
// ISP 2's, ISP 1 back returns it, keys stay private, and `down` leaves no namespace, process, socket or file.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labFault, labLayout, loadState, runLabTraffic, type LabState, type LabUpResult } from '../../src/lab';
import { AP8, leftovers, trafficUntil, upLab, waitForPing } from './lab-support';

jest.setTimeout(120_000);

const LAB = 'itap';
let up: LabUpResult;
let state: LabState;

const onIsp = (r: Awaited<ReturnType<typeof runLabTraffic>>, isp: string) => r.tunnels.filter((t) => t.isp === isp).reduce((a, t) => a + t.out + t.in, 0);

beforeAll(async () => {
  up = await upLab(AP8, LAB);
  state = loadState(LAB)!;
});
afterAll(async () => {
  await labDown(LAB);
});

test('all 14 sessions are Established over WireGuard tunnels whose keys are private to root', () => {
  expect(up.plan.tunnelType).toBe('wireguard');
  expect(up.plan.sessions).toHaveLength(14);
  expect(up.sessions.filter((s) => s.state !== 'Established')).toEqual([]);
  const key = join(labLayout(LAB).renderDir, 'keys', 'r1', 'itap-t1o.key');
  expect(statSync(key).mode & 0o777).toBe(0o600);
  expect(statSync(labLayout(LAB).dir).mode & 0o777).toBe(0o700);
  expect(state.processes.filter((p) => p.role === 'wireguard')).toHaveLength(16);
});

test('a LAN client on-prem reaches a LAN client on the far side', async () => {
  await waitForPing(LAB, 'hq-h1', '10.20.0.10');
  await waitForPing(LAB, 'dc-h1', '10.10.0.11');
});

test('all traffic uses ISP 1\'s tunnels while ISP 1 is up', async () => {
  const r = await runLabTraffic(LAB, { from: 'hq-h1', to: 'dc-h1', flows: 64, pps: 2000, seconds: 2 });
  expect(r.report.lost - r.report.droppedByReceiver).toBe(0);
  expect(onIsp(r, 'isp1')).toBe(r.report.sent);
  expect(onIsp(r, 'isp2')).toBe(0);
  const back = await runLabTraffic(LAB, { from: 'dc-h1', to: 'hq-h1', flows: 64, pps: 2000, seconds: 1 });
  expect(onIsp(back, 'isp2')).toBe(0);
  expect(onIsp(back, 'isp1')).toBe(back.report.sent);
});

test('ISP 1 down moves the traffic to ISP 2\'s tunnels; ISP 1 back returns it', async () => {
  await labFault(LAB, { kind: 'isp-down', isp: 'isp1' });
  const down = await trafficUntil(LAB, 'hq-h1', 'dc-h1', (r) => r.report.lost === r.report.droppedByReceiver && onIsp(r, 'isp1') === 0, 'traffic to move to ISP 2');
  expect(onIsp(down, 'isp2')).toBe(down.report.sent);
  // Both routers' backup tunnels carry it (the LAN router still spreads over both routers).
  expect(down.tunnels.filter((t) => t.isp === 'isp2' && t.out > 0).length).toBeGreaterThanOrEqual(2);

  await labFault(LAB, { kind: 'isp-up', isp: 'isp1' });
  const back = await trafficUntil(LAB, 'hq-h1', 'dc-h1', (r) => r.report.lost === r.report.droppedByReceiver && onIsp(r, 'isp2') === 0, 'traffic to return to ISP 1');
  expect(onIsp(back, 'isp1')).toBe(back.report.sent);
});

test('down stops wireguard-go and every daemon and removes namespaces, sockets and files', async () => {
  await labDown(LAB);
  expect(await leftovers(state)).toEqual({ namespaces: [], processes: [], files: [] });
});
