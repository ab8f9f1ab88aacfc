// The data-plane analysis on synthetic traffic: what the receiver records, which tunnel each flow used, what a
// fault cost each flow (loss, longest gap, net of the agents' own stalls), and how expectations are judged.

import { carrying, droppingTunnels, failedTunnels, flowTunnels, flowWindowStats, lostInTunnels, median, streamNames, tunnelSeries } from '../../../src/scenario/analyze';
import { resolveTunnelRef } from '../../../src/scenario/check';
import { evaluateCheckpoint, limitMs, type CheckpointRecord, type EvalContext } from '../../../src/scenario/expect';
import { decodeBitmap, FlowRecorder, missingIn, seqAt, seqTime, stalledWithin, type SenderReport } from '../../../src/scenario/flow-record';
import { measureFault, type FaultRecord } from '../../../src/scenario/measure';
import { lossSeries } from '../../../src/scenario/report';
import type { Expectation } from '../../../src/scenario/types';
import { aa4Plan, syntheticRun, syntheticSamples } from './helpers';

const plan = aa4Plan();
const T0 = 1_000_000;
const [t1, t2, t3, t4] = plan.tunnels.map((t) => t.name) as [string, string, string, string];
const FAULT = T0 + 1000;
const MOVED = T0 + 1300;

/** Four flows, one per tunnel; t1 blackholed at FAULT, its flow back on t2 from MOVED. */
function blackholeRun(o: { senderStalls?: { at: number; ms: number }[] } = {}) {
  const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT, MOVED]] }, {}, {}, {}], ...(o.senderStalls ? { senderStalls: o.senderStalls } : {}) });
  const samples = syntheticSamples(plan, { t0: T0, t1: T0 + 3000, every: 100, pps: 1000, flows: 4, route: (f, at) => (f === 0 ? (at < MOVED ? t1 : t2) : [t1, t2, t3, t4][f]) });
  return { run, samples };
}

const fault: FaultRecord = { step: 4, line: 20, fault: { kind: 'blackhole', tunnel: 't1' }, began: FAULT, at: FAULT + 5, text: '', failed: [t1] };

function ctx(extra: Partial<EvalContext> = {}): EvalContext {
  const { run, samples } = blackholeRun();
  return { plan, runs: [run], samples, faults: [fault], sampleMs: 100, detectionMs: 300, trafficStartedAt: T0, ...extra };
}

const check = (e: Expectation, at = T0 + 2000, more: Partial<CheckpointRecord> = {}) => evaluateCheckpoint(ctx(), { step: 6, line: 30, expect: e, began: at, at, ...more });

describe('the receiver record', () => {
  it('keeps a bitmap of what arrived, and every gap with its wall-clock ends', () => {
    let now = 0;
    const r = new FlowRecorder(5, () => now);
    for (const [t, seq] of [[0, 0], [1, 1], [2, 2], [40, 5], [41, 4], [42, 4], [43, 6]] as const) {
      now = t;
      r.onPacket(7, seq);
    }
    const [f] = r.report(1).flows;
    expect(f).toMatchObject({ flow: 7, received: 6, duplicates: 1, reordered: 2, maxSeq: 6, firstAt: 0, lastAt: 43, gaps: [{ from: 2, to: 40, seqBefore: 2, seqAfter: 5 }] });
    expect(missingIn(decodeBitmap(f!.bitmap), 0, 8)).toBe(2); // 3, and 7 (never sent, but asked for)
  });

  it('maps sequence numbers to schedule times, across a stall of the sender', () => {
    const s: SenderReport = { startedAt: 1000, stoppedAt: 3000, ppsPerFlow: 1000, sent: [2000], sendErrors: 0, sportBase: 1, stalls: [{ at: 1500, ms: 100 }] };
    expect(seqAt(s, 1250)).toBe(250);
    expect(seqTime(s, 250)).toBe(1250);
    expect(seqTime(s, 450)).toBe(1500); // due in the stall: sent when the sender woke up
  });

  it('merges overlapping stalls when subtracting them from a gap', () => {
    expect(stalledWithin(0, 100, [{ at: 50, ms: 20 }, { at: 60, ms: 20 }, { at: 200, ms: 30 }])).toBe(30);
    expect(stalledWithin(0, 100, [])).toBe(0);
  });
});

