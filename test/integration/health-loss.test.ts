// A link that drops 20 % of packets (nftables numgen on the far side) but never goes down: probe mode keeps it up,
// quality demotes it; after the loss stops it is promoted only once the window is clean and the hold-down has passed.
// Short windows and hold-downs so the test runs in seconds; the rules are the production ones.

import { createLivenessMonitor } from '../../src/health/liveness';
import { TunnelHealthMonitor } from '../../src/health/monitor';
import { ProbeService } from '../../src/health/probe-service';
import type { TunnelHealthOutput } from '../../src/health/tunnel-health';
import type { LivenessEvent, TunnelVerdict } from '../../src/health/types';
import { Lab, waitFor, type Netns } from './harness';
import { randomLoss, stopLoss } from './harness/loss';

jest.setTimeout(90_000);

const ME = '10.79.0.1';
const PEER = '10.79.0.2';
const INTERVAL = 50;
// At 20 % loss, 3 losses in a row happen every ~6 s at 20 probes/s; 10 in a row practically never (1e-7 per probe).
// A tunnel this lossy would flap at x 3 — with BFD too — which is the point of judging quality separately.
const MULT = 10;
const WINDOW = 4000; // 80 probes: at 20 % loss, a window at or under 5 % (<= 4 lost) is ~1e-4 likely
const HOLD = 3000;

describe('quality demotion over a lossy link (probe mode)', () => {
  let lab: Lab;
  let me: Netns;
  let peer: Netns;
  const probes = new ProbeService();
  let monitor: TunnelHealthMonitor;
  const liveness: LivenessEvent[] = [];
  const verdicts: TunnelVerdict[] = [];
  const events: TunnelHealthOutput[] = [];

  beforeAll(async () => {
    lab = Lab.create('hloss');
    me = await lab.addNamespace('me');
    peer = await lab.addNamespace('peer');
    await lab.link({ ns: me, ifname: 'hlme', v4: `${ME}/30` }, { ns: peer, ifname: 'hlpeer', v4: `${PEER}/30` });
    await probes.start();
    lab.onCleanup(() => probes.stop());
    monitor = new TunnelHealthMonitor(
      {
        name: 'lossy',
        liveness: { mode: 'probe', local: ME, peer: PEER, intervalMs: INTERVAL, multiplier: MULT, netns: me.name },
        quality: { windowMs: WINDOW },
        demotion: { maxLossPct: 5, minSamples: 20, holdDownMs: HOLD },
      },
      {
        probes,
        createLiveness: (spec, l) => createLivenessMonitor(spec, { probes }, { onChange: (e) => (liveness.push(e), l.onChange(e)), onSample: (s) => l.onSample?.(s) }),
      },
      { onVerdict: (v) => verdicts.push(v), onEvent: (e) => events.push(e) },
    );
    monitor.start();
  });

  afterAll(async () => {
    monitor?.close();
    await probes.stop();
    await lab?.cleanup();
  });

  test('20 % loss: demoted while staying up; promoted after it heals, not before the hold-down', async () => {
    await waitFor(() => monitor.verdict.state === 'up', 15_000, { what: 'the tunnel to come up', intervalMs: 20 });
    // A clean window first, so what follows is the loss's doing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(monitor.status().quality.figures).toMatchObject({ lossPct: 0 });

    const lossAt = performance.now();
    await randomLoss(peer, 'hlpeer', 20, 'in');
    const demoted = (await waitFor(() => events.find((e) => e.type === 'demoted'), 20_000, { what: 'demotion', intervalMs: 20 })) as Extract<
      TunnelHealthOutput,
      { type: 'demoted' }
    >;
    expect(demoted.reason).toBe('loss');
    expect(monitor.verdict).toMatchObject({ state: 'demoted', reason: 'loss' });
    process.stdout.write(`20 % loss: demoted ${(demoted.at - lossAt).toFixed(0)} ms after the loss began: ${demoted.detail}\n`);

    // Longer than the hold-down with the loss on: stays demoted, never down.
    await new Promise((r) => setTimeout(r, HOLD + 2000));
    expect(monitor.verdict.state).toBe('demoted');
    const f = monitor.status().quality.figures!;
    expect(f.lossPct).toBeGreaterThan(5);
    process.stdout.write(`while lossy: ${f.lost}/${f.samples} lost over ${WINDOW} ms (${f.lossPct.toFixed(1)} %), RTT ${f.rttMs?.toFixed(3)} ms\n`);

    await stopLoss(peer, 'hlpeer');
    const healedAt = performance.now();
    const promoted = (await waitFor(() => events.find((e) => e.type === 'promoted'), 30_000, { what: 'promotion', intervalMs: 20 })) as Extract<
      TunnelHealthOutput,
      { type: 'promoted' }
    >;
    process.stdout.write(
      `healed: promoted ${(promoted.at - healedAt).toFixed(0)} ms after the loss stopped (window ${WINDOW} ms to clear below 5 %, then hold-down ${HOLD} ms)\n`,
    );
    // Hysteresis: the healthy period can only start after the heal, and must last the hold-down.
    expect(promoted.at - healedAt).toBeGreaterThanOrEqual(HOLD);
    expect(monitor.verdict.state).toBe('up');

    expect(liveness.map((e) => e.state)).toEqual(['up']);
    expect(verdicts.map((v) => v.state)).toEqual(['up', 'demoted', 'up']);
  });
});
