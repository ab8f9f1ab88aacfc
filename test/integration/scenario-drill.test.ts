// `bgpfo drill` against a running deployment: the four-tunnel lab, the drill run inside router r1's namespace
// against its control socket (as on the router itself) while LAN-to-LAN traffic measures what really happened.
// A drain drill loses nothing; a blackhole drill fails over within the SLA; both restore; an unsafe drill refuses.

import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { labDown, labFault, labLayout, runLabTraffic } from '../../src/lab';
import { loadScenario, NetnsEngine } from '../../src/scenario';
import { ControlClient } from '../../src/api/client';
import type { DrillReport } from '../../src/drill';
import { SCENARIO_DIR } from './scenario-support';
import { CLI } from './lab-support';
import { ensureBuilt } from './harness';

jest.setTimeout(300_000);

const LAB = 'scdr';
let engine: NetnsEngine;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the drill integration test needs root (network namespaces)');
  ensureBuilt();
  await labDown(LAB);
  const s = loadScenario(join(SCENARIO_DIR, 'aa4-blackhole.yaml'));
  engine = new NetnsEngine({ topology: s.topology, lab: { ...s.lab, name: LAB }, sessionTimeoutMs: 60_000 });
  await engine.up(() => undefined);
});
afterAll(async () => {
  await labDown(LAB);
});

/** Runs `bgpfo drill` inside r1's namespace; resolves with its exit status, its report and what it printed. */
function drill(args: string[]): Promise<{ code: number; report?: DrillReport; out: string }> {
  const socket = labLayout(LAB).bgpfoSocket('r1');
  const child = spawn('ip', ['netns', 'exec', engine.namespace('r1'), ...CLI, 'drill', ...args, '-s', socket, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      let report: DrillReport | undefined;
      try {
        report = JSON.parse(stdout) as DrillReport;
      } catch {
        // refused: no report
      }
      resolve({ code: code ?? -1, ...(report ? { report } : {}), out: stdout + stderr });
    }),
  );
}

/** LAN traffic through all four tunnels for 10 s; the drill starts 1 s in. */
async function withTraffic<T>(fn: () => Promise<T>) {
  let result: T | undefined;
  const traffic = await runLabTraffic(LAB, {
    from: 'hq-h1',
    to: 'dc-h1',
    flows: 32,
    pps: 8000,
    seconds: 10,
    during: async () => {
      await new Promise((r) => setTimeout(r, 1000));
      result = await fn();
    },
  });
  return { result: result!, traffic };
}

test('a drain drill moves the traffic off the tunnel and back with no loss, within the SLA', async () => {
  const { result: d, traffic } = await withTraffic(() => drill(['gw1-isp1', '--sla-ms', '500', '--hold-s', '1']));
  expect({ code: d.code, out: d.code === 0 ? '' : d.out }).toEqual({ code: 0, out: '' });
  const r = d.report!;
  expect(r).toMatchObject({ mode: 'drain', passed: true, target: 'gw1-isp1' });
  expect(r.failoverMs).toBeLessThanOrEqual(500);
  expect(r.restore.ok).toBe(true);
  expect(r.probes.filter((p) => p.role === 'other').every((p) => p.lost === 0)).toBe(true);
  // The data plane's account, independent of the drill's: not one packet of the LAN traffic lost on its way (what
  // the receiving agent's own socket dropped, its buffer full on a busy machine, reached the host).
  expect({ lostOnTheWay: traffic.report.lost - traffic.report.droppedByReceiver, droppedByReceiver: traffic.report.droppedByReceiver }).toMatchObject({ lostOnTheWay: 0 });
  const st = await new ControlClient({ socketPath: labLayout(LAB).bgpfoSocket('r1') }).status();
  expect(st.sessions.filter((s) => s.drain)).toEqual([]);
});

test('a blackhole drill fails over within detection time + margin, and restores the tunnel', async () => {
  const { result: d, traffic } = await withTraffic(() => drill(['gw1-isp1', '--blackhole', '--sla-ms', '450', '--hold-s', '1']));
  expect({ code: d.code, out: d.code === 0 ? '' : d.out }).toEqual({ code: 0, out: '' });
  const r = d.report!;
  expect(r.detectionMs).toBeGreaterThan(100);
  expect(r.detectedBy).toMatch(/bfd down/);
  expect(r.failoverMs).toBeLessThanOrEqual(450);
  expect(r.restore.ok).toBe(true);
  // The LAN traffic lost at most the flows on t1 for the failover time.
  expect(traffic.report.longestGapMs).toBeLessThan(1000);
  const tables = spawnSync('ip', ['netns', 'exec', engine.namespace('r1'), 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout;
  expect(tables).not.toContain('bgpfo_drill');
});

test('the drill refuses to start when another tunnel is down, and changes nothing', async () => {
  await labFault(LAB, { kind: 'stop', node: 'gw2' });
  try {
    const d = await drill(['gw1-isp1', '--sla-ms', '500']);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(/drill refused: 1 of the other 1 tunnel\(s\) not healthy: gw2-isp1 is \w+/);
    const st = await new ControlClient({ socketPath: labLayout(LAB).bgpfoSocket('r1') }).status();
    expect(st.sessions.filter((s) => s.drain)).toEqual([]);
  } finally {
    await labFault(LAB, { kind: 'start', node: 'gw2' });
  }
});
