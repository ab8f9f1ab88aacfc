// The liveness controller: one TunnelHealthMonitor per neighbor with liveness; each verdict goes to the failover
// core (which acts on BGP and the FIB), plus failover timing, events and probe-mode steering. docs/liveness.md.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OpsEventBody } from '../api/events';
import type { LivenessStatus, TunnelQualityStatus } from '../api/types';
import { prefixFamily } from '../bgp/prefix';
import type { Prefix } from '../bgp/types';
import type { LivenessConfig, NeighborConfig } from '../config';
import {
  createLivenessMonitor,
  TunnelHealthMonitor,
  type BfdSessionSource,
  type LivenessEvent,
  type LivenessListener,
  type LivenessMonitor,
  type LivenessSpec,
  type ProbeSource,
  type TunnelVerdict,
} from '../health';
import type { TimerHandle } from '../util/clock';
import { DEMOTION_MARK } from './drain-marks';
import type { FailoverRunner } from './failover';
import { healthOptions, type SpecExtras } from './liveness-spec';
import { livenessStatus, qualityStatus, type SessionDecorator, type TunnelView } from './liveness-status';
import type { Neighbor } from './neighbor';
import type { Speaker } from './speaker';
import { halvesOf, planSteering, Steering, type DeadTunnel, type SteeringSession } from './steering';

/** At most this many prefixes of a dead tunnel are split into halves (see advertisedOver). */
const STEERING_MAX_PARENTS = 1000;

export { DEMOTION_MARK };
const QUALITY_PUSH_MS = 1000;

/** Where a verdict goes besides BGP. All optional: the daemon attaches what it runs. */
export interface LivenessHooks {
  /** Operator events (GET /v1/events; metrics and alerts subscribe): liveness, demotion and failover. */
  events?: { publish(e: OpsEventBody): unknown };
  /** Quality gauges, pushed every second (Prometheus). */
  metrics?: { tunnelQuality(name: string, q: { lossPct?: number; rttMs?: number; jitterMs?: number }): void };
  /**
   * Failover timing (Operations.failoverDetected): from the liveness detection until the Loc-RIB no longer uses the
   * tunnel, published as a `failover` event. Without it the controller publishes one itself, timed to the FIB.
   */
  failovers?: { failoverDetected(tunnel: string, reason: string, startedAt?: number): void };
}

export interface LivenessControllerDeps extends SpecExtras {
  logger: Logger;
  /** The failover core: verdicts go there, and it acts (FIB first, then the session, marks). */
  failover: FailoverRunner;
  bfd?: BfdSessionSource;
  probes?: ProbeSource;
  /** For tests: each tunnel's liveness monitor built another way. */
  createLiveness?: (spec: LivenessSpec, listener: LivenessListener) => LivenessMonitor;
}

export interface LivenessControllerEvents {
  /** A tunnel's verdict changed (after the controller acted on it). */
  verdict: [name: string, verdict: TunnelVerdict, previous: TunnelVerdict];
  /** Emitted as the FIB is told (also without a FIB): the tunnel is dead / usable again. */
  'tunnel-down': [name: string, verdict: TunnelVerdict];
  'tunnel-up': [name: string, verdict: TunnelVerdict];
}

interface Tunnel {
  name: string;
  neighbor: Neighbor;
  cfg: LivenessConfig;
  monitor: TunnelHealthMonitor;
  /** The verdict handed to the failover core last. */
  verdict: TunnelVerdict;
  downs: number;
  liveness: 'unknown' | 'up' | 'down';
  livenessSince: number;
  /** Probe mode with steering, while down: our prefixes that were advertised over the tunnel when it died. */
  affected: Prefix[];
}

export class LivenessController extends EventEmitter<LivenessControllerEvents> implements SessionDecorator {
  private readonly tunnels = new Map<string, Tunnel>();
  readonly steering: Steering;
  private hooks: LivenessHooks = {};
  private readonly log: Logger;
  private started = false;
  private closed = false;
  private pushTimer: TimerHandle | undefined;

  constructor(
    private readonly speaker: Speaker,
    private readonly deps: LivenessControllerDeps,
  ) {
    super();
    this.log = deps.logger.child({ component: 'liveness' });
    this.steering = new Steering(speaker.locRib);
    for (const n of speaker.neighbors) this.veto(n);
    speaker.on('peer-up', () => this.steer());
    speaker.on('peer-down', () => this.steer());
    speaker.on('neighbor-added', (n) => {
      this.veto(n);
      if (this.started) this.track(n);
    });
    speaker.on('neighbor-removed', (name) => this.untrack(name));
  }

