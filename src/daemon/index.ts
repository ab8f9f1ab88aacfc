// The daemon entry point: wires the config into the BGP speaker, the BGP listener and the control API, and runs
// until SIGTERM/SIGINT, when every session is closed with Cease/Administrative Shutdown (RFC 4486, RFC 8203).

import { limitYoungGeneration } from './memory-reclaim';
import type { Logger } from 'pino';
import { startControlServer, type ControlServer } from '../api/server';
import { resolveGroup } from '../api/socket-file';
import type { DaemonConfig } from '../config';
import type { Fib } from '../fib';
import { realClock, type Clock } from '../util/clock';
import type { FibBridge, InterfaceResolver } from './fib-bridge';
import { resolveFibMode, setupFib, type DaemonFib } from './fib-setup';
import { InstanceLock } from './instance-lock';
import { BgpListener } from './listener';
import type { LivenessController } from './liveness';
import { startLiveness, withBfdStatus, type LivenessRuntime, type LivenessRuntimeOptions } from './liveness-runtime';
import { FailoverRunner, withFailoverStatus } from './failover';
import { demotionMark, hasLiveness } from './liveness-spec';
import { withLivenessStatus } from './liveness-status';
import type { SessionFactory } from './neighbor';
import { Operations, type OperationsOptions } from './operations';
import { Speaker } from './speaker';
import { SpeakerStatus } from './status';

export { Speaker, DEFAULT_SHUTDOWN_MESSAGE, type SpeakerEvents, type SpeakerOptions, type ForwardingStage, type ForwardingAck } from './speaker';
export { Neighbor, type SessionLike, type SessionFactory } from './neighbor';
export { BgpListener, ListenError, type ListenerOptions } from './listener';
export { SpeakerStatus } from './status';
export { SerialLoop } from './loop';
export { localNextHops } from './next-hop';
export { LivenessController, DEMOTION_MARK, type LivenessHooks, type LivenessControllerDeps, type LivenessControllerEvents } from './liveness';
export { FailoverRunner, type FailoverDeps, type TunnelFib } from './failover';
export { startLiveness, livenessNeeds, withBfdStatus, type LivenessRuntime, type LivenessRuntimeOptions } from './liveness-runtime';
export { withLivenessStatus } from './liveness-status';
export { Steering, planSteering, halvesOf } from './steering';
export { FibBridge, ipRouteGet, type FibBridgeOptions, type FibBridgeStats, type InterfaceResolver } from './fib-bridge';
export { setupFib, resolveFibMode, type DaemonFib, type FibSetupOptions, type ResolvedFibMode } from './fib-setup';
export { helperDecision, LocalRestart, StaleRoutes, STALE_PATH_TIME_S, type RestartCapability } from './graceful-restart';
export { Operations, type OperationsOptions } from './operations';
export { DrainManager, DrainError, DRAIN_MARK, DRAIN_DEFAULTS, drainStatePath, type DrainManagerDeps } from './drain';
export { PolicyMarks, LocalPrefOverride, type PolicyMark, type ReapplyResult } from './drain-marks';
export { diffConfig, describeAction, NEIGHBOR_FIELD_EFFECT, type ReloadAction, type ReloadPlan } from './reload';
export { Reloader, ReloadRefused, NoConfigFile } from './reload-apply';
export { InstanceLock, InstanceLocked, fibIdentity, type InstanceRecord } from './instance-lock';

export interface DaemonOptions {
  clock?: Clock;
  createSession?: SessionFactory;
  /** Overrides router.port for the BGP listener (tests bind port 0); false: no BGP listener at all. */
  bgpPort?: number | false;
  /**
   * What `fib.mode: auto` means: runDaemon passes 'kernel' when it runs as root on Linux. Default 'none', so a
   * library caller (a test) never programs the host's kernel unless its config says `fib: { mode: kernel }`.
   */
  autoFib?: 'kernel' | 'none';
  /** A FIB to use instead of the configured one (tests pass a MemoryFib); null: none. */
  fib?: Fib | null;
  /** How the FIB finds a next hop's interface (default `ip -json route get`). */
  resolveInterface?: InterfaceResolver;
  /** BFD/probe liveness: services to use instead of new ones, or a ping namespace (tests). */
  liveness?: LivenessRuntimeOptions;
  /** The config file (reload and SIGHUP re-read it). */
  configPath?: string;
  /** Operations test seams: metrics port 0, no process metrics, counter readers... */
  ops?: Partial<Omit<OperationsOptions, 'speaker' | 'status' | 'logger' | 'listener'>>;
  /** Where the per-FIB instance locks live (default /run/lock/bgpfo; tests use a temp dir). */
  lockDir?: string;
}

