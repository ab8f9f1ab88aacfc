// Probe mode against a far side that runs no BFD (a bare namespace that answers ICMP echo), IPv4 and IPv6, at 50 ms x 3:
// a blackhole is detected (time printed next to interval x multiplier), the restore brings it back after the flap
// hold-down; a killed ping is reported and restarted; no ping outlives its daemon, even one killed with SIGKILL.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLivenessMonitor } from '../../src/health/liveness';
import { TunnelHealthMonitor } from '../../src/health/monitor';
import { ProbeService } from '../../src/health/probe-service';
import type { TunnelHealthOutput } from '../../src/health/tunnel-health';
import type { LivenessEvent, TunnelVerdict } from '../../src/health/types';
import { Lab, blackhole, restore, waitFor, type Netns } from './harness';

const ME4 = '10.78.0.1';
const PEER4 = '10.78.0.2';
const ME6 = 'fd00:78::1';
const PEER6 = 'fd00:78::2';
const INTERVAL = 50;
const MULT = 3;

// testTimeout in a jest project entry is not honoured (it is a global option): set it here.
jest.setTimeout(60_000);

const epochNow = () => performance.timeOrigin + performance.now();

/** A process is gone when /proc has no entry or it is a zombie (its parent died; the container's init may not reap). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    const s = readFileSync(stat, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

interface Tracked {
  monitor: TunnelHealthMonitor;
  liveness: LivenessEvent[];
  verdicts: TunnelVerdict[];
  events: TunnelHealthOutput[];
}

describe('probe mode (ping) in namespaces, far side without BFD', () => {
  let lab: Lab;
  let me: Netns;
  let peer: Netns;
  const probes = new ProbeService();
  const tunnels: Record<'v4' | 'v6', Tracked> = {} as never;

  beforeAll(async () => {
    lab = Lab.create('hprobe');
    me = await lab.addNamespace('me');
    peer = await lab.addNamespace('peer');
    await lab.link({ ns: me, ifname: 'hpme', v4: `${ME4}/30`, v6: `${ME6}/64` }, { ns: peer, ifname: 'hppeer', v4: `${PEER4}/30`, v6: `${PEER6}/64` });
    await probes.start();
    lab.onCleanup(() => probes.stop());
    for (const [id, local, remote] of [
      ['v4', ME4, PEER4],
      ['v6', ME6, PEER6],
    ] as const) {
      const t: Tracked = { liveness: [], verdicts: [], events: [], monitor: undefined as never };
      t.monitor = new TunnelHealthMonitor(
        { name: id, liveness: { mode: 'probe', local, peer: remote, intervalMs: INTERVAL, multiplier: MULT, netns: me.name } },
        {
          probes,
          // The real probe liveness, with its events recorded on the way.
          createLiveness: (spec, l) =>
            createLivenessMonitor(spec, { probes }, { onChange: (e) => (t.liveness.push(e), l.onChange(e)), onSample: (s) => l.onSample?.(s) }),
        },
        { onVerdict: (v) => t.verdicts.push(v), onEvent: (e) => t.events.push(e) },
      );
      t.monitor.start();
      tunnels[id] = t;
    }
  });

  afterAll(async () => {
    for (const t of Object.values(tunnels)) t.monitor.close();
    await probes.stop();
    await lab?.cleanup();
  });

  const last = (id: 'v4' | 'v6') => tunnels[id].liveness.at(-1);
  const waitLiveness = (id: 'v4' | 'v6', state: 'up' | 'down', ms = 10_000) =>
    waitFor(() => (last(id)?.state === state ? last(id) : undefined), ms, {
      intervalMs: 10,
      what: `${id} liveness ${state} (events ${JSON.stringify(tunnels[id].liveness.map((e) => [e.state, e.reason]))})`,
    });
  const waitVerdict = (id: 'v4' | 'v6', state: TunnelVerdict['state'], ms = 10_000) =>
    waitFor(() => tunnels[id].monitor.verdict.state === state, ms, { intervalMs: 10, what: `${id} verdict ${state}` }).catch((e: Error) => {
      throw new Error(`${e.message}; status: ${JSON.stringify(tunnels[id].monitor.status())}`);
    });

  test('both families come Up by 3 consecutive replies; the verdict is up and RTT is measured', async () => {
    for (const id of ['v4', 'v6'] as const) {
      const ev = await waitLiveness(id, 'up');
      expect(ev).toMatchObject({ mode: 'probe', reason: 'probe-replies', detectionTimeMs: INTERVAL * MULT });
      await waitVerdict(id, 'up');
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const id of ['v4', 'v6'] as const) {
      const q = tunnels[id].monitor.status().quality;
      expect(q.source).toBe('probe');
      expect(q.figures!.samples).toBeGreaterThan(3);
      expect(q.figures!.lossPct).toBe(0);
      expect(q.figures!.rttMs).toBeGreaterThan(0);
    }
    expect(probes.childPids()).toHaveLength(2);
  });

  test('a blocked main loop (1.5 s busy, 10 detection times) causes no false Down: ping and its reader run elsewhere', async () => {
    const before = { v4: tunnels.v4.liveness.length, v6: tunnels.v6.liveness.length };
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      /* busy, as a burst of UPDATE processing would be */
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(tunnels.v4.liveness.slice(before.v4)).toEqual([]);
    expect(tunnels.v6.liveness.slice(before.v6)).toEqual([]);
    expect([tunnels.v4.monitor.verdict.state, tunnels.v6.monitor.verdict.state]).toEqual(['up', 'up']);
  });

  test('blackholing the far side brings both Down by probe timeout; the restore brings them Up after the flap hold-down', async () => {
    const t0 = epochNow();
    await blackhole(peer, 'hppeer');
    const downs = await Promise.all((['v4', 'v6'] as const).map((id) => waitLiveness(id, 'down')));
    for (const d of downs) expect(d).toMatchObject({ reason: 'probe-timeout', detectionTimeMs: 150 });
    process.stdout.write(
      `probe ${INTERVAL} ms x ${MULT}: blackhole to Down v4 ${(downs[0]!.at - t0).toFixed(0)} ms, v6 ${(downs[1]!.at - t0).toFixed(0)} ms (interval x multiplier ${INTERVAL * MULT} ms; ping reports a probe lost when the next is due)\n`,
    );
    for (const id of ['v4', 'v6'] as const) {
      await waitVerdict(id, 'down');
      expect(tunnels[id].monitor.verdict.reason).toBe('liveness-down');
      expect(tunnels[id].events).toContainEqual(expect.objectContaining({ type: 'dampened', level: 1, holdMs: 1000 }));
    }

    const t1 = epochNow();
    await restore(peer, 'hppeer');
    const ups = await Promise.all((['v4', 'v6'] as const).map((id) => waitLiveness(id, 'up')));
    process.stdout.write(`probe: restore to Up v4 ${(ups[0]!.at - t1).toFixed(0)} ms, v6 ${(ups[1]!.at - t1).toFixed(0)} ms\n`);
    for (const [i, id] of (['v4', 'v6'] as const).entries()) {
      // Live again, but not used before the 1 s flap hold-down has passed (the monitor's clock, made epoch).
      await waitVerdict(id, 'up', 5000);
      const up = tunnels[id].verdicts.at(-1)!;
      const heldMs = performance.timeOrigin + up.since - ups[i]!.at;
      process.stdout.write(`probe ${id}: used again ${heldMs.toFixed(0)} ms after liveness Up (flap hold-down 1000 ms)\n`);
      expect(heldMs).toBeGreaterThanOrEqual(999); // 1 ms for the two threads' epoch clocks
      expect(tunnels[id].verdicts.map((v) => v.state)).toEqual(['up', 'down', 'up']);
    }
  });

  test('a killed ping child is reported Down (ping-exited) and restarted; the probe comes back Up', async () => {
    const before = probes.childPids();
    expect(before).toHaveLength(2);
    for (const pid of before) process.kill(pid, 'SIGKILL');
    for (const id of ['v4', 'v6'] as const) {
      const d = await waitLiveness(id, 'down', 5000);
      expect(d.reason).toBe('ping-exited');
      expect(d.detail).toContain('SIGKILL');
    }
    for (const id of ['v4', 'v6'] as const) await waitLiveness(id, 'up', 10_000);
    const after = probes.childPids();
    expect(after).toHaveLength(2);
    for (const pid of after) expect(before).not.toContain(pid);
  });

  test('a ping that cannot start (source address not on this host) is Down with its own words, and retried', async () => {
    const events: { state: string; reason: string; detail: string }[] = [];
    const local = 'fd00:78::9'; // inside the link's /64, so the far side can answer once it exists
    const h = probes.requestProbe({ local, peer: PEER6, intervalMs: INTERVAL, multiplier: MULT, netns: me.name }, { onChange: (e) => events.push(e) });
    try {
      await waitFor(() => events.length > 0, 5000, { what: 'a Down for the unstartable probe' });
      expect(events[0]).toMatchObject({ state: 'down', reason: 'ping-exited', detail: 'ping exited (code 2): bind icmp socket: Cannot assign requested address' });
      // Once the address exists, the next restart (backoff 1 s, 2 s ...) picks it up.
      await me.exec(['ip', '-6', 'addr', 'add', `${local}/64`, 'dev', 'hpme', 'nodad']);
      await waitFor(() => events.at(-1)?.state === 'up', 10_000, { what: `the probe to come up once its address exists (${JSON.stringify(events)})` });
    } finally {
      h.close();
    }
    await waitFor(() => probes.childPids().length === 2, 3000, { what: 'the closed probe to report its ping gone' });
  });

  test('stop() leaves no ping behind', async () => {
    const pids = probes.childPids();
    expect(pids).toHaveLength(2);
    for (const t of Object.values(tunnels)) t.monitor.close();
    await probes.stop();
    await waitFor(() => pids.every(gone), 3000, { what: `pings ${pids.join(', ')} to be gone` });
  });
});