  /** Connects the FIB, the event bus and metrics; may be called again (later hooks replace earlier ones). */
  attach(hooks: LivenessHooks): void {
    this.hooks = { ...this.hooks, ...hooks };
    if (hooks.metrics && this.started) this.schedulePush();
  }

  /** Starts a monitor per neighbor with liveness; call after speaker.start() (their sessions wait, deferStart). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (const n of this.speaker.neighbors) this.track(n);
    if (this.hooks.metrics) this.schedulePush();
  }

  /** Closes every monitor (BFD sessions end with AdminDown); sessions are left as they are. */
  close(): void {
    this.closed = true;
    this.pushTimer?.cancel();
    for (const t of this.tunnels.values()) t.monitor.close();
  }

  /** False while the tunnel's verdict is down (not verified yet, dead, or held after a flap). True without liveness. */
  private verified(name: string): boolean {
    const t = this.tunnels.get(name);
    return !t || t.verdict.state !== 'down';
  }

  /** The verdict now, with its current reason (dampened, loss...). */
  verdict(name: string): TunnelVerdict | undefined {
    return this.tunnels.get(name)?.monitor.verdict;
  }

  sessionStatus(name: string): { liveness?: LivenessStatus; quality?: TunnelQualityStatus } {
    const t = this.tunnels.get(name);
    if (!t) return {};
    const v = this.view(t);
    const quality = qualityStatus(v);
    return { liveness: livenessStatus(v), ...(quality ? { quality } : {}) };
  }

  // ---- tunnels ------------------------------------------------------------------------------------------

  private veto(n: Neighbor): void {
    n.exportVeto = (prefix, best) => best.peer.local && this.steering.vetoes(n.name, prefix);
  }

  private track(n: Neighbor): void {
    const cfg = n.config.liveness;
    if (!cfg || this.tunnels.has(n.name) || this.closed) return;
    try {
      this.monitor(n, cfg);
    } catch (err) {
      // A neighbor added by reload whose mode needs a service this run did not start: it stays held (Idle).
      this.log.error({ err, tunnel: n.name }, `tunnel ${n.name}: cannot start ${cfg.mode} liveness; its session stays down (restart the daemon)`);
    }
  }

  private monitor(n: Neighbor, cfg: LivenessConfig): void {
    const config = n.config as NeighborConfig & { liveness: LivenessConfig };
    const clock = this.speaker.clock;
    const name = n.name;
    const monitorLog = {
      // The controller logs one line per verdict change; the monitor's own narrative is debug.
      info: (obj: object, msg: string) => this.log.debug(obj, msg),
      warn: (obj: object, msg: string) => this.log.warn(obj, msg),
    };
    let t: Tunnel | undefined;
    const build = this.deps.createLiveness ?? ((spec: LivenessSpec, l: LivenessListener) => createLivenessMonitor(spec, this.deps, l));
    const monitor = new TunnelHealthMonitor(
      healthOptions(config, this.deps),
      {
        clock,
        log: monitorLog,
        ...(this.deps.bfd ? { bfd: this.deps.bfd } : {}),
        ...(this.deps.probes ? { probes: this.deps.probes } : {}),
        // Tap liveness changes (counts, events) on their way into the monitor.
        createLiveness: (spec, l) => build(spec, { onChange: (ev) => (t && this.onLiveness(t, ev), l.onChange(ev)), onSample: (s) => l.onSample?.(s) }),
      },
      { onVerdict: (v, prev) => this.speaker.loop.post(`liveness:${name}`, () => t && this.act(t, v, prev)) },
    );
    t = { name, neighbor: n, cfg, monitor, verdict: monitor.verdict, downs: 0, liveness: 'unknown', livenessSince: clock.now(), affected: [] };
    this.tunnels.set(name, t);
    this.log.info({ tunnel: name, mode: cfg.mode, intervalMs: cfg.intervalMs, multiplier: cfg.multiplier }, `tunnel ${name}: ${cfg.mode} liveness; session held until the tunnel is up`);
    monitor.start();
  }