export interface ShutdownOptions {
  /**
   * Leave as for a graceful restart (RFC 4724 §4): the connections close with no NOTIFICATION, so graceful-restart
   * peers keep our routes, and the kernel routes stay. Default: config stop.graceful-restart.
   */
  gracefulRestart?: boolean;
}

export interface Daemon {
  readonly speaker: Speaker;
  readonly status: SpeakerStatus;
  readonly control: ControlServer;
  /** Null when started with bgpPort: false. */
  readonly listener: BgpListener | null;
  /** The kernel FIB's side: route conversion, nexthopDown/nexthopUp (driven by the failover core), stats. */
  readonly fib: FibBridge;
  /** The failover core: one state machine per tunnel (liveness, session, drains, graceful restart -> actions). */
  readonly failover: FailoverRunner;
  /** FIB mode, graceful restart state, the stale sweep. */
  readonly fibSetup: DaemonFib;
  /** BFD/probe liveness of the tunnels (null when no neighbor has any): attach({ events, metrics }), tunnelAlive(). */
  readonly liveness: LivenessController | null;
  /** Events, metrics, alerts, drain and reload (the control API's write side). */
  readonly ops: Operations;
  /** Stops the sessions (Cease/2 + shutdown message, or silently for a graceful restart), the listener and the control socket. Idempotent. */
  shutdown(opts?: ShutdownOptions): Promise<void>;
}

/** Starts everything; rejects (having closed what it opened) when the listener or control socket cannot start. */
export async function startDaemon(config: DaemonConfig, logger: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  // An unknown control.group is a config problem: say so before binding BGP, metrics or touching the kernel.
  if (config.control.group !== undefined) resolveGroup(config.control.group);
  // Before anything touches the kernel or the socket: a second daemon on the same socket or FIB stops here.
  const kernelFib = opts.fib === undefined && resolveFibMode(config.fib.mode, opts.autoFib ?? 'none') === 'kernel';
  const lock = await InstanceLock.acquire({ config, kernelFib, logger, ...(opts.configPath !== undefined ? { configPath: opts.configPath } : {}), ...(opts.lockDir ? { lockDir: opts.lockDir } : {}) });
  // The FIB first: reconciling with the kernel tells whether this start is a graceful restart (the OPENs' R bit).
  const fibSetup = await setupFib(config, logger, {
    clock: opts.clock ?? realClock,
    autoMode: opts.autoFib ?? 'none',
    ...(opts.fib !== undefined ? { fib: opts.fib } : {}),
    ...(opts.resolveInterface ? { resolveInterface: opts.resolveInterface } : {}),
  }).catch(async (e: unknown) => {
    await lock.release();
    throw e;
  });
  let failover: FailoverRunner | undefined;
  const speaker = new Speaker(config, {
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.createSession ? { createSession: opts.createSession } : {}),
    restartCapability: (n) => fibSetup.restart.capability(n),
    tunnelAlive: (name) => failover?.tunnelAlive(name) ?? true,
    deferInitialTable: () => fibSetup.restart.deferringSelection,
    // The failover core starts every session that neither its liveness nor a drain holds.
    deferStart: () => true,
  });
  failover = new FailoverRunner({ speaker, logger, fib: fibSetup.mode === 'none' ? null : fibSetup.bridge, hasLiveness, demotionMark });
  fibSetup.attach(speaker);
  fibSetup.bridge.setGate(failover);
  const core = failover;
  let liveness: LivenessRuntime | null = null;
  let listener: BgpListener | null = null;
  let control: ControlServer;
  let ops: Operations | undefined;
  const status = new SpeakerStatus(speaker, () => listener?.bound ?? [], () => fibSetup.hostSettings(), () => fibSetup.fibWriter);
  try {
    ops = await Operations.start({
      speaker,
      status,
      logger,
      clock: opts.clock ?? realClock,
      listener: () => listener,
      failover: core,
      tunnelAlive: (name) => core.tunnelAlive(name),
      ...(opts.configPath !== undefined ? { configPath: opts.configPath } : {}),
      ...opts.ops,
    });
    liveness = await startLiveness(speaker, core, logger, opts.liveness);
    liveness?.controller.attach({ events: ops.events, metrics: ops.metrics, failovers: ops });
    if (liveness?.bfd) ops.metrics.setBfdSource(liveness.bfd);
    if (opts.bgpPort !== false) {
      listener = await BgpListener.start({
        addresses: config.router.listen,
        port: opts.bgpPort ?? config.router.port,
        defaulted: config.router.listenDefaulted,
        logger,
        onConnection: (socket) => speaker.accept(socket),
      });
    }
    control = await startControlServer({
      socketPath: config.control.socket,
      // The neighbor views pass by the status decorators (liveness, BFD, drain, failover), which only know the status calls.
      provider: { ...ops.provider(withFailoverStatus(liveness ? withBfdStatus(withLivenessStatus(status, liveness.controller), liveness.bfd) : status, core)), neighbors: status.neighbors },
      logger,
      ...(config.control.group !== undefined ? { group: config.control.group } : {}),
    });
  } catch (e) {
    await listener?.close();
    await liveness?.close();
    await ops?.close();
    await fibSetup.close({ flush: false });
    await lock.release();
    throw e;
  }
  speaker.start();
  core.start();
  liveness?.controller.start();
  const operations = ops;
  operations.events.publish({ type: 'daemon', phase: 'started', detail: `AS ${config.router.asn}, ${config.neighbors.length} neighbor(s)` });

  let stopping: Promise<void> | undefined;
  const shutdown = (sopts: ShutdownOptions = {}): Promise<void> =>
    (stopping ??= (async () => {
      // Read now, not at start: a reload may have changed stop.graceful-restart.
      const graceful = sopts.gracefulRestart ?? speaker.config.stop.gracefulRestart;
      // The kernel keeps what it has from here on: a graceful restart needs it forwarding, a clean stop flushes it.
      fibSetup.bridge.detach();
      operations.events.publish({ type: 'daemon', phase: 'stopping', detail: graceful ? 'graceful restart: no NOTIFICATION, kernel routes kept' : 'Cease/Administrative Shutdown' });
      // Liveness first (BFD peers get AdminDown, RFC 5882 §3.2: not a failure), then the sessions, so peers get
      // our Cease while the listener still refuses nothing new of theirs.
      await liveness?.close();
      // A graceful restart says nothing: the peers see the connections close and keep our routes (RFC 4724 §4.2).
      if (graceful) for (const n of speaker.neighbors) n.session.abandon?.();
      else speaker.stop();
      await listener?.close();
      await control.close();
      await operations.close();
      speaker.loop.close();
      // A clean stop takes our routes out of the kernel (the peers drop theirs on our Cease); a stop meant as a
      // graceful restart leaves them forwarding for the next run to adopt.
      try {
        await fibSetup.close({ flush: !graceful });
      } finally {
        await lock.release();
      }
    })());
  return { speaker, status, control, listener, fib: fibSetup.bridge, failover: core, fibSetup, liveness: liveness?.controller ?? null, ops: operations, shutdown };
}