describe('the per-flow analysis', () => {
  it('knows which tunnel each flow used before the fault, and where it went', () => {
    const { run, samples } = blackholeRun();
    expect(flowTunnels(plan, run, samples, { from: FAULT - 300, to: FAULT })).toEqual(new Map([[0, new Map([[t1, 300]])], [1, new Map([[t2, 300]])], [2, new Map([[t3, 300]])], [3, new Map([[t4, 300]])]]));
    expect([...flowTunnels(plan, run, samples, { from: T0 + 2000, to: T0 + 2300 }).get(0)!.keys()]).toEqual([t2]);
    expect(carrying(plan, samples, { from: T0 + 2000, to: T0 + 2300 }).sort()).toEqual([t2, t3, t4].sort());
  });

  it('measures what the fault cost each flow: packets lost and the longest gap', () => {
    const { run } = blackholeRun();
    const stats = flowWindowStats(run, { from: FAULT, to: T0 + 2000 });
    expect(stats.map((s) => [s.label, s.lost, Math.round(s.longestGapMs), s.notRecovered])).toEqual([
      ['hq-h1>dc-h1#0', 300, 301, false],
      ['hq-h1>dc-h1#1', 0, 0, false],
      ['hq-h1>dc-h1#2', 0, 0, false],
      ['hq-h1>dc-h1#3', 0, 0, false],
    ]);
    expect(stats[0]!.lossDerivedMs).toBe(300);
  });

  it('does not count the time the sender itself stalled as an outage', () => {
    const stall = { at: T0 + 2100, ms: 60 };
    const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[stall.at - stall.ms, stall.at]] }, {}], senderStalls: [stall] });
    const [a] = flowWindowStats(run, { from: T0 + 2000, to: T0 + 2500 });
    expect(a!.lost).toBe(60);
    expect(a!.longestGapMs).toBeLessThan(2);
  });

  it('keeps a loss-derived outage when a stalled sender hides the gap, and flags the check disturbed', () => {
    // The sender slept through the fault and sent 400 packets at once; the first 300 were lost. The outage may have
    // begun right after the last packet that arrived (sent before the stall) and lasted to the last lost send.
    const stall = { at: FAULT + 400, ms: 400 };
    const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT, FAULT + 300]] }, {}, {}, {}], senderStalls: [stall] });
    const [a] = flowWindowStats(run, { from: FAULT, to: T0 + 2000 });
    expect(a!.longestGapMs).toBeLessThan(5);
    expect(a!.lost).toBe(300);
    expect(a!.outageMs).toBe(401);
    const { samples } = blackholeRun();
    const [r] = evaluateCheckpoint({ plan, runs: [run], samples, faults: [fault], sampleMs: 100, detectionMs: 300, trafficStartedAt: T0 }, { step: 6, line: 30, expect: { outageMaxMs: { ms: 250 } }, began: T0 + 2000, at: T0 + 2000 });
    expect(r).toMatchObject({ ok: false, disturbed: 'the traffic agents stalled 1 time(s) in this window, up to 400 ms (a busy machine): run it again' });
  });

  it('reads the loss-derived outage on the sender clock: packets owed from before the fault and sent into it add no time', () => {
    // The sender ran 20 ms behind when the tunnel died at FAULT: at FAULT it sent what was due since FAULT - 20.5 at
    // once; those due before FAULT - 10 arrived, the rest went into the outage. 310 lost, over a 300 ms outage.
    const stall = { at: FAULT, ms: 20.5 };
    const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT - 10, MOVED]] }, {}], senderStalls: [stall] });
    const [a] = flowWindowStats(run, { from: FAULT - 100, to: T0 + 2000 });
    expect(a).toMatchObject({ lost: 310, lossDerivedMs: 299, lossStartUncertainMs: 0 });
    // Asleep as the outage began: it began somewhere in the stall. All of it is counted, and said to be unsure.
    const asleep = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT - 20, MOVED]] }, {}], senderStalls: [stall] });
    const [b] = flowWindowStats(asleep, { from: FAULT - 100, to: T0 + 2000 });
    expect(b).toMatchObject({ lost: 320, lossDerivedMs: 320, lossStartUncertainMs: 20 });
    // Random loss: each lost packet one interval, as lost x interval.
    const lossy = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: Array.from({ length: 50 }, (_, i) => [FAULT + 10 * i, FAULT + 10 * i + 1] as [number, number]) }] });
    expect(flowWindowStats(lossy, { from: FAULT - 100, to: T0 + 2000 })[0]).toMatchObject({ lost: 50, lossDerivedMs: 50, lossStartUncertainMs: 0 });
  });

  it('calls an outage check over by less than its senders slept as the loss began disturbed (run again), not one over by more', () => {
    const stall = { at: FAULT, ms: 20.5 };
    const asleep = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT - 20, MOVED]] }, {}, {}, {}], senderStalls: [stall] });
    const { samples } = blackholeRun();
    const c: EvalContext = { plan, runs: [asleep], samples, faults: [{ ...fault, began: FAULT - 100 }], sampleMs: 100, detectionMs: 300, trafficStartedAt: T0 };
    const at = T0 + 2000;
    const [near] = evaluateCheckpoint(c, { step: 6, line: 30, expect: { outageMaxMs: { ms: 305 } }, began: at, at });
    expect(near).toMatchObject({ ok: false, disturbed: expect.stringContaining('the senders were not running as the loss began (up to 20 ms') });
    const [far] = evaluateCheckpoint(c, { step: 6, line: 30, expect: { outageMaxMs: { ms: 295 } }, began: at, at });
    expect(far).toMatchObject({ ok: false });
    expect(far!.disturbed).toBeUndefined();
  });

  it('flags a failed check disturbed when the hypervisor took CPU time in its window, not when it took little', () => {
    const { run, samples } = blackholeRun();
    const judge = (share: number) =>
      evaluateCheckpoint({ plan, runs: [run], samples, faults: [fault], sampleMs: 100, detectionMs: 300, trafficStartedAt: T0, stealShare: () => share }, { step: 6, line: 30, expect: { outageMaxMs: { ms: 250 } }, began: T0 + 2000, at: T0 + 2000 })[0];
    expect(judge(0.12)).toMatchObject({ ok: false, disturbed: 'the hypervisor took 12.0% of the CPU time in this window (steal: a shared host): run it again' });
    expect(judge(0.02)).toMatchObject({ ok: false });
    expect(judge(0.02)?.disturbed).toBeUndefined();
  });

  it('calls a flow that never came back not recovered, with the gap up to the end', () => {
    const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT, T0 + 9999]] }] });
    const [a] = flowWindowStats(run, { from: FAULT, to: T0 + 2000 });
    expect(a).toMatchObject({ lost: 1000, notRecovered: true });
    expect(Math.round(a!.longestGapMs)).toBe(2001); // from the last packet before the outage to the end
  });

  it('turns counters into packets per second per tunnel, and receiver bitmaps into loss per second', () => {
    const { run, samples } = blackholeRun();
    const s = tunnelSeries(plan, samples);
    expect(s.map((x) => x.id)).toEqual(['t1', 't2', 't3', 't4']);
    expect(s[0]!.points.find(([at]) => at === T0 + 500)![1]).toBe(1000);
    expect(s[0]!.points.find(([at]) => at === T0 + 2000)![1]).toBe(0);
    expect(s[1]!.points.find(([at]) => at === T0 + 2000)![1]).toBe(2000);
    const loss = lossSeries([run], 100);
    expect(loss.find(([at]) => at === T0 + 1100)![1]).toBe(1000);
    expect(loss.find(([at]) => at === T0 + 2000)![1]).toBe(0);
  });

  it('knows which tunnels each kind of fault takes away', () => {
    const r = (ref: string) => resolveTunnelRef(plan, ref);
    expect(failedTunnels(plan, { kind: 'isp-down', isp: 'isp1' }, r)).toHaveLength(4);
    expect(failedTunnels(plan, { kind: 'node-down', node: 'r1' }, r).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(failedTunnels(plan, { kind: 'kill', node: 'gw1' }, r).map((t) => t.id)).toEqual(['t1', 't3']);
    expect(failedTunnels(plan, { kind: 'restore', tunnel: 't1' }, r)).toEqual([]);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
});

describe('expectations', () => {
  it('pass when the outage of the flows on the failed tunnel is within the limit', () => {
    const [r] = check({ outageMaxMs: { detectionPlusMs: 25 } });
    expect(r).toMatchObject({ check: 'outage-max-ms', ok: true, expected: expect.stringContaining('detection 300 + 25 = 325 ms') });
    expect(r!.measured).toBe('outage 301 ms (hq-h1>dc-h1#0: longest gap 301 ms, 300 lost)');
    expect(limitMs({ ms: 9 }, 300)).toBe(9);
  });

  it('fail with the flows that broke the limit, each with what it was on', () => {
    const [r] = check({ name: 'failover', outageMaxMs: { ms: 250 } });
    expect(r).toMatchObject({ name: 'failover', ok: false, line: 30 });
    expect(r!.details[0]).toBe("hq-h1>dc-h1#0: 301 ms without a packet from -1 ms, 300 lost (300 ms on the sender's clock) (was on t1)");
    expect(r!.details).toContain('1 of 4 flows were on t1');
  });

  it('check that the other flows lost nothing, and where the traffic is', () => {
    const out = check({ unaffectedLossless: true, trafficOff: ['t1'] });
    expect(out.map((x) => [x.check, x.ok])).toEqual([
      ['unaffected-lossless', true],
      ['traffic-off', true],
    ]);
    const on = check({ trafficOn: ['t1', 't2', 't3', 't4'] });
    expect(on[0]).toMatchObject({ check: 'traffic-on', ok: false });
    expect(check({ trafficOn: ['isp1'] })[0]!.ok).toBe(false);
    expect(check({ trafficOn: ['t2', 't3', 't4'], noFlap: true }).map((x) => x.ok)).toEqual([true, true]);
  });

  it("tell two streams between the same hosts apart: an IPv6 flow's loss is not excused by its IPv4 twin's tunnel", () => {
    const { run, samples } = blackholeRun();
    // The IPv6 stream's flow 0 stays on t3 and loses 50 packets; the IPv4 stream's flow 0 was on t1.
    const v6 = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[FAULT + 100, FAULT + 150]] }, {}, {}, {}] });
    const twin = { ...v6, index: 1, stream: { ...v6.stream, family: 6 as const }, sportBase: 42000 };
    const v6samples = syntheticSamples(plan, { t0: T0, t1: T0 + 3000, every: 100, pps: 1000, flows: 4, route: (f) => [t3, t2, t3, t4][f] });
    const merged = samples.map((a, i) => ({ at: a.at, counts: new Map([...a.counts, ...[...v6samples[i]!.counts].map(([k, n]) => [k.replace(/\/41(\d+)$/, '/42$1'), n] as [string, number])]) }));
    const names = streamNames([run.stream, twin.stream]);
    expect(names).toEqual(['hq-h1>dc-h1', 'hq-h1>dc-h1/v6']);
    expect(streamNames([run.stream, run.stream, twin.stream])).toEqual(['hq-h1>dc-h1:1', 'hq-h1>dc-h1:2', 'hq-h1>dc-h1/v6']);
    const c = ctx({ runs: [{ ...run, name: names[0]! }, { ...twin, name: names[1]! }], samples: merged });
    const at = T0 + 2000;
    const [r] = evaluateCheckpoint(c, { step: 6, line: 30, expect: { unaffectedLossless: true }, began: at, at });
    expect(r).toMatchObject({ check: 'unaffected-lossless', ok: false, measured: '50 packets lost in 1 of them' });
    expect(r!.details).toEqual(['hq-h1>dc-h1/v6#0: 50 lost, longest gap 51 ms']);
  });

  it('count lost packets from the right fault (since:)', () => {
    const c = ctx({ faults: [fault, { ...fault, step: 8, fault: { kind: 'restore', tunnel: 't1' }, began: T0 + 1500, at: T0 + 1510, failed: [] }] });
    const at = T0 + 2000;
    expect(evaluateCheckpoint(c, { step: 9, line: 40, expect: { lostMax: 0 }, began: at, at })[0]).toMatchObject({ ok: true, measured: '0 lost in 0 of 4 flows' });
    expect(evaluateCheckpoint(c, { step: 9, line: 40, expect: { lostMax: 0, since: 'blackhole' }, began: at, at })[0]).toMatchObject({ ok: false, measured: '300 lost in 1 of 4 flows' });
    expect(evaluateCheckpoint(c, { step: 9, line: 40, expect: { lostMax: 300, since: 'traffic-start' }, began: at, at })[0]!.ok).toBe(true);
  });

  describe('losses inside a tunnel (both ends counted)', () => {
    // t1 restored at RESTORE; then flow 0 (on t1 again) loses 5 packets. Both ends are read right after the restore
    // and at the check: r1 routed `into` packets into t1, `out` of them came out at gw1.
    const RESTORE = T0 + 1500;
    const restore: FaultRecord = { step: 8, line: 40, fault: { kind: 'restore', tunnel: 't1' }, began: RESTORE, at: RESTORE + 5, text: '', failed: [] };
    const run = syntheticRun(plan, { t0: T0, seconds: 3, pps: 1000, flows: [{ outages: [[RESTORE + 100, RESTORE + 105]] }, {}, {}, {}] });
    const t1o = plan.tunnels[0]!.onprem.ifname;
    const t1f = plan.tunnels[0]!.far.ifname;
    const pairs = (into: number, out: number) => [
      { at: RESTORE + 10, counts: new Map([[`${t1o}/out/41000`, 1000], [`${t1f}/in/41000`, 1000]]) },
      { at: T0 + 1990, counts: new Map([[`${t1o}/out/41000`, 1000 + into], [`${t1f}/in/41000`, 1000 + out]]) },
    ];
    const at = T0 + 2000;
    const lostMax = (tunnelType: 'veth' | 'wireguard', p: ReturnType<typeof pairs>, faults = [fault, restore]) =>
      evaluateCheckpoint({ ...ctx(), runs: [run], plan: { ...plan, tunnelType }, pairs: p, faults }, { step: 9, line: 41, expect: { lostMax: 0 }, began: at, at })[0]!;

    it('name them, and over userspace WireGuard call the run disturbed (worth a second run), never passed', () => {
      const wg = lostMax('wireguard', pairs(480, 475));
      expect(wg).toMatchObject({ ok: false, measured: '5 lost in 1 of 4 flows' });
      expect(wg.details).toContain('5 of the 5 lost packets went into a tunnel at one end and never came out of the other (t1 5): lost inside the tunnel, not by routing');
      expect(wg.disturbed).toMatch(/^all 5 lost packets were lost inside the userspace WireGuard tunnels/);
      // Over veth a tunnel losing packets is no busy machine: named, not excused.
      const veth = lostMax('veth', pairs(480, 475));
      expect(veth.details.at(-1)).toMatch(/^5 of the 5 lost packets went into a tunnel/);
      expect(veth.disturbed).toBeUndefined();
    });

    it('leave a loss outside the tunnels as it is (every packet that went in came out)', () => {
      const r = lostMax('wireguard', pairs(480, 480));
      expect(r.details).toContain('0 of the 5 lost packets went into a tunnel at one end and never came out of the other: lost inside the tunnel, not by routing');
      expect(r.disturbed).toBeUndefined();
    });

    it('credit no more than a flow lost (reads race the packets in flight), and nothing without reads of both ends', () => {
      expect(lostMax('wireguard', pairs(480, 400)).details).toContain('5 of the 5 lost packets went into a tunnel at one end and never came out of the other (t1 80): lost inside the tunnel, not by routing');
      const none = lostMax('wireguard', []);
      expect(none.details.some((d) => d.includes('went into a tunnel'))).toBe(false);
      expect(none.disturbed).toBeUndefined();
    });

    it('leave out a tunnel a lab fault was dropping in the window: those packets were the fault\'s', () => {
      const stillBlackholed = lostMax('wireguard', pairs(480, 475), [fault]);
      expect(stillBlackholed.details).toContain('0 of the 5 lost packets went into a tunnel at one end and never came out of the other: lost inside the tunnel, not by routing');
      expect(stillBlackholed.disturbed).toBeUndefined();
    });
  });

  it('know which tunnels a lab fault was dropping within a window', () => {
    const resolve = (r: string) => resolveTunnelRef(plan, r);
    const f = (kind: string, more: object, began: number) => ({ fault: { kind, ...more } as FaultRecord['fault'], began });
    const faults = [f('blackhole', { tunnel: 't1' }, 100), f('restore', { tunnel: 't1' }, 200), f('loss', { tunnel: 't2', percent: 20 }, 300), f('isp-down', { isp: 'isp2' }, 400)];
    expect(droppingTunnels(plan, faults, { from: 50, to: 90 }, resolve)).toEqual(new Set());
    expect(droppingTunnels(plan, faults, { from: 150, to: 160 }, resolve)).toEqual(new Set([t1]));
    expect(droppingTunnels(plan, faults, { from: 210, to: 290 }, resolve)).toEqual(new Set());
    expect(droppingTunnels(plan, faults, { from: 190, to: 350 }, resolve)).toEqual(new Set([t1, t2]));
    const isp2 = plan.tunnels.filter((t) => t.isp === 'isp2').map((t) => t.name);
    expect(droppingTunnels(plan, faults, { from: 450, to: 500 }, resolve)).toEqual(new Set([t2, ...isp2]));
    expect(droppingTunnels(plan, [...faults, f('loss', { tunnel: 't2', percent: 0 }, 460)], { from: 470, to: 500 }, resolve)).toEqual(new Set(isp2));
  });

  it('count per tunnel the packets that went in at one end and not out at the other, each way', () => {
    const [a, b] = [plan.tunnels[0]!, plan.tunnels[1]!];
    const run = syntheticRun(plan, { t0: T0, seconds: 1, pps: 10, flows: [{}], direction: 'in' });
    const from = { at: 0, counts: new Map<string, number>() };
    // Far -> on-prem: into the tunnel at the far end (out), out of it at the on-prem end (in).
    const to = { at: 1, counts: new Map([[`${a.far.ifname}/out/41000`, 10], [`${a.onprem.ifname}/in/41000`, 7], [`${b.far.ifname}/out/41000`, 3], [`${b.onprem.ifname}/in/41000`, 3]]) };
    expect(lostInTunnels(plan, run, 0, from, to, new Set())).toEqual(new Map([[a.name, 3]]));
    expect(lostInTunnels(plan, run, 0, from, to, new Set([a.name]))).toEqual(new Map());
  });

  it('refuse to pass an outage check that measured nothing (no flow on the failed tunnel)', () => {
    const c = ctx({ faults: [{ ...fault, failed: ['nope'] }] });
    const [r] = evaluateCheckpoint(c, { step: 6, line: 30, expect: { outageMaxMs: { ms: 9999 } }, began: T0 + 2000, at: T0 + 2000 });
    expect(r).toMatchObject({ ok: false, measured: expect.stringContaining('nothing measured') });
  });

  it('report sessions as read at the check', () => {
    const [r] = check({ sessionsUp: ['t1'] }, T0 + 2000, { sessions: { [t1]: 'Idle/Active' } });
    expect(r).toMatchObject({ check: 'sessions-up', ok: false, measured: 't1 Idle/Active' });
  });
});