  private untrack(name: string): void {
    const t = this.tunnels.get(name);
    if (!t) return;
    t.monitor.close();
    this.tunnels.delete(name);
    this.steer();
  }

  private onLiveness(t: Tunnel, ev: LivenessEvent): void {
    t.livenessSince = this.speaker.clock.now();
    // A start in Down is no flap (as dampening counts it): only Up -> Down counts.
    if (ev.state === 'down' && t.liveness === 'up') t.downs++;
    t.liveness = ev.state;
    // Published from the loop, like every operator event, so it takes its place among the ones it causes.
    const body = { type: 'liveness', tunnel: t.name, mode: ev.mode, state: ev.state, detail: ev.detail, detectionTimeMs: ev.detectionTimeMs } as const;
    this.speaker.loop.post(`liveness:${t.name}:event`, () => this.hooks.events?.publish(body));
  }

  /** One verdict change, on the daemon loop. */
  private act(t: Tunnel, v: TunnelVerdict, prev: TunnelVerdict): void {
    if (this.closed || this.tunnels.get(t.name) !== t) return;
    t.verdict = v;
    // livenessAt: epoch ms when the worker saw the liveness change behind this verdict (the log's time is ours).
    const livenessAt = t.monitor.status().liveness.last?.at;
    this.log.info(
      {
        event: 'tunnel-verdict',
        tunnel: t.name,
        mode: t.cfg.mode,
        from: prev.state,
        to: v.state,
        reason: v.reason,
        detail: v.detail,
        ...(livenessAt !== undefined ? { livenessAt } : {}),
        ...(v.heldUntil !== undefined ? { heldForMs: Math.round(v.heldUntil - v.since) } : {}),
      },
      `tunnel ${t.name} ${prev.state} -> ${v.state} (${v.reason}): ${v.detail}`,
    );
    const n = t.neighbor;
    const wasUp = n.isUp;
    const accepted = n.counts().accepted;
    const detectedAt = t.monitor.status().liveness.last?.at;
    const how = t.cfg.mode === 'bfd' ? 'BFD' : 'probe';
    if (v.state === 'down') {
      if (t.cfg.mode === 'probe' && t.cfg.steering.moreSpecifics && wasUp) t.affected = this.advertisedOver(n);
    } else t.affected = [];
    const detail = v.state === 'down' ? `${how} down: ${v.detail}` : v.detail;
    const actions = this.deps.failover.dispatch(t.name, { type: 'verdict', state: v.state, detail });
    if (v.state === 'down' && prev.state !== 'down') this.emit('tunnel-down', t.name, v);
    if (v.state !== 'down' && prev.state === 'down') this.emit('tunnel-up', t.name, v);
    for (const a of actions) {
      if (a.type === 'session-stop' && a.cause === 'liveness' && wasUp && detectedAt !== undefined) this.failover(t, detail, accepted, detectedAt, this.deps.failover.lastFibOp(t.name));
      if (a.type === 'marks' && a.source === 'demotion') this.demotionChanged(t, v, a.on);
    }
    this.steer();
    this.emit('verdict', t.name, v, prev);
  }

  private demotionChanged(t: Tunnel, v: TunnelVerdict, on: boolean): void {
    const q = t.cfg.quality;
    if (q === false) return;
    this.log.info(
      { event: on ? 'tunnel-demoted' : 'tunnel-promoted', tunnel: t.name, reason: v.reason, prepend: on ? q.prepend : 0, localPref: on ? q.localPref : undefined },
      on ? `tunnel ${t.name} demoted: learned routes at LOCAL_PREF ${q.localPref}, ${q.prepend} extra prepends` : `tunnel ${t.name} promoted: marks removed`,
    );
    this.hooks.events?.publish({ type: 'demotion', tunnel: t.name, state: on ? 'demoted' : 'promoted', reason: v.reason, detail: v.detail });
  }

  /** A failover off an Established session, timed from the liveness detection (`detectedAt`, epoch ms). */
  private failover(t: Tunnel, reason: string, prefixes: number, detectedAt: number, fibDone: unknown): void {
    const f = this.hooks.failovers;
    if (f) {
      // Clock ms of the detection: the worker's epoch stamp, carried back by how long ago it was.
      const ago = Math.max(0, performance.timeOrigin + performance.now() - detectedAt);
      f.failoverDetected(t.name, reason, this.speaker.clock.now() - ago);
      return;
    }
    if (prefixes === 0) return;
    // Without the operations side: from detection until the FIB has the tunnel out of its groups (or now).
    const publish = () =>
      this.hooks.events?.publish({ type: 'failover', tunnel: t.name, reason, prefixes, durationMs: Math.max(0, Math.round(performance.timeOrigin + performance.now() - detectedAt)) });
    if (fibDone instanceof Promise) void fibDone.then(publish, publish);
    else publish();
  }