export interface RunDaemonOptions {
  /** The file the config came from: SIGHUP and `bgpfo reload` re-read it. */
  configPath?: string;
  /** `bgpfo daemon --graceful`: SIGTERM leaves as for a graceful restart whatever the config says. */
  gracefulRestart?: boolean;
  /** How reload reads the file (the CLI keeps its --log-level override); default loadConfig. */
  load?: (path: string) => DaemonConfig;
}

/**
 * Runs the daemon until SIGTERM/SIGINT; resolves once it has shut down (a second signal exits at once). SIGHUP
 * reloads the config file; a bad file is logged and the running config stays.
 */
export async function runDaemon(config: DaemonConfig, logger: Logger, ropts: RunDaemonOptions = {}): Promise<void> {
  limitYoungGeneration();
  const daemon = await startDaemon(config, logger, {
    autoFib: process.platform === 'linux' && process.getuid?.() === 0 ? 'kernel' : 'none',
    ...(ropts.configPath !== undefined ? { configPath: ropts.configPath } : {}),
    ...(ropts.load ? { ops: { load: ropts.load } } : {}),
  });
  logger.info({ asn: config.router.asn, routerId: config.router.routerId, socket: config.control.socket }, 'bgpfo daemon running');
  const hup = () => {
    logger.info('SIGHUP: reloading the config file');
    // The outcome is logged and published by the reloader; nothing more to do here.
    daemon.ops.reload().catch(() => undefined);
  };
  process.on('SIGHUP', hup);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
  const force = (sig: NodeJS.Signals) => {
    logger.warn({ signal: sig }, 'second signal while shutting down: exiting now');
    process.exit(1);
  };
  process.on('SIGTERM', force);
  process.on('SIGINT', force);
  process.off('SIGHUP', hup);
  const graceful = ropts.gracefulRestart ?? daemon.speaker.config.stop.gracefulRestart;
  logger.info(
    { signal, gracefulRestart: graceful },
    graceful ? 'shutting down for a graceful restart: connections closed without NOTIFICATION, kernel routes kept' : 'shutting down: closing every session with Cease/Administrative Shutdown',
  );
  try {
    await daemon.shutdown({ gracefulRestart: graceful });
  } finally {
    process.off('SIGTERM', force);
    process.off('SIGINT', force);
  }
  logger.info('bgpfo daemon stopped');
}
