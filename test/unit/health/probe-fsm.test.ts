// Probe-mode liveness rules on real ping transcripts and on constructed sequences: Down after `multiplier` probes
// with nothing heard, Up after `multiplier` consecutive replies, late replies, duplicates, restarts, wrap-around.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePingLine } from '../../../src/health/ping-parse';
import { initialProbeState, probeStep, type ProbeFsmConfig, type ProbeFsmEvent, type ProbeFsmOutput, type ProbeFsmState } from '../../../src/health/probe-fsm';

const cfg: ProbeFsmConfig = { intervalMs: 50, multiplier: 3 };

function run(lines: string[], c = cfg, start: ProbeFsmState = initialProbeState()) {
  let s = start;
  const out: (ProbeFsmOutput & { line: number })[] = [];
  lines.forEach((l, i) => {
    const r = probeStep(s, { type: 'line', line: parsePingLine(l), at: i }, c);
    s = r.state;
    out.push(...r.out.map((o) => ({ ...o, line: i })));
  });
  return { state: s, out, states: out.filter((o) => o.type === 'state') as (Extract<ProbeFsmOutput, { type: 'state' }> & { line: number })[] };
}

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8').split('\n');
const reply = (seq: number, rtt = 1) => `64 bytes from 10.0.0.2: icmp_seq=${seq} ttl=64 time=${rtt} ms`;
const lost = (seq: number) => `no answer yet for icmp_seq=${seq}`;

describe('probe FSM on captured transcripts', () => {
  test.each(['blackhole-v4.txt', 'blackhole-v6.txt'])('%s: Up after 3 replies, Down at the third "no answer yet", Up again after 3 replies', (name) => {
    const lines = fixture(name);
    const { states, out } = run(lines);
    expect(states.map((s) => [s.state, s.reason])).toEqual([
      ['up', 'probe-replies'],
      ['down', 'probe-timeout'],
      ['up', 'probe-replies'],
    ]);
    expect(lines[states[0]!.line]).toContain('icmp_seq=3 ');
    expect(lines[states[1]!.line]).toContain('no answer yet for icmp_seq=10');
    expect(states[1]!.detail).toBe('no reply to 3 probes in a row (icmp_seq 8-10, 3 x 50 ms)');
    expect(lines[states[2]!.line]).toContain('icmp_seq=15 ');
    expect(states[2]!.detail).toBe('3 consecutive replies (icmp_seq 13-15)');
    // One sample per probe: 13 replies and 5 losses.
    const samples = out.filter((o) => o.type === 'sample').map((o) => (o as Extract<ProbeFsmOutput, { type: 'sample' }>).sample);
    expect(samples.filter((s) => s.outcome === 'reply')).toHaveLength(13);
    expect(samples.filter((s) => s.outcome === 'loss').map((s) => s.seq)).toEqual([8, 9, 10, 11, 12]);
  });

  test('late replies (RTT grows to 5 x the interval): never Down, every "no answer yet" answered later is a late reply', () => {
    const { states, out } = run(fixture('late-replies-v4.txt'));
    expect(states.map((s) => s.state)).toEqual(['up']);
    const samples = out.filter((o) => o.type === 'sample').map((o) => (o as Extract<ProbeFsmOutput, { type: 'sample' }>).sample);
    const late = samples.filter((s) => s.late);
    expect(late.length).toBeGreaterThan(5);
    expect(late[0]).toMatchObject({ seq: 22, outcome: 'reply', rttMs: 75.2, late: true });
  });

  test('ICMP errors: Down after 3 probes, the detail names the last ICMP error', () => {
    const lines = fixture('icmp-error-host-unreachable.txt');
    // The first transcript only: three probes, two "no answer yet" (ping -c 3 exits before the third).
    const v4 = lines.slice(0, lines.findIndex((l) => l.startsWith('---')));
    const { states } = run([...v4, lost(3)]);
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ state: 'down', reason: 'probe-timeout' });
    expect(states[0]!.detail).toContain('last ICMP error: Destination Host Unreachable from 10.99.0.2 (icmp_seq 3)');
  });

  test('duplicates are not replies: two real replies and their DUPs do not make 3', () => {
    const lines = fixture('duplicates.txt').slice(0, 5); // header, 1, 1 DUP, 2, 2 DUP
    const { states, out } = run(lines);
    expect(states).toEqual([]);
    expect(out.filter((o) => o.type === 'sample')).toHaveLength(2);
  });
});

