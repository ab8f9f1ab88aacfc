// Graceful restart in the daemon, both roles: the helper keeping a restarting peer's routes as stale
// (RFC 4724 §4.2, RFC 8538 §1) and our own restart (§4.1: R and F bits, End-of-RIB from every peer, then sweep).

import type { Logger } from 'pino';
import { prefixFamily } from '../bgp/prefix';
import type { DownInfo, EstablishedInfo, SessionOptions } from '../bgp/session';
import type { Family, Prefix } from '../bgp/types';
import type { NeighborConfig } from '../config';
import type { Peer } from '../rib';
import type { Clock, TimerHandle } from '../util/clock';

/**
 * Upper bound on how long stale routes are kept once the peer is back and has not sent End-of-RIB
 * (RFC 4724 §4.2 allows a local timer; 360 s is FRR's stalepath-time).
 */
export const STALE_PATH_TIME_S = 360;

export type HelperDecision = { keep: Family[]; restartTime: number } | { keep: null; why: string };

/**
 * Whether a lost session's routes are kept as stale (RFC 4724 §4.2). Only a lost TCP connection qualifies:
 * a NOTIFICATION either way ends graceful restart (RFC 8538 §1; we do not negotiate its N bit), as does our own
 * stop. A tunnel that liveness (BFD/probe) declared dead is not worth waiting for: its routes go at once.
 */
export function helperDecision(info: DownInfo, tunnelAlive: boolean): HelperDecision {
  const gr = info.gracefulRestart;
  if (!gr) return { keep: null, why: 'graceful restart was not negotiated' };
  if (info.notificationSent || info.notificationReceived) {
    return { keep: null, why: `a NOTIFICATION was ${info.notificationSent ? 'sent' : 'received'} (graceful restart covers only a lost connection)` };
  }
  if (info.reason === 'manual-stop' || info.reason === 'automatic-stop') return { keep: null, why: 'we stopped the session' };
  if (gr.restartTime === 0) return { keep: null, why: 'the peer advertised restart time 0' };
  if (!tunnelAlive) return { keep: null, why: 'the tunnel is down (liveness)' };
  const keep = gr.families.map((f) => f.family);
  if (keep.length === 0) return { keep: null, why: 'the peer listed no address family for graceful restart (helper only)' };
  return { keep, restartTime: gr.restartTime };
}

/** What StaleRoutes needs from its neighbor. */
export interface StaleHost {
  readonly clock: Clock;
  readonly log: Logger;
  /** Runs fn on the daemon's serialized loop (timer expiries). */
  post(label: string, fn: () => void): void;
  /** Withdraws, in slices, the paths of this (lost) session still in the Loc-RIB for these prefixes. */
  retire(peer: Peer, prefixes: Iterator<Prefix>): void;
  /** The tunnel is alive as far as BFD/probes know (default true). */
  tunnelAlive(): boolean;
  /** Stale routes were given up while the session is not back (timer, tunnel down): withdrawals follow. */
  dropped(reason: string): void;
}

interface Kept {
  /** The lost session's peer object: its paths are the stale ones (a new session's paths have another). */
  peer: Peer;
  families: Set<Family>;
  /** The prefixes it may still have in the Loc-RIB; iterated once per family retired. */
  prefixes: () => Iterable<Prefix>;
  count: number;
}

/**
 * The helper role for one neighbor (RFC 4724 §4.2): a lost session's paths stay in the Loc-RIB (and so in the
 * FIB) for the peer's restart time; the new session's UPDATEs replace them; End-of-RIB per family (or the
 * stale-path timer) withdraws what is left. Call everything from the daemon's loop.
 */
export class StaleRoutes {
  private kept: Kept[] = [];
  private timer: TimerHandle | undefined;
  /** The session is down and its routes are kept: the restart timer runs. */
  private waiting = false;

  constructor(private readonly host: StaleHost) {}

  /** True while a lost session's routes are kept and the session is not back yet. */
  get keeping(): boolean {
    return this.waiting;
  }

  /** Families with stale paths now. */
  get staleFamilies(): Family[] {
    const out = new Set<Family>();
    for (const k of this.kept) for (const f of k.families) out.add(f);
    return [...out];
  }

  /**
   * The session was lost. Returns true when this took care of its routes (kept as stale, and withdrawn for the
   * families graceful restart does not cover); false: the caller withdraws them all as usual.
   */
  sessionLost(info: DownInfo, peer: Peer, prefixes: () => Iterable<Prefix>, count: number): boolean {
    const d = helperDecision(info, this.host.tunnelAlive());
    if (d.keep === null) {
      // Stale routes of an earlier loss go too: the peer is not restarting gracefully any more.
      if (this.kept.length > 0) this.retireAll(`session lost again: ${d.why}`);
      this.stopTimer();
      this.waiting = false;
      this.host.log.debug({ why: d.why }, 'routes not kept as stale');
      return false;
    }
    const families = new Set(d.keep);
    const record: Kept = { peer, families, prefixes, count };
    const dropped = new Set<Family>((['ipv4-unicast', 'ipv6-unicast'] as Family[]).filter((f) => !families.has(f)));
    this.retireFamilies(record, dropped);
    this.kept.push(record);
    this.waiting = true;
    this.startTimer(d.restartTime, 'restart time expired before the session came back');
    this.host.log.info(
      { families: d.keep, restartTime: d.restartTime, routes: count },
      `session lost without NOTIFICATION: keeping its routes as stale for up to ${d.restartTime} s (graceful restart helper)`,
    );
    return true;
  }

