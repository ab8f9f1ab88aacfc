// The failover core's runner: one pure tunnel state machine per neighbor (src/failover), fed by the speaker's
// session events, liveness verdicts, drains and the FIB; it performs the actions the machines return. No RFC of its own.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { CeaseSubcode } from '../bgp/errors';
import type { ControlProvider } from '../api/types';
import type { EstablishedInfo } from '../bgp/session';
import type { Family } from '../bgp/types';
import type { NeighborConfig } from '../config';
import type { TimerHandle } from '../util/clock';
import { initialTunnel, mayForward, step, summarize, type StepResult, type TunnelAction, type TunnelEvent, type TunnelState, type TunnelSummary } from '../failover/tunnel';
import { DEMOTION_MARK, DRAIN_MARK, DRAIN_SHUTDOWN_MESSAGE, DRAIN_SOURCE, type PolicyMark } from './drain-marks';
import { decorateSessions } from './liveness-status';
import type { Neighbor } from './neighbor';
import type { Speaker } from './speaker';

const CEASE = 6;

/**
 * How long a returning tunnel waits for its peer's End-of-RIB before it rejoins anyway (a peer that announced graceful
 * restart must send one, RFC 4724 §2; one that does not is not left out of its groups for good).
 */
export const END_OF_RIB_WAIT_MS = 30_000;

/** What the runner drives in the forwarding plane (FibBridge, or a recorder in tests). */
export interface TunnelFib {
  nexthopDown(name: string, reason: string): Promise<unknown>;
  nexthopUp(name: string, reason: string): Promise<unknown>;
}

export interface FailoverDeps {
  speaker: Speaker;
  logger: Logger;
  fib?: TunnelFib | null;
  /** True for a neighbor whose session waits for a liveness verdict (BFD/probe configured). */
  hasLiveness(n: NeighborConfig): boolean;
  /** The marks a demoted tunnel gets (LOCAL_PREF in, extra prepends out), null when quality demotion is off. */
  demotionMark?(n: NeighborConfig): PolicyMark | null;
}

/** The drains covering a neighbor by scope (DrainManager.drainsFor): asked when its machine is created. */
export type DrainSource = (name: string) => Record<string, boolean> | undefined;

export interface FailoverEvents {
  /** After each action was performed (observers: the liveness controller's failover timing, tests). */
  action: [name: string, action: TunnelAction, state: TunnelState];
}

/** Fills `failover` of each session in getStatus() from the runner; everything else passes through. */
export function withFailoverStatus(inner: ControlProvider, runner: FailoverRunner): ControlProvider {
  return decorateSessions(inner, (x) => {
    const st = runner.state(x.name);
    if (st) x.failover = { ...summarize(st), fibIn: st.fibIn };
  });
}

export class FailoverRunner extends EventEmitter<FailoverEvents> {
  private readonly tunnels = new Map<string, TunnelState>();
  private readonly fibOps = new Map<string, Promise<unknown>>();
  /** Per returning session: the families whose End-of-RIB is still to be applied, and the deadline's timer. */
  private readonly tables = new Map<string, { families: Set<Family>; timer: TimerHandle }>();
  private readonly log: Logger;
  private fib: TunnelFib | null;
  private drainsFor: DrainSource = () => undefined;
  private started = false;

  constructor(private readonly deps: FailoverDeps) {
    super();
    this.log = deps.logger.child({ component: 'failover' });
    this.fib = deps.fib ?? null;
    const { speaker } = deps;
    speaker.on('peer-up', (name, info) => this.sessionUp(name, info));
    speaker.on('peer-down', (name, info) => {
      this.endTable(name);
      this.dispatch(name, { type: 'session-down', keptStale: speaker.neighbor(name)?.keepingStale ?? false, detail: info.message });
    });
    speaker.on('stale-dropped', (name, reason) => this.dispatch(name, { type: 'stale-dropped', detail: reason }));
    speaker.on('routes-complete', (name, family) => this.tableComplete(name, family));
    speaker.on('neighbor-added', (n) => this.track(n));
    speaker.on('neighbor-removed', (name) => {
      this.endTable(name);
      this.tunnels.delete(name);
      this.fibOps.delete(name);
    });
  }

  /** Where a new machine's drains come from (drains restored at start, an "all" drain covering a neighbor added by reload). */
  setDrainSource(source: DrainSource): void {
    this.drainsFor = source;
  }

  /** The FIB to drive from now on (the daemon attaches it once set up). */
  setFib(fib: TunnelFib | null): void {
    this.fib = fib;
  }

  /** Creates every neighbor's machine and performs its first actions (starting sessions no one holds); after speaker.start(). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.deps.speaker.loop.post('failover:start', () => {
      for (const n of this.deps.speaker.neighbors) this.track(n);
    });
  }

  /** True unless liveness declared the tunnel dead (the graceful-restart helper and the status ask this). */
  tunnelAlive(name: string): boolean {
    const s = this.tunnels.get(name);
    return !s || mayForward(s);
  }

  state(name: string): TunnelState | undefined {
    return this.tunnels.get(name);
  }

  summary(name: string): TunnelSummary | undefined {
    const s = this.tunnels.get(name);
    return s ? summarize(s) : undefined;
  }

  /** The FIB operation of this tunnel's last fib-in/fib-out (failover timing waits for it). */
  lastFibOp(name: string): Promise<unknown> | undefined {
    return this.fibOps.get(name);
  }

