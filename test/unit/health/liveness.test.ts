// The two LivenessMonitor implementations over fake BFD and probe services: what they request, how they map
// events, and what they close.

import type { BfdRequestOptions, BfdSessionHandle, BfdStateEvent } from '../../../src/bfd/service';
import { createLivenessMonitor, type BfdSessionSource, type LivenessSpec, type ProbeSource } from '../../../src/health/liveness';
import type { ProbeClient, ProbeHandle, ProbeRequestOptions } from '../../../src/health/probe-service';
import type { LivenessEvent, QualitySample } from '../../../src/health/types';

class FakeBfd implements BfdSessionSource {
  requests: { opts: BfdRequestOptions; onChange: (ev: BfdStateEvent) => void; closed: boolean }[] = [];
  requestSession(opts: BfdRequestOptions, onChange: (ev: BfdStateEvent) => void): BfdSessionHandle {
    const r = { opts, onChange, closed: false };
    this.requests.push(r);
    return { close: () => void (r.closed = true), update: () => undefined, current: undefined };
  }
}

class FakeProbes implements ProbeSource {
  requests: { opts: ProbeRequestOptions; client: ProbeClient; closed: boolean }[] = [];
  requestProbe(opts: ProbeRequestOptions, client: ProbeClient): ProbeHandle {
    const r = { opts, client, closed: false };
    this.requests.push(r);
    return { close: () => void (r.closed = true), current: undefined };
  }
}

const bfdEv = (state: BfdStateEvent['state'], diag = 0, diagText = 'No Diagnostic'): BfdStateEvent => ({ state, diag, diagText, detectionTimeMs: 300, at: 1234.5 });

function collect() {
  const changes: LivenessEvent[] = [];
  const samples: QualitySample[] = [];
  return { changes, samples, listener: { onChange: (e: LivenessEvent) => changes.push(e), onSample: (s: QualitySample) => samples.push(s) } };
}

const base = { local: '10.0.0.1', peer: '10.0.0.2', intervalMs: 100, multiplier: 3 };

describe('BFD mode', () => {
  test('requests a session with the timers, and a 200 ms side probe for quality by default', () => {
    const bfd = new FakeBfd();
    const probes = new FakeProbes();
    const c = collect();
    const m = createLivenessMonitor({ mode: 'bfd', ...base, ifname: 'wg0', bfd: { passive: true } }, { bfd, probes }, c.listener);
    expect(bfd.requests[0]!.opts).toEqual({ local: '10.0.0.1', peer: '10.0.0.2', ifname: 'wg0', desiredMinTxMs: 100, requiredMinRxMs: 100, multiplier: 3, passive: true });
    expect(probes.requests[0]!.opts).toEqual({ local: '10.0.0.1', peer: '10.0.0.2', ifname: 'wg0', intervalMs: 200, multiplier: 3 });
    expect(m.qualitySource).toBe('bfd-side-probe');
    expect(m.mode).toBe('bfd');
  });

  test('Up is up, Down and AdminDown are down with the diagnostic, Init and repeats change nothing', () => {
    const bfd = new FakeBfd();
    const c = collect();
    const m = createLivenessMonitor({ mode: 'bfd', ...base, qualityProbe: false }, { bfd }, c.listener);
    const send = bfd.requests[0]!.onChange;
    send(bfdEv('Init'));
    send(bfdEv('Up'));
    send(bfdEv('Up'));
    send(bfdEv('Down', 1, 'Control Detection Time Expired'));
    send(bfdEv('Init'));
    send(bfdEv('AdminDown', 7, 'Administratively Down'));
    send(bfdEv('Up'));
    expect(c.changes.map((e) => [e.state, e.reason, e.detail])).toEqual([
      ['up', 'bfd-up', 'BFD session Up'],
      ['down', 'bfd-down', 'BFD session Down: Control Detection Time Expired'],
      ['up', 'bfd-up', 'BFD session Up'],
    ]);
    expect(c.changes[0]).toMatchObject({ mode: 'bfd', at: 1234.5, detectionTimeMs: 300 });
    expect(m.current?.state).toBe('up');
    expect(m.qualitySource).toBe('none');
  });

  test('the side probe only feeds samples; its own Up/Down is ignored; close() closes both', () => {
    const bfd = new FakeBfd();
    const probes = new FakeProbes();
    const c = collect();
    const m = createLivenessMonitor({ mode: 'bfd', ...base, qualityProbe: { intervalMs: 500 } }, { bfd, probes }, c.listener);
    expect(probes.requests[0]!.opts.intervalMs).toBe(500);
    const client = probes.requests[0]!.client;
    client.onChange({ state: 'down', reason: 'probe-timeout', detail: 'x', at: 1, detectionTimeMs: 1500 });
    client.onSample!({ seq: 1, outcome: 'reply', rttMs: 3, at: 2 });
    expect(c.changes).toEqual([]);
    expect(c.samples).toEqual([{ seq: 1, outcome: 'reply', rttMs: 3, at: 2 }]);
    m.close();
    expect(bfd.requests[0]!.closed).toBe(true);
    expect(probes.requests[0]!.closed).toBe(true);
  });

  test('without a ProbeService there is no quality source; without a BfdService it cannot start', () => {
    const c = collect();
    expect(createLivenessMonitor({ mode: 'bfd', ...base }, { bfd: new FakeBfd() }, c.listener).qualitySource).toBe('none');
    expect(() => createLivenessMonitor({ mode: 'bfd', ...base }, {}, c.listener)).toThrow(/BfdService/);
  });
});

describe('probe mode', () => {
  test('requests a probe with interval, multiplier, zone and namespace; passes events and samples through', () => {
    const probes = new FakeProbes();
    const c = collect();
    const spec: LivenessSpec = { mode: 'probe', ...base, ifname: 'wg1', netns: 'lab-a' };
    const m = createLivenessMonitor(spec, { probes }, c.listener);
    expect(probes.requests[0]!.opts).toEqual({ local: '10.0.0.1', peer: '10.0.0.2', ifname: 'wg1', netns: 'lab-a', intervalMs: 100, multiplier: 3 });
    const client = probes.requests[0]!.client;
    client.onChange({ state: 'up', reason: 'probe-replies', detail: '3 consecutive replies', at: 10, detectionTimeMs: 300 });
    client.onSample!({ seq: 3, outcome: 'reply', rttMs: 1, at: 10 });
    expect(c.changes).toEqual([{ state: 'up', mode: 'probe', reason: 'probe-replies', detail: '3 consecutive replies', at: 10, detectionTimeMs: 300 }]);
    expect(c.samples).toHaveLength(1);
    expect(m.current?.state).toBe('up');
    expect(m.qualitySource).toBe('probe');
    m.close();
    expect(probes.requests[0]!.closed).toBe(true);
  });

  test('needs a ProbeService', () => {
    expect(() => createLivenessMonitor({ mode: 'probe', ...base }, {}, collect().listener)).toThrow(/ProbeService/);
  });
});