  /** The session is back (RFC 4724 §4.2): keep stale routes only for families the peer preserved forwarding for. */
  established(info: EstablishedInfo): void {
    this.stopTimer();
    this.waiting = false;
    if (this.kept.length === 0) return;
    const gr = info.gracefulRestart;
    if (!gr) {
      this.retireAll('the peer came back without graceful restart');
      return;
    }
    const preserved = new Set(gr.families.filter((f) => f.forwardingPreserved && info.families.includes(f.family)).map((f) => f.family));
    const gone = new Set<Family>((['ipv4-unicast', 'ipv6-unicast'] as Family[]).filter((f) => !preserved.has(f)));
    for (const k of this.kept) this.retireFamilies(k, gone);
    this.prune();
    if (this.kept.length === 0) {
      this.host.log.info('peer came back without preserved forwarding state: stale routes withdrawn');
      return;
    }
    this.startTimer(STALE_PATH_TIME_S, `no End-of-RIB within ${STALE_PATH_TIME_S} s of the session coming back`);
    this.host.log.info({ families: this.staleFamilies }, 'peer came back: stale routes are replaced by its UPDATEs until End-of-RIB');
  }

  /**
   * The session moved to another connection (a collision handover) and goes on: its routes of the old connection
   * stay until the peer's End-of-RIB for each family (at most STALE_PATH_TIME_S), like a restarting peer's once it
   * is back. The other families' routes go now. Returns true (the routes are taken care of).
   */
  handover(peer: Peer, prefixes: () => Iterable<Prefix>, count: number, families: Family[]): boolean {
    const record: Kept = { peer, families: new Set(families), prefixes, count };
    const dropped = new Set<Family>((['ipv4-unicast', 'ipv6-unicast'] as Family[]).filter((f) => !record.families.has(f)));
    this.retireFamilies(record, dropped);
    this.kept.push(record);
    this.startTimer(STALE_PATH_TIME_S, `no End-of-RIB within ${STALE_PATH_TIME_S} s of the collision handover`);
    this.host.log.info({ families, routes: count }, 'session moved to the connection the peer kept: its routes stay until End-of-RIB');
    return true;
  }

  /** End-of-RIB for a family, after every UPDATE before it was applied: what is still stale goes. */
  endOfRib(family: Family): void {
    if (this.kept.length === 0) return;
    let n = 0;
    for (const k of this.kept) {
      if (!k.families.has(family)) continue;
      n++;
      this.retireFamilies(k, new Set([family]));
    }
    this.prune();
    if (n > 0) this.host.log.info({ family }, 'End-of-RIB: withdrawing the routes still stale');
    if (this.kept.length === 0) this.stopTimer();
  }

  /** Gives up every stale route now (the tunnel died, or the daemon stops). */
  drop(reason: string): void {
    if (this.kept.length === 0) return;
    this.retireAll(reason);
  }

  private retireAll(reason: string): void {
    const wasWaiting = this.waiting;
    this.stopTimer();
    this.waiting = false;
    const records = this.kept;
    this.kept = [];
    for (const k of records) this.host.retire(k.peer, k.prefixes()[Symbol.iterator]());
    this.host.log.info({ reason }, 'stale routes withdrawn');
    if (wasWaiting) this.host.dropped(reason);
  }

  private retireFamilies(k: Kept, families: Set<Family>): void {
    const hit = [...families].filter((f) => k.families.has(f));
    if (hit.length === 0) return;
    for (const f of hit) k.families.delete(f);
    const wanted = new Set(hit);
    this.host.retire(k.peer, filterFamilies(k.prefixes(), wanted));
  }

  private prune(): void {
    this.kept = this.kept.filter((k) => k.families.size > 0);
  }

  private startTimer(seconds: number, reason: string): void {
    this.stopTimer();
    const handle = this.host.clock.setTimeout(() => {
      this.host.post('stale-timer', () => {
        if (this.timer !== handle) return;
        this.timer = undefined;
        this.retireAll(reason);
      });
    }, seconds * 1000);
    this.timer = handle;
  }

