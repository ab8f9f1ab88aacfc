// BgpfoMetrics: the daemon's Prometheus metrics (prom-client) in a registry of its own. Session and RIB gauges are
// read from a source at scrape time; failovers, liveness, quality and demotions are fed by events (docs/operations.md).

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpsEvent } from '../api/events';
import { registerBfdMetrics, type BfdMetricsSource } from './bfd';

/** RFC 4271 §8 states as the numbers BGP exporters commonly use (1 Idle .. 6 Established). */
export const SESSION_STATE_NUMBER: Record<string, number> = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 };

export interface SessionSample {
  name: string;
  peer: string;
  state: string;
  /** Seconds Established, null when not. */
  uptime: number | null;
  prefixes: { received: number; accepted: number; advertised: number };
  drained: boolean;
}

/** What the scrape reads from the running daemon (the speaker's status). */
export interface MetricsSource {
  sessions(): SessionSample[];
  locRibPrefixes(): number;
}

export interface TunnelQualitySample {
  /** Loss as a ratio 0..1 (give this or lossPct). */
  loss?: number;
  /** Loss in percent 0..100. */
  lossPct?: number;
  rttMs?: number;
  jitterMs?: number;
}

export interface LivenessSample {
  state: 'up' | 'down';
  mode?: 'bfd' | 'probe';
  /** Detection time in force (interval x multiplier). */
  detectionTimeMs?: number;
}

export interface BgpfoMetricsOptions {
  /** Process and Node.js metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes...); default true. */
  defaultMetrics?: boolean;
  /** Static labels of bgpfo_info. */
  info?: { version: string; asn: number; routerId: string };
}

/** Failover durations: from a BFD-speed failover (tens of ms) to a hold-timer one (seconds). */
const FAILOVER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90];

export class BgpfoMetrics {
  readonly registry = new Registry();
  private source: MetricsSource | undefined;
  private bfdSource: BfdMetricsSource | undefined;
  private readonly info: Gauge;
  private readonly sessionState: Gauge;
  private readonly sessionUp: Gauge;
  private readonly sessionUptime: Gauge;
  private readonly sessionPrefixes: Gauge;
  private readonly sessionDrained: Gauge;
  private readonly sessionFlaps: Counter;
  private readonly livenessUp: Gauge;
  private readonly livenessTransitions: Counter;
  private readonly detectionTime: Gauge;
  private readonly failovers: Counter;
  private readonly failoverDuration: Histogram;
  private readonly outages: Counter;
  private readonly outagePrefixes: Counter;
  private readonly loss: Gauge;
  private readonly rtt: Gauge;
  private readonly jitter: Gauge;
  private readonly demoted: Gauge;
  private readonly demotions: Counter;
  private readonly reloads: Counter;
  private readonly events: Counter;
  private readonly alerts: Counter;

