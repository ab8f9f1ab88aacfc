// The Prometheus metrics: session gauges read from the live status at each scrape, counters and histograms fed by
// operator events and by the liveness side's calls, and the HTTP endpoint.

import { get } from 'node:http';
import type { OpsEvent, OpsEventBody } from '../../../src/api/events';
import { BgpfoMetrics, startMetricsServer, type SessionSample } from '../../../src/metrics';

/** The value of one sample in exposition text, or undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.keys(labels).length === Object.keys(got).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let seq = 0;
const ev = (b: OpsEventBody): OpsEvent => ({ ...b, seq: ++seq, time: new Date(0).toISOString() }) as OpsEvent;

function session(name: string, state: string, over: Partial<SessionSample> = {}): SessionSample {
  return { name, peer: `10.0.0.${name.length}`, state, uptime: state === 'Established' ? 42 : null, prefixes: { received: 5, accepted: 4, advertised: 1 }, drained: false, ...over };
}

test('session gauges follow the live status at every scrape; a removed neighbor disappears', async () => {
  const m = new BgpfoMetrics({ defaultMetrics: false, info: { version: '9.9.9', asn: 65001, routerId: '10.0.0.1' } });
  let sessions = [session('tun-a1', 'Established'), session('tun-b1', 'Active', { drained: true })];
  m.setSource({ sessions: () => sessions, locRibPrefixes: () => 7 });
  let text = await m.text();
  expect(sample(text, 'bgpfo_info', { version: '9.9.9', asn: '65001', router_id: '10.0.0.1' })).toBe(1);
  expect(sample(text, 'bgpfo_session_state', { neighbor: 'tun-a1', peer: '10.0.0.6' })).toBe(6);
  expect(sample(text, 'bgpfo_session_state', { neighbor: 'tun-b1', peer: '10.0.0.6' })).toBe(3);
  expect(sample(text, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(1);
  expect(sample(text, 'bgpfo_session_up', { neighbor: 'tun-b1' })).toBe(0);
  expect(sample(text, 'bgpfo_session_uptime_seconds', { neighbor: 'tun-a1' })).toBe(42);
  expect(sample(text, 'bgpfo_session_prefixes', { neighbor: 'tun-a1', kind: 'accepted' })).toBe(4);
  expect(sample(text, 'bgpfo_session_drained', { neighbor: 'tun-b1' })).toBe(1);
  expect(sample(text, 'bgpfo_loc_rib_prefixes')).toBe(7);

  sessions = [session('tun-a1', 'Idle')];
  text = await m.text();
  expect(sample(text, 'bgpfo_session_state', { neighbor: 'tun-a1', peer: '10.0.0.6' })).toBe(1);
  expect(sample(text, 'bgpfo_session_state', { neighbor: 'tun-b1', peer: '10.0.0.6' })).toBeUndefined();
});

test('events feed flaps, failovers (count and duration), liveness, demotions and reloads', async () => {
  const m = new BgpfoMetrics({ defaultMetrics: false });
  m.observe(ev({ type: 'session-up', neighbor: 'tun-a1', peer: 'p', peerRouterId: 'r', families: [] }));
  let text = await m.text();
  expect(sample(text, 'bgpfo_session_flaps_total', { neighbor: 'tun-a1' })).toBe(0);
  m.observe(ev({ type: 'session-down', neighbor: 'tun-a1', peer: 'p', reason: 'hold-timer-expired', message: 'hold timer expired' }));
  m.observe(ev({ type: 'failover', tunnel: 'tun-a1', reason: 'hold timer expired', prefixes: 3, durationMs: 40 }));
  m.observe(ev({ type: 'failover', tunnel: 'tun-a1', reason: 'BFD down', prefixes: 3, durationMs: 3000 }));
  m.observe(ev({ type: 'liveness', tunnel: 'tun-a1', mode: 'bfd', state: 'down', detail: '', detectionTimeMs: 300 }));
  m.observe(ev({ type: 'demotion', tunnel: 'tun-b1', state: 'demoted', reason: 'loss', detail: '' }));
  m.observe(ev({ type: 'reload', result: 'refused', detail: [] }));
  text = await m.text();
  expect(sample(text, 'bgpfo_session_flaps_total', { neighbor: 'tun-a1' })).toBe(1);
  expect(sample(text, 'bgpfo_failovers_total', { tunnel: 'tun-a1' })).toBe(2);
  expect(sample(text, 'bgpfo_failover_duration_seconds_count', { tunnel: 'tun-a1' })).toBe(2);
  expect(sample(text, 'bgpfo_failover_duration_seconds_bucket', { tunnel: 'tun-a1', le: '0.05' })).toBe(1);
  expect(sample(text, 'bgpfo_failover_duration_seconds_sum', { tunnel: 'tun-a1' })).toBeCloseTo(3.04);
  expect(sample(text, 'bgpfo_liveness_up', { tunnel: 'tun-a1', mode: 'bfd' })).toBe(0);
  expect(sample(text, 'bgpfo_liveness_transitions_total', { tunnel: 'tun-a1', mode: 'bfd', state: 'down' })).toBe(1);
  expect(sample(text, 'bgpfo_liveness_detection_time_seconds', { tunnel: 'tun-a1', mode: 'bfd' })).toBe(0.3);
  expect(sample(text, 'bgpfo_tunnel_demoted', { tunnel: 'tun-b1' })).toBe(1);
  expect(sample(text, 'bgpfo_demotions_total', { tunnel: 'tun-b1' })).toBe(1);
  expect(sample(text, 'bgpfo_reloads_total', { result: 'refused' })).toBe(1);
  expect(sample(text, 'bgpfo_events_total', { type: 'failover' })).toBe(2);
});

test('the liveness side pushes quality (loss as a ratio or a percentage, times in seconds)', async () => {
  const m = new BgpfoMetrics({ defaultMetrics: false });
  m.tunnelQuality('tun-a1', { lossPct: 2.5, rttMs: 12, jitterMs: 1.5 });
  m.tunnelQuality('tun-b1', { loss: 0.5 });
  m.bfdEvent('tun-b1', { state: 'up', mode: 'probe', detectionTimeMs: 150 });
  m.alertSent('command', false);
  const text = await m.text();
  expect(sample(text, 'bgpfo_tunnel_loss_ratio', { tunnel: 'tun-a1' })).toBe(0.025);
  expect(sample(text, 'bgpfo_tunnel_rtt_seconds', { tunnel: 'tun-a1' })).toBe(0.012);
  expect(sample(text, 'bgpfo_tunnel_jitter_seconds', { tunnel: 'tun-a1' })).toBe(0.0015);
  expect(sample(text, 'bgpfo_tunnel_loss_ratio', { tunnel: 'tun-b1' })).toBe(0.5);
  expect(sample(text, 'bgpfo_liveness_up', { tunnel: 'tun-b1', mode: 'probe' })).toBe(1);
  expect(sample(text, 'bgpfo_alerts_total', { channel: 'command', result: 'failed' })).toBe(1);
});

function fetchText(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

test('GET /metrics on the configured TCP address; process metrics included by default', async () => {
  const m = new BgpfoMetrics();
  m.setSource({ sessions: () => [session('tun-a1', 'Established')], locRibPrefixes: () => 1 });
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics: m });
  try {
    const { port } = server.address();
    const r = await fetchText(port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(r.body, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(1);
    expect(r.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect((await fetchText(port, '/nope')).status).toBe(404);
    const taken = await startMetricsServer({ host: '127.0.0.1', port, metrics: m }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ code: 'ERR_METRICS_LISTEN', message: expect.stringMatching(/^cannot listen for metrics on 127\.0\.0\.1:\d+: EADDRINUSE/) });
  } finally {
    await server.close();
  }
});