  private stopTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

function* filterFamilies(prefixes: Iterable<Prefix>, families: Set<Family>): Generator<Prefix> {
  for (const p of prefixes) if (families.has(prefixFamily(p))) yield p;
}

/** The graceful-restart capability a session advertises; read each time an OPEN is built. */
export type RestartCapability = NonNullable<SessionOptions['gracefulRestart']>;

/**
 * What a neighbor with graceful restart off advertises: the capability with restart time 0 and no address family
 * (RFC 4724 §3: "graceful restart aware"). Peers keep none of our routes when we go, but know we take End-of-RIB,
 * and most (BIRD) send theirs only then; a returning tunnel waits for it to rejoin its groups in one operation.
 */
export const GR_AWARE: RestartCapability = Object.freeze({ restartTime: 0, restarting: false, preserved: [] as never[] });

export interface LocalRestartOptions {
  /** The daemon found its own routes in the kernel at start: it restarted, and forwarding went on meanwhile. */
  restarting: boolean;
  /** Forwarding state survives a daemon restart (the kernel FIB): the F bit can be set. */
  forwardingPreserved: boolean;
  neighbors: readonly NeighborConfig[];
  clock: Clock;
  logger: Logger;
  /** Every graceful-restart peer sent End-of-RIB, or the restart time ran out: stale kernel routes may go. */
  onComplete(reason: string): void;
  /** Route selection is no longer deferred (RFC 4724 §4.1): the neighbors may send their initial tables now. */
  onSelectionReady?(): void;
}

/**
 * RFC 4724 §4.1 Selection_Deferral_Timer: after a restart, our initial tables wait for End-of-RIB from every
 * graceful-restart neighbor, but no longer than this. Until then the peers forward on our stale routes (their
 * restart timer is our restart time), so waiting costs nothing; advertising an incomplete table would make them
 * sweep good routes and flap the traffic.
 */
export const SELECTION_DEFERRAL_MS = 10_000;

/**
 * The restarting-speaker role (RFC 4724 §4.1). The OPEN carries R while the daemon is in its restart and this
 * neighbor has not been Established since, and F for every family once forwarding state exists (after a
 * restart that found our routes in the kernel, or after any session of this run came up). The restart ends
 * when every graceful-restart neighbor has sent End-of-RIB for each negotiated family, or after the longest
 * configured restart time; then onComplete() sweeps the routes no peer re-announced.
 */
export class LocalRestart {
  private inRestart: boolean;
  private readonly seen = new Set<string>();
  private readonly waiting = new Map<string, Set<Family> | null>();
  private timer: TimerHandle | undefined;
  private deferralTimer: TimerHandle | undefined;
  private completed = false;
  private selectionDeferred = false;

  constructor(private readonly opts: LocalRestartOptions) {
    this.inRestart = opts.restarting;
    const gr = opts.neighbors.filter((n) => n.gracefulRestart.enabled);
    for (const n of gr) this.waiting.set(n.name, null);
    if (this.inRestart) {
      if (gr.length === 0) {
        this.complete('no neighbor has graceful restart');
      } else {
        const seconds = Math.max(...gr.map((n) => n.gracefulRestart.restartTime));
        this.timer = opts.clock.setTimeout(() => this.complete(`restart time ${seconds} s expired (no End-of-RIB from ${[...this.waiting.keys()].join(', ')})`), seconds * 1000);
        this.selectionDeferred = true;
        this.deferralTimer = opts.clock.setTimeout(() => this.selectionReady(`selection deferral ${SELECTION_DEFERRAL_MS / 1000} s expired`), SELECTION_DEFERRAL_MS);
      }
    }
  }

  get restarting(): boolean {
    return this.inRestart;
  }

  /** True while our initial tables must wait (RFC 4724 §4.1 route-selection deferral after a restart). */
  get deferringSelection(): boolean {
    return this.selectionDeferred;
  }

  /** The live capability object for a neighbor's session options (GR_AWARE when it has graceful restart off). */
  capability(n: NeighborConfig): RestartCapability | undefined {
    if (!n.gracefulRestart.enabled) return GR_AWARE;
    const self = this;
    return {
      restartTime: n.gracefulRestart.restartTime,
      get restarting() {
        return self.inRestart && !self.seen.has(n.name);
      },
      get preserved() {
        return self.opts.forwardingPreserved && (self.opts.restarting || self.seen.has(n.name)) ? n.families : [];
      },
    };
  }

  established(name: string, info: EstablishedInfo): void {
    this.seen.add(name);
    if (this.inRestart && this.waiting.has(name)) this.waiting.set(name, new Set(info.families));
  }

  endOfRib(name: string, family: Family): void {
    if (!this.inRestart) return;
    const missing = this.waiting.get(name);
    if (!missing) return;
    missing.delete(family);
    if (missing.size > 0) return;
    this.waiting.delete(name);
    if (this.waiting.size === 0) this.complete('End-of-RIB from every graceful-restart neighbor');
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.deferralTimer?.cancel();
    this.deferralTimer = undefined;
  }

  private selectionReady(reason: string): void {
    if (!this.selectionDeferred) return;
    this.selectionDeferred = false;
    this.deferralTimer?.cancel();
    this.deferralTimer = undefined;
    this.opts.logger.info({ reason }, 'route selection no longer deferred: sending the initial tables');
    this.opts.onSelectionReady?.();
  }

  private complete(reason: string): void {
    if (this.completed) return;
    this.completed = true;
    this.selectionReady(reason);
    this.close();
    this.inRestart = false;
    this.opts.logger.info({ reason }, 'graceful restart complete');
    this.opts.onComplete(reason);
  }
}
