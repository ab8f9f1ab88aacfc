// Operating the daemon: the event bus and what feeds it, Prometheus metrics and their endpoint, alerts, drain and
// reload, exposed to the control API as its OperationsProvider (POST /v1/reload|drain|undrain, GET /v1/events).

import type { Logger } from 'pino';
import { Alerter, type AlerterOptions } from '../alerts';
import { EventBus } from '../api/events';
import type { ControlProvider, DrainRequest, DrainResponse, OperationsProvider, ReloadResponse, StatusResponse, UndrainResponse } from '../api/types';
import { bgpfoVersion } from '../api/version';
import type { DaemonConfig, MetricsConfig } from '../config';
import { BgpfoMetrics, startMetricsServer, type MetricsServer } from '../metrics';
import type { Clock } from '../util/clock';
import { DrainManager, drainStatePath, type DrainManagerDeps } from './drain';
import type { FailoverRunner } from './failover';
import type { BgpListener } from './listener';
import { SpeakerEventSource } from './operations-events';
import { Reloader } from './reload-apply';
import { fmtHostPort, type ReloadAction } from './reload';
import type { Speaker } from './speaker';
import type { SpeakerStatus } from './status';

export interface OperationsOptions {
  speaker: Speaker;
  status: SpeakerStatus;
  logger: Logger;
  clock: Clock;
  /** The failover core: drains are scopes there. */
  failover: FailoverRunner;
  /** The file the daemon was started from (reload re-reads it); absent: reload answers ERR_NO_CONFIG_FILE. */
  configPath?: string;
  listener: () => BgpListener | null;
  /** False once liveness declared a tunnel dead (the FIB bridge knows): that failover is the liveness controller's. */
  tunnelAlive?: (name: string) => boolean;
  /** How reload reads the config file (default loadConfig). */
  load?: (path: string) => DaemonConfig;
  /** Test seams. */
  metricsPort?: number;
  defaultMetrics?: boolean;
  alerter?: Partial<AlerterOptions>;
  drain?: Partial<DrainManagerDeps>;
}

export class Operations implements OperationsProvider {
  readonly events: EventBus;
  readonly metrics: BgpfoMetrics;
  readonly alerts: Alerter;
  readonly drains: DrainManager;
  readonly reloader: Reloader;
  private readonly source: SpeakerEventSource;
  private metricsServer: MetricsServer | null = null;
  private metricsAt: MetricsConfig = {};
  private readonly log: Logger;
  private closed = false;

  private constructor(private readonly o: OperationsOptions) {
    const { speaker, logger } = o;
    this.log = logger.child({ component: 'ops' });
    const config = speaker.config;
    this.events = new EventBus({ onListenerError: (err, e) => this.log.error({ err, type: e.type }, 'event listener failed') });
    this.metrics = new BgpfoMetrics({ defaultMetrics: o.defaultMetrics ?? true, info: { version: bgpfoVersion(), asn: config.router.asn, routerId: config.router.routerId } });
    this.alerts = new Alerter({
      config: config.alerts,
      logger,
      version: bgpfoVersion(),
      onResult: (channel, ok) => this.metrics.alertSent(channel, ok),
      ...o.alerter,
    });
    this.drains = new DrainManager({ speaker, failover: o.failover, statePath: drainStatePath(config.control.socket), events: this.events, clock: o.clock, logger, ...o.drain });
    o.failover.setDrainSource((name) => this.drains.drainsFor(name));
    this.reloader = new Reloader({
      speaker,
      drain: this.drains,
      events: this.events,
      logger,
      listener: o.listener,
      applySetting: (a, next) => this.applySetting(a, next),
      ...(o.configPath !== undefined ? { configPath: o.configPath } : {}),
      ...(o.load ? { load: o.load } : {}),
    });
    // Logs first (one structured line per event), then metrics, then alerts: all synchronous and cheap.
    this.events.subscribe((e) => {
      const { seq, time: _time, ...body } = e;
      if (e.type === 'session-state' || e.type === 'routes') this.log.debug({ event: body, seq }, e.type);
      else this.log.info({ event: body, seq }, e.type);
    });
    this.events.subscribe((e) => this.metrics.observe(e));
    this.events.subscribe((e) => this.alerts.handle(e));
    this.metrics.setSource({
      sessions: () =>
        o.status.status().sessions.map((s) => ({
          name: s.name,
          peer: s.peer,
          state: s.state,
          uptime: s.uptime,
          prefixes: s.prefixes,
          drained: this.drains.isDrained(s.name),
        })),
      locRibPrefixes: () => speaker.locRib.size,
    });
    this.source = new SpeakerEventSource({ speaker, events: this.events, clock: o.clock, logger, ...(o.tunnelAlive ? { tunnelAlive: o.tunnelAlive } : {}) });
  }

  /** Builds everything and opens the metrics endpoint when configured (rejects with MetricsListenError). */
  static async start(o: OperationsOptions): Promise<Operations> {
    const ops = new Operations(o);
    await ops.setMetricsListen(o.speaker.config.metrics);
    return ops;
  }

  /** Re-reads the config file (POST /v1/reload, SIGHUP). */
  reload(): Promise<ReloadResponse> {
    return this.reloader.reloadFile();
  }

  drain(req: DrainRequest): Promise<DrainResponse> {
    return this.drains.drain(req);
  }

  undrain(target: string): Promise<UndrainResponse> {
    return this.drains.undrain(target);
  }

  /** For the liveness side: start timing a failover detected outside BGP (see SpeakerEventSource). */
  failoverDetected(tunnel: string, reason: string, startedAt?: number): void {
    this.source.failoverDetected(tunnel, reason, startedAt);
  }

  /** The metrics endpoint's address (tests listen on port 0). */
  get metricsAddress(): { address: string; port: number } | null {
    return this.metricsServer?.address() ?? null;
  }

  /** The control API provider with the operations endpoints and each session's drain state. */
  provider(inner: ControlProvider): ControlProvider {
    const decorate = (s: StatusResponse): StatusResponse => {
      for (const x of s.sessions) {
        const d = this.drains.statusOf(x.name);
        if (d) x.drain = d;
      }
      return s;
    };
    return {
      getStatus: async () => decorate(await inner.getStatus()),
      getRoutes: (q) => inner.getRoutes(q),
      getAdjRibIn: (n, p, q) => inner.getAdjRibIn(n, p, q),
      operations: this,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
    await this.metricsServer?.close();
    this.metricsServer = null;
    await this.alerts.close();
  }

  private async applySetting(a: ReloadAction, _next: DaemonConfig): Promise<void> {
    if (a.kind === 'metrics') await this.setMetricsListen(a.config);
    else if (a.kind === 'alerts') this.alerts.setConfig(a.config);
    // 'stop': read from speaker.config at shutdown time; nothing to do now.
  }

  private async setMetricsListen(m: MetricsConfig): Promise<void> {
    const same = m.listen && this.metricsAt.listen && fmtHostPort(m.listen) === fmtHostPort(this.metricsAt.listen);
    if (same && this.metricsServer) return;
    await this.metricsServer?.close();
    this.metricsServer = null;
    this.metricsAt = m;
    if (!m.listen || this.closed) return;
    this.metricsServer = await startMetricsServer({ host: m.listen.host, port: this.o.metricsPort ?? m.listen.port, metrics: this.metrics, logger: this.log });
  }
}