describe('a fault measured', () => {
  it('with the flows it hit, when traffic left, and the daemons timeline beside it', () => {
    const { run, samples } = blackholeRun();
    const timeline = [
      { at: FAULT + 290, node: 'r1', source: 'daemon' as const, kind: 'liveness', tunnel: t1, text: 'bfd down on gw1-isp1 (Control Detection Time Expired)' },
      { at: FAULT + 297, node: 'r1', source: 'kernel' as const, kind: 'fib', text: 'id 5 group 3' },
      { at: FAULT + 299, node: 'r1', source: 'daemon' as const, kind: 'failover', tunnel: t1, text: 'failover', event: { type: 'failover' as const, tunnel: 'gw1-isp1', reason: 'BFD down', prefixes: 1, durationMs: 9, seq: 1, time: '' } },
    ];
    const m = measureFault(plan, [run], samples, timeline, fault, T0 + 2500, 100);
    expect(m).toMatchObject({ failed: [t1], affected: ['hq-h1>dc-h1#0'], affectedLost: 300, unaffectedLost: 0, detectionAfterMs: 290, fibChangeAfterMs: 297, failoverEvents: [{ node: 'r1', durationMs: 9, afterMs: 299 }] });
    expect(m.movedAfterMs).toBeGreaterThanOrEqual(200);
    expect(m.movedAfterMs).toBeLessThanOrEqual(400);
    expect(Math.round(m.affectedLongestGapMs)).toBe(301);
  });
});
