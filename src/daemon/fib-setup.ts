// The FIB's start and stop in the daemon: which FIB (config fib.mode), host settings, reconciliation with what
// a previous run left in the kernel, and graceful restart's stale sweep (RFC 4724 §4.1) once peers are back.

import type { Logger } from 'pino';
import type { DaemonConfig, FibConfig } from '../config';
import { checkHostSettings, LinuxFib, MemoryFib, restoreHostSettings, type Fib, type HostChange, type HostSettingsReport } from '../fib';
import type { HostSettingChange } from '../api/types';
import type { Clock } from '../util/clock';
import { FibBridge, ipRouteGet, type InterfaceResolver } from './fib-bridge';
import { LocalRestart } from './graceful-restart';
import type { Speaker } from './speaker';

export type ResolvedFibMode = 'kernel' | 'memory' | 'none';

export interface FibSetupOptions {
  clock: Clock;
  /** What `fib.mode: auto` means here: runDaemon says kernel when root on Linux; library callers get none. */
  autoMode?: 'kernel' | 'none';
  /** A FIB to use instead of the configured one (tests); null: none. */
  fib?: Fib | null;
  resolveInterface?: InterfaceResolver;
}

/** The FIB side of a running daemon. */
export interface DaemonFib {
  readonly mode: ResolvedFibMode;
  readonly bridge: FibBridge;
  readonly restart: LocalRestart;
  /** Resolves after the stale routes of a restart were swept (at once when there was nothing to sweep). */
  readonly swept: Promise<void>;
  /** Wires the speaker's events; call before speaker.start(). */
  attach(speaker: Speaker): void;
  /** The sysctls this run changed, and whether a clean stop puts them back (bgpfo status). */
  hostSettings(): HostSettingChange[];
  /** The kernel FIB's writer (bgpfo status); undefined without a kernel FIB. */
  readonly fibWriter: 'netlink' | 'ip-batch' | undefined;
  /** Stops the FIB; with flush (a clean stop), removes everything bgpfo installed and puts changed sysctls back. */
  close(options: { flush: boolean }): Promise<void>;
}

export function resolveFibMode(mode: FibConfig['mode'], auto: 'kernel' | 'none'): ResolvedFibMode {
  return mode === 'auto' ? auto : mode;
}

/** Logs what checkHostSettings found and did, one line per change or problem. */
export function logHostSettings(logger: Logger, report: HostSettingsReport, ifnames: string[]): void {
  for (const c of report.changes) logger.info({ key: c.key, from: c.from, to: c.to }, `host setting ${c.key} changed from ${c.from ?? 'unset'} to ${c.to}`);
  for (const p of report.problems) logger.warn({ key: p.key, expected: p.expected, actual: p.actual }, `host setting: ${p.message}`);
  if (report.ok && report.changes.length === 0) logger.info({ interfaces: ifnames }, 'host settings ok');
}

/**
 * Creates the FIB, checks host settings, reconciles with the kernel and decides whether this start is a graceful
 * restart: with graceful restart on any neighbor, our routes left in the kernel by a previous run are kept
 * (forwarding goes on) and swept once every graceful-restart peer has sent End-of-RIB, or after the restart time.
 */