test('a daemon killed with SIGKILL leaves no ping behind (its next line hits a closed pipe)', async () => {
  // A separate Node process runs a ProbeService (ping over loopback), prints its ping's pid, and is SIGKILLed.
  const repo = join(__dirname, '..', '..');
  const script = `
    const { ProbeService } = require('./src/health/probe-service.ts');
    const s = new ProbeService();
    s.start().then(() => {
      s.requestProbe({ local: '127.0.0.1', peer: '127.0.0.1', intervalMs: 50, multiplier: 3 }, {
        onChange: (e) => { if (e.state === 'up') console.log('PIDS ' + JSON.stringify(s.childPids())); },
      });
      setInterval(() => {}, 1000);
    });
  `;
  const child = spawn(process.execPath, ['-r', join(__dirname, 'bfd-harness', 'register.js'), '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  try {
    const line = await waitFor(() => /PIDS (\[.*\])/.exec(out)?.[1], 20_000, { what: `the probe process to report its ping (output: ${out})` });
    const pids = JSON.parse(line) as number[];
    expect(pids).toHaveLength(1);
    expect(gone(pids[0]!)).toBe(false);
    child.kill('SIGKILL');
    await waitFor(() => gone(pids[0]!), 3000, { what: `ping ${pids[0]} to die after its daemon` });
  } finally {
    child.kill('SIGKILL');
  }
});