  /** Drains per neighbor (the drain state file). */
  drainsOf(name: string): Readonly<Record<string, boolean>> {
    return this.tunnels.get(name)?.drains ?? {};
  }

  /**
   * One event for one tunnel; call on the daemon loop. The new state is stored before the actions run: an action
   * that makes a session emit synchronously (reset() emits 'down') dispatches against the state it caused.
   */
  dispatch(name: string, event: TunnelEvent): TunnelAction[] {
    const s = this.tunnels.get(name);
    if (!s) return [];
    const r = step(s, event);
    return this.apply(name, r);
  }

  /** Tunnels whose session is up and whose routes have not been let in yet: the FIB asks before writing a batch. */
  awaitingRoutes(name: string): boolean {
    const s = this.tunnels.get(name);
    return s !== undefined && s.session === 'established' && !s.routesIn;
  }

  /** routes-in for these tunnels; resolves once the FIB has them back in their groups (before their routes are written). */
  routesArriving(names: readonly string[]): Promise<unknown> {
    const ops: Promise<unknown>[] = [];
    for (const name of names) {
      const actions = this.dispatch(name, { type: 'routes-in', complete: false });
      if (actions.some((a) => a.type === 'fib-in')) ops.push(this.fibOps.get(name) ?? Promise.resolve());
    }
    return Promise.all(ops);
  }

  /** A peer that announced graceful restart sends End-of-RIB per family (RFC 4724 §2): its tunnel waits for them all. */
  private sessionUp(name: string, info: EstablishedInfo): void {
    this.endTable(name);
    const endOfRib = info.gracefulRestart !== undefined && info.families.length > 0;
    if (endOfRib && this.fib) {
      const timer = this.deps.speaker.clock.setTimeout(() => {
        this.deps.speaker.loop.post(`failover:${name}:eor-wait`, () => {
          if (!this.tables.has(name)) return;
          this.tables.delete(name);
          this.log.warn({ tunnel: name, waitedMs: END_OF_RIB_WAIT_MS }, `tunnel ${name}: no End-of-RIB within ${END_OF_RIB_WAIT_MS / 1000} s although the peer announced graceful restart; using the routes received so far`);
          this.dispatch(name, { type: 'routes-in', complete: true });
        });
      }, END_OF_RIB_WAIT_MS);
      this.tables.set(name, { families: new Set(info.families), timer });
    }
    this.dispatch(name, { type: 'session-up', endOfRib });
    // Without a forwarding plane there is nothing to wait for.
    if (!this.fib) this.dispatch(name, { type: 'routes-in', complete: true });
  }

  private tableComplete(name: string, family: Family): void {
    const t = this.tables.get(name);
    if (!t) return;
    t.families.delete(family);
    if (t.families.size > 0) return;
    this.endTable(name);
    this.dispatch(name, { type: 'routes-in', complete: true });
  }

  private endTable(name: string): void {
    this.tables.get(name)?.timer.cancel();
    this.tables.delete(name);
  }

  private track(n: Neighbor): void {
    if (this.tunnels.has(n.name)) return;
    const drains = this.drainsFor(n.name);
    this.apply(n.name, initialTunnel(n.name, { liveness: this.deps.hasLiveness(n.config), ...(drains ? { drains } : {}) }), true);
  }

  private apply(name: string, r: StepResult, initial = false): TunnelAction[] {
    if (!initial && !this.tunnels.has(name)) return [];
    this.tunnels.set(name, r.state);
    for (const a of r.actions) {
      try {
        this.perform(name, a, r.state);
      } catch (err) {
        this.log.error({ err, tunnel: name, action: a }, 'failover action failed');
      }
      this.emit('action', name, a, r.state);
    }
    return r.actions;
  }

  private perform(name: string, a: TunnelAction, s: TunnelState): void {
    const n = this.deps.speaker.neighbor(name);
    switch (a.type) {
      case 'fib-out':
      case 'fib-in': {
        if (!this.fib) return;
        const op = a.type === 'fib-out' ? this.fib.nexthopDown(name, a.reason) : this.fib.nexthopUp(name, a.reason);
        this.fibOps.set(name, op);
        return;
      }
      case 'session-stop':
        if (!n) return;
        this.log.info({ tunnel: name, cause: a.cause, detail: a.detail }, `tunnel ${name}: session held (${a.detail})`);
        if (a.cause === 'liveness') {
          // reset() sends the NOTIFICATION and records why; stop() then cancels its automatic restart (held in Idle).
          const reason = a.detail;
          n.session.reset({ code: CEASE, subcode: CeaseSubcode.BfdDown, message: `tunnel down (${reason})` });
          n.session.stop();
        } else {
          n.stop(DRAIN_SHUTDOWN_MESSAGE);
        }
        return;
      case 'session-start':
        if (!n) return;
        this.log.info({ tunnel: name, reason: a.reason }, `tunnel ${name}: session started (${a.reason})`);
        n.start();
        return;
      case 'drop-stale':
        n?.dropStale(a.reason);
        return;
      case 'marks': {
        if (!n) return;
        const mark = !a.on ? null : a.source === 'drain' ? DRAIN_MARK : (this.deps.demotionMark?.(n.config) ?? null);
        const how = n.setMarks(a.source === 'drain' ? DRAIN_SOURCE : DEMOTION_MARK, mark);
        this.log.debug({ tunnel: name, source: a.source, on: a.on, reimport: how }, `tunnel ${name}: ${a.source} marks ${a.on ? 'on' : 'off'}`);
        return;
      }
    }
  }
}