export async function setupFib(config: DaemonConfig, logger: Logger, opts: FibSetupOptions): Promise<DaemonFib> {
  const log = logger.child({ component: 'fib' });
  const mode: ResolvedFibMode = opts.fib === null ? 'none' : opts.fib ? 'memory' : resolveFibMode(config.fib.mode, opts.autoMode ?? 'none');
  const fc = config.fib;
  const resolveInterface = opts.resolveInterface ?? ipRouteGet(fc.netns, log);
  let fib: Fib | null = opts.fib ?? null;
  if (fib === null && opts.fib === undefined) {
    if (mode === 'kernel') {
      fib = new LinuxFib({ table: fc.table, protocol: fc.protocol, metric: fc.metric, logger: log, ...(fc.netns ? { netns: fc.netns } : {}) });
    } else if (mode === 'memory') {
      fib = new MemoryFib({ metric: fc.metric, logger: log });
    }
  }
  if (fc.mode === 'auto' && mode === 'none' && opts.fib === undefined) {
    // auto found no kernel to program: the daemon speaks BGP but forwards nothing itself; say so loudly.
    log.warn(
      { mode, configured: 'auto' },
      'fib.mode auto: no FIB (not running as root on Linux), so learned routes are NOT installed in the kernel; run as root, or set fib.mode: none if that is meant',
    );
  } else {
    log.info({ mode, table: fc.table, protocol: fc.protocol, metric: fc.metric, netns: fc.netns }, mode === 'none' ? 'no FIB: routes are not installed' : `FIB: ${mode}`);
  }

  const checked = new Set<string>();
  const changed: HostChange[] = [];
  /** Host settings for interfaces not checked yet; `always`: the global ones too even when none is new. */
  const checkInterfaces = async (ifnames: string[], always = false): Promise<void> => {
    if (mode !== 'kernel') return;
    const todo = ifnames.filter((i) => !checked.has(i));
    for (const i of todo) checked.add(i);
    if (todo.length === 0 && !always) return;
    const report = await checkHostSettings(todo, { apply: fc.applySysctls, ...(fc.netns ? { netns: fc.netns } : {}) });
    changed.push(...report.changes);
    logHostSettings(log, report, todo);
  };
  if (mode === 'kernel') {
    // Asked all at once: the resolver answers them with one `ip -batch` (a hub has hundreds of neighbors).
    const found = await Promise.all(
      config.neighbors.map(
        (n) =>
          n.interface ??
          resolveInterface(n.address).catch((e: Error) => void log.warn({ neighbor: n.name, err: e.message }, 'cannot tell which interface reaches this neighbor yet: its rp_filter is checked when its session comes up')),
      ),
    );
    const ifnames = [...new Set(found.filter((i): i is string => !!i))];
    await checkInterfaces(ifnames, true);
  }

  const grNeighbors = config.neighbors.filter((n) => n.gracefulRestart.enabled);
  let restarting = false;
  if (fib) {
    const report = await fib.reconcile({ stale: grNeighbors.length > 0 ? 'keep' : 'remove' });
    restarting = grNeighbors.length > 0 && report.staleRoutes > 0;
    const what = restarting
      ? 'our routes from a previous run are kept, forwarding goes on: graceful restart (swept after End-of-RIB from every graceful-restart peer)'
      : report.staleRoutes > 0
        ? 'routes of a previous run removed'
        : 'kernel reconciled';
    log.info({ kernelRoutes: report.kernelRoutes, staleRoutes: report.staleRoutes, staleObjects: report.staleObjects, errors: report.errors.length || undefined }, what);
    if (grNeighbors.length > 0 && !restarting) await fib.sweepStale();
  }

  let speaker: Speaker | undefined;
  const bridge = new FibBridge({
    fib,
    neighbors: config.neighbors,
    logger,
    resolveInterface,
    ...(fc.netns ? { netns: fc.netns } : {}),
    onInterface: (ifname) => void checkInterfaces([ifname]).catch((err: unknown) => log.warn({ err, ifname }, 'host settings check failed')),
  });
  let sweptResolve!: () => void;
  const swept = new Promise<void>((r) => (sweptResolve = r));
  const sweep = async (reason: string): Promise<void> => {
    try {
      // Only after every UPDATE before the End-of-RIBs is in the Loc-RIB and written: the routes the peers
      // re-announced have taken over their stale kernel entries by then, and only the rest goes.
      await speaker?.settled();
      await bridge.idle();
      if (fib) {
        const before = fib.snapshot({ routes: false }).staleRoutes;
        const r = await fib.sweepStale();
        log.info({ reason, staleRoutes: before, ops: r.ops, errors: r.errors.length || undefined }, 'stale routes of the previous run swept');
      }
    } finally {
      sweptResolve();
    }
  };
  const restart = new LocalRestart({
    restarting,
    forwardingPreserved: mode === 'kernel',
    neighbors: config.neighbors,
    clock: opts.clock,
    logger: log,
    onComplete: (reason) => void sweep(reason).catch((err: unknown) => log.error({ err }, 'sweeping stale routes failed')),
    onSelectionReady: () => speaker?.kickExport(),
  });
  if (!restarting) sweptResolve();

  return {
    mode,
    bridge,
    restart,
    swept,
    attach(s: Speaker): void {
      speaker = s;
      bridge.attach(s, { advertiseAfterInstall: fc.advertise !== 'at-once' });
      s.on('peer-up', (name, info) => restart.established(name, info));
      s.on('end-of-rib', (name, family) => restart.endOfRib(name, family));
    },
    hostSettings: () => changed.map((c) => ({ key: c.key, from: c.from, to: c.to, restore: fc.restoreSysctls })),
    fibWriter: fib instanceof LinuxFib ? fib.writer : undefined,
    async close({ flush }): Promise<void> {
      restart.close();
      await bridge.close();
      await fib?.close({ flush });
      // A graceful-restart stop keeps forwarding: the settings it needs stay.
      if (flush && fc.restoreSysctls && changed.length > 0) {
        const r = await restoreHostSettings(changed, fc.netns ? { netns: fc.netns } : {});
        for (const c of r.restored) log.info({ key: c.key, from: c.from, to: c.to }, `host setting ${c.key} put back to ${c.to}`);
        for (const k of r.skipped) log.warn({ key: k.key }, `host setting ${k.key} not put back: ${k.reason}`);
        changed.length = 0;
      }
    },
  };
}