  constructor(opts: BgpfoMetricsOptions = {}) {
    const r = [this.registry];
    const self = this;
    this.info = new Gauge({ name: 'bgpfo_info', help: 'Always 1; labels: version, local AS, router id.', labelNames: ['version', 'asn', 'router_id'], registers: r });
    if (opts.info) this.info.set({ version: opts.info.version, asn: String(opts.info.asn), router_id: opts.info.routerId }, 1);
    // Session gauges are rebuilt at every scrape from the live status, so a neighbor removed by reload disappears.
    // The registry reads metrics in registration order: this collect() fills the four session gauges after it too.
    this.sessionState = new Gauge({
      name: 'bgpfo_session_state',
      help: 'BGP FSM state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.',
      labelNames: ['neighbor', 'peer'],
      registers: r,
      collect() {
        self.collectSessions();
      },
    });
    this.sessionUp = new Gauge({ name: 'bgpfo_session_up', help: '1 when the session is Established.', labelNames: ['neighbor'], registers: r });
    this.sessionUptime = new Gauge({ name: 'bgpfo_session_uptime_seconds', help: 'Seconds since the session reached Established (0 when down).', labelNames: ['neighbor'], registers: r });
    this.sessionPrefixes = new Gauge({
      name: 'bgpfo_session_prefixes',
      help: 'Prefixes per session: received (pre-policy), accepted (post-policy), advertised.',
      labelNames: ['neighbor', 'kind'],
      registers: r,
    });
    this.sessionDrained = new Gauge({ name: 'bgpfo_session_drained', help: '1 while the neighbor is drained (bgpfo drain).', labelNames: ['neighbor'], registers: r });
    this.sessionFlaps = new Counter({ name: 'bgpfo_session_flaps_total', help: 'Times a session left Established.', labelNames: ['neighbor'], registers: r });
    new Gauge({
      name: 'bgpfo_loc_rib_prefixes',
      help: 'Prefixes with a best path in the Loc-RIB.',
      registers: r,
      collect() {
        if (self.source) this.set(self.source.locRibPrefixes());
      },
    });
    this.livenessUp = new Gauge({ name: 'bgpfo_liveness_up', help: 'BFD or probe liveness of a tunnel: 1 up, 0 down.', labelNames: ['tunnel', 'mode'], registers: r });
    this.livenessTransitions = new Counter({
      name: 'bgpfo_liveness_transitions_total',
      help: 'BFD or probe liveness changes per tunnel and new state.',
      labelNames: ['tunnel', 'mode', 'state'],
      registers: r,
    });
    this.detectionTime = new Gauge({
      name: 'bgpfo_liveness_detection_time_seconds',
      help: 'Detection time in force (interval x multiplier).',
      labelNames: ['tunnel', 'mode'],
      registers: r,
    });
    this.failovers = new Counter({ name: 'bgpfo_failovers_total', help: 'Times traffic left a tunnel that carried best paths for another path.', labelNames: ['tunnel'], registers: r });
    this.failoverDuration = new Histogram({
      name: 'bgpfo_failover_duration_seconds',
      help: 'From detection until the Loc-RIB (and FIB) no longer used the tunnel.',
      labelNames: ['tunnel'],
      buckets: FAILOVER_BUCKETS,
      registers: r,
    });
    this.outages = new Counter({ name: 'bgpfo_outages_total', help: 'Times a lost tunnel left prefixes with no path at all (no failover possible).', labelNames: ['tunnel'], registers: r });
    this.outagePrefixes = new Counter({ name: 'bgpfo_outage_prefixes_total', help: 'Prefixes left with no path at all by a lost tunnel, summed over outages.', labelNames: ['tunnel'], registers: r });
    this.loss = new Gauge({ name: 'bgpfo_tunnel_loss_ratio', help: 'Probe loss over the health window, 0..1.', labelNames: ['tunnel'], registers: r });
    this.rtt = new Gauge({ name: 'bgpfo_tunnel_rtt_seconds', help: 'Mean probe round-trip time over the health window.', labelNames: ['tunnel'], registers: r });
    this.jitter = new Gauge({ name: 'bgpfo_tunnel_jitter_seconds', help: 'Probe jitter over the health window.', labelNames: ['tunnel'], registers: r });
    this.demoted = new Gauge({ name: 'bgpfo_tunnel_demoted', help: '1 while the tunnel is demoted for quality.', labelNames: ['tunnel'], registers: r });
    this.demotions = new Counter({ name: 'bgpfo_demotions_total', help: 'Times a tunnel was demoted for quality.', labelNames: ['tunnel'], registers: r });
    this.reloads = new Counter({ name: 'bgpfo_reloads_total', help: 'Config reloads by result (applied, unchanged, refused).', labelNames: ['result'], registers: r });
    this.events = new Counter({ name: 'bgpfo_events_total', help: 'Operator events published, by type.', labelNames: ['type'], registers: r });
    this.alerts = new Counter({ name: 'bgpfo_alerts_total', help: 'Alerts sent, by channel (command, url) and result (ok, failed).', labelNames: ['channel', 'result'], registers: r });
    registerBfdMetrics(this.registry, () => this.bfdSource);
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The BFD service whose process, lateness and packet counters the bgpfo_bfd_* metrics read at scrape time. */
  setBfdSource(source: BfdMetricsSource | undefined): void {
    this.bfdSource = source;
  }

  /** Where session and RIB gauges come from at scrape time. */
  setSource(source: MetricsSource): void {
    this.source = source;
  }

  tunnelQuality(tunnel: string, q: TunnelQualitySample): void {
    const loss = q.loss ?? (q.lossPct !== undefined ? q.lossPct / 100 : undefined);
    if (loss !== undefined) this.loss.set({ tunnel }, loss);
    if (q.rttMs !== undefined) this.rtt.set({ tunnel }, q.rttMs / 1000);
    if (q.jitterMs !== undefined) this.jitter.set({ tunnel }, q.jitterMs / 1000);
  }

  failover(tunnel: string, ms: number): void {
    this.failovers.inc({ tunnel });
    this.failoverDuration.observe({ tunnel }, ms / 1000);
  }

  outage(tunnel: string, prefixes: number): void {
    this.outages.inc({ tunnel });
    this.outagePrefixes.inc({ tunnel }, prefixes);
  }

  bfdEvent(tunnel: string, ev: LivenessSample): void {
    const mode = ev.mode ?? 'bfd';
    this.livenessUp.set({ tunnel, mode }, ev.state === 'up' ? 1 : 0);
    this.livenessTransitions.inc({ tunnel, mode, state: ev.state });
    if (ev.detectionTimeMs !== undefined && ev.detectionTimeMs > 0) this.detectionTime.set({ tunnel, mode }, ev.detectionTimeMs / 1000);
  }

  demotion(tunnel: string, demoted: boolean): void {
    this.demoted.set({ tunnel }, demoted ? 1 : 0);
    if (demoted) this.demotions.inc({ tunnel });
  }

  alertSent(channel: 'command' | 'url', ok: boolean): void {
    this.alerts.inc({ channel, result: ok ? 'ok' : 'failed' });
  }

  /** Feeds an operator event into the counters (subscribe this to the daemon's EventBus). */
  observe(e: OpsEvent): void {
    this.events.inc({ type: e.type });
    switch (e.type) {
      case 'session-down':
        this.sessionFlaps.inc({ neighbor: e.neighbor });
        break;
      case 'session-up':
        // Make the counter exist at 0 for a session that never flapped.
        this.sessionFlaps.inc({ neighbor: e.neighbor }, 0);
        break;
      case 'failover':
        this.failover(e.tunnel, e.durationMs);
        break;
      case 'outage':
        this.outage(e.tunnel, e.prefixes);
        break;
      case 'liveness':
        this.bfdEvent(e.tunnel, { state: e.state, mode: e.mode, detectionTimeMs: e.detectionTimeMs });
        break;
      case 'demotion':
        this.demotion(e.tunnel, e.state === 'demoted');
        break;
      case 'reload':
        this.reloads.inc({ result: e.result });
        break;
      default:
        break;
    }
  }

  /** The exposition text (what GET /metrics returns). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private collectSessions(): void {
    const src = this.source;
    if (!src) return;
    for (const g of [this.sessionState, this.sessionUp, this.sessionUptime, this.sessionPrefixes, this.sessionDrained]) g.reset();
    for (const s of src.sessions()) {
      const neighbor = s.name;
      this.sessionState.set({ neighbor, peer: s.peer }, SESSION_STATE_NUMBER[s.state] ?? 0);
      this.sessionUp.set({ neighbor }, s.state === 'Established' ? 1 : 0);
      this.sessionUptime.set({ neighbor }, s.uptime ?? 0);
      for (const kind of ['received', 'accepted', 'advertised'] as const) this.sessionPrefixes.set({ neighbor, kind }, s.prefixes[kind]);
      this.sessionDrained.set({ neighbor }, s.drained ? 1 : 0);
    }
  }
}