  // ---- steering (probe mode) --------------------------------------------------------------------------

  /**
   * What the far side reaches us by over this neighbor's tunnel: our originated prefixes and the learned ones we pass
   * on (a LAN router's site prefix, say), but not halves already in force. Capped: steering is for the handful of
   * site prefixes a cloud gateway takes (AWS VGW accepts 100 per session), not for full tables.
   */
  private advertisedOver(n: Neighbor): Prefix[] {
    const out = new Set(this.speaker.config.originate.filter((p) => this.exportsOriginated(n, p)));
    for (const p of n.advertisedPrefixes(STEERING_MAX_PARENTS)) if (!this.steering.halves.has(p)) out.add(p);
    return [...out];
  }

  private exportsOriginated(n: Neighbor, p: Prefix): boolean {
    if (!n.negotiatedFamilies?.includes(prefixFamily(p))) return false;
    const local = this.speaker.locRib.get(p)?.paths.find((x) => x.peer.local);
    return local !== undefined && n.exportPolicy.exportRoute(p, local) !== undefined;
  }

  /** Recomputes the halves from the dead probe-mode tunnels and the sessions that survive them. */
  private steer(): void {
    if (this.closed) return;
    const dead: DeadTunnel[] = [];
    for (const t of this.tunnels.values()) {
      if (t.verdict.state === 'down' && t.affected.length > 0) dead.push({ name: t.name, remoteAsn: t.neighbor.config.remoteAsn, affected: t.affected });
    }
    if (dead.length === 0 && this.steering.halves.size === 0) return;
    const sessions: SteeringSession[] = this.speaker.neighbors.map((n) => ({
      name: n.name,
      remoteAsn: n.config.remoteAsn,
      ebgp: !n.config.ibgp,
      alive: n.isUp && this.verified(n.name),
      exports: (p) => n.advertises(p) || this.exportsOriginated(n, p),
    }));
    const learned = (p: Prefix) => this.speaker.locRib.get(p)?.paths.some((x) => !x.peer.local) ?? false;
    const plan = planSteering(dead, sessions, new Set(this.speaker.config.originate), learned);
    const ch = this.steering.apply(plan);
    if (ch.added.length + ch.removed.length + ch.retargeted.length === 0) return;
    const targets = Object.fromEntries([...plan.halves].map(([p, s]) => [p, [...s]]));
    this.log.info(
      { event: 'steering', dead: dead.map((d) => d.name), added: ch.added, removed: ch.removed, retargeted: ch.retargeted, targets, skipped: plan.skipped },
      ch.added.length + ch.retargeted.length > 0
        ? `steering: more-specific halves ${[...plan.halves.keys()].join(', ')} over ${[...new Set(Object.values(targets).flat())].join(', ')}`
        : `steering: halves withdrawn (${ch.removed.join(', ')})`,
    );
  }

  // ---- status and metrics -------------------------------------------------------------------------------

  private view(t: Tunnel): TunnelView {
    const mine = new Set(t.affected.flatMap((p) => halvesOf(p) ?? []));
    const steering = [...this.steering.halves.keys()].filter((h) => mine.has(h));
    return { cfg: t.cfg, health: t.monitor.status(), now: this.speaker.clock.now(), livenessSince: t.livenessSince, downs: t.downs, steering };
  }

  private schedulePush(): void {
    this.pushTimer?.cancel();
    this.pushTimer = this.speaker.clock.setTimeout(() => {
      const m = this.hooks.metrics;
      if (this.closed || !m) return;
      for (const t of this.tunnels.values()) {
        const f = t.monitor.status().quality.figures;
        if (f) m.tunnelQuality(t.name, { lossPct: f.lossPct, ...(f.rttMs !== undefined ? { rttMs: f.rttMs } : {}), ...(f.jitterMs !== undefined ? { jitterMs: f.jitterMs } : {}) });
      }
      this.schedulePush();
    }, QUALITY_PUSH_MS);
  }
}