describe('probe FSM rules', () => {
  test('Down needs `multiplier` probes with nothing heard; one reply in between resets the count', () => {
    const { states } = run([reply(1), reply(2), reply(3), lost(4), lost(5), reply(6), lost(7), lost(8), lost(9)]);
    expect(states.map((s) => [s.state, s.line])).toEqual([
      ['up', 2],
      ['down', 8],
    ]);
  });

  test('a late reply counts as heard: a path slower than the interval stays Up', () => {
    // RTT ~2 intervals: each probe is reported missing once, then answered.
    const lines = [reply(1), reply(2), reply(3), lost(4), lost(5), reply(4, 120), lost(6), reply(5, 120), lost(7), reply(6, 120), lost(8), reply(7, 120)];
    const { states, out } = run(lines);
    expect(states.map((s) => s.state)).toEqual(['up']);
    const late = out.filter((o) => o.type === 'sample' && o.sample.late).map((o) => (o as Extract<ProbeFsmOutput, { type: 'sample' }>).sample.seq);
    expect(late).toEqual([4, 5, 6, 7]);
  });

  test('Up needs replies with consecutive sequence numbers: a lost probe in between starts the run again', () => {
    const start = run([lost(1), lost(2), lost(3)]);
    expect(start.states.map((s) => s.state)).toEqual(['down']);
    const { states } = run([reply(4), reply(5), lost(6), reply(7), reply(8), reply(9)], cfg, start.state);
    expect(states.map((s) => [s.state, s.line, s.detail])).toEqual([['up', 5, '3 consecutive replies (icmp_seq 7-9)']]);
  });

  test('from unknown, the first verdict can be Down (peer dead at start)', () => {
    expect(run([lost(1), lost(2)]).states).toEqual([]);
    expect(run([lost(1), lost(2), lost(3)]).states.map((s) => s.state)).toEqual(['down']);
  });

  test('sequence numbers wrap from 65535 to 0 without breaking a run', () => {
    const { states } = run([reply(65534), reply(65535), reply(0)]);
    expect(states.map((s) => [s.state, s.detail])).toEqual([['up', '3 consecutive replies (icmp_seq 65534-0)']]);
  });

  test('multiplier 1: one reply is Up, one loss is Down', () => {
    const { states } = run([reply(1), lost(2), reply(3)], { intervalMs: 1000, multiplier: 1 });
    expect(states.map((s) => s.state)).toEqual(['up', 'down', 'up']);
  });

  test('a restarted child starts its sequence again at 1; a failed child is Down once', () => {
    let s = run([reply(1), reply(2), reply(3)]).state;
    expect(s.status).toBe('up');
    const step = (ev: ProbeFsmEvent) => {
      const r = probeStep(s, ev, cfg);
      s = r.state;
      return r.out;
    };
    expect(step({ type: 'child-failed', reason: 'ping-exited', detail: 'ping exited (SIGKILL)', at: 10 })).toEqual([
      { type: 'state', state: 'down', reason: 'ping-exited', detail: 'ping exited (SIGKILL)', at: 10 },
    ]);
    expect(step({ type: 'child-failed', reason: 'ping-exited', detail: 'again', at: 11 })).toEqual([]);
    expect(step({ type: 'child-started', at: 12 })).toEqual([]);
    expect(s.status).toBe('down');
    const r = run([reply(1), reply(2), reply(3)], cfg, s);
    expect(r.states.map((x) => [x.state, x.detail])).toEqual([['up', '3 consecutive replies (icmp_seq 1-3)']]);
  });
});
