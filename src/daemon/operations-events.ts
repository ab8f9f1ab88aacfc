// The speaker as operator events: session state changes and up/down, best-path changes summarized per second,
// failovers (a lost tunnel's prefixes moved to another path, timed until the Loc-RIB stopped using it) and outages
// (prefixes the lost tunnel leaves with no path at all). No RFC.

import type { Logger } from 'pino';
import type { EventBus } from '../api/events';
import type { DownInfo } from '../bgp/session';
import type { ExportBatch, RibChange } from '../rib';
import type { Clock, TimerHandle } from '../util/clock';
import type { Neighbor } from './neighbor';
import type { Speaker } from './speaker';

/** Best-path changes are summed over this window into one 'routes' event. */
export const ROUTES_WINDOW_MS = 1000;
const SAMPLE = 10;

interface PendingFailover {
  tunnel: string;
  reason: string;
  startedAt: number;
  /** Prefixes whose ECMP set lost the tunnel since and still has another path. */
  moved: number;
  /**
   * Prefixes whose ECMP set lost the tunnel and is empty: no path left. A prefix that gets a path again before the
   * failover is over (another session's route arriving) moves to `moved`.
   */
  lost: Set<string>;
}

export interface SpeakerEventsOptions {
  speaker: Speaker;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /**
   * False when liveness (BFD/probe) already declared the tunnel dead: the liveness controller publishes that failover
   * itself (timed from detection to the FIB), so the session loss that follows is not a second one.
   */
  tunnelAlive?: (name: string) => boolean;
}

/** What the status line says about a lost session. */
export function downReason(info: DownInfo): string {
  return info.reason === 'hold-timer-expired' ? 'hold timer expired' : info.message;
}

export class SpeakerEventSource {
  private readonly pending = new Map<string, PendingFailover>();
  private sweep: TimerHandle | undefined;
  /** A speaker.settled() wait is in flight (see ribChanges). */
  private settling = false;
  private window: { timer: TimerHandle; startedAt: number; bestChanged: number; added: number; removed: number; sample: string[] } | undefined;
  private readonly sessions = new WeakSet<object>();
  private closed = false;

  constructor(private readonly o: SpeakerEventsOptions) {
    const { speaker } = o;
    for (const n of speaker.neighbors) this.watchSession(n);
    speaker.on('neighbor-added', (n) => this.watchSession(n));
    speaker.on('peer-up', (name, info) => {
      const n = speaker.neighbor(name);
      this.pending.delete(name);
      o.events.publish({ type: 'session-up', neighbor: name, peer: n?.config.address ?? info.remoteAddress ?? '', peerRouterId: info.peerRouterId, families: [...info.families] });
    });
    speaker.on('peer-down', (name, info) => {
      const n = speaker.neighbor(name);
      o.events.publish({ type: 'session-down', neighbor: name, peer: n?.config.address ?? '', reason: info.reason, message: downReason(info) });
      // A graceful-restart helper keeps the routes (and the traffic) until 'stale-dropped'.
      if (n?.keepingStale) return;
      if (o.tunnelAlive && !o.tunnelAlive(name)) return;
      this.failoverDetected(name, downReason(info));
    });
    speaker.on('stale-dropped', (name, reason) => {
      if (!o.tunnelAlive || o.tunnelAlive(name)) this.failoverDetected(name, `stale routes dropped: ${reason}`);
    });
    speaker.on('rib-changes', (changes, batch) => this.ribChanges(changes, batch));
  }

  /**
   * Starts timing a failover off `tunnel` (detected at `startedAt`, clock ms; default now) unless one is already
   * being timed. It is published once the tunnel's paths have left the Loc-RIB, if any best path used it.
   */
  failoverDetected(tunnel: string, reason: string, startedAt = this.o.clock.now()): void {
    if (this.closed || this.pending.has(tunnel)) return;
    this.pending.set(tunnel, { tunnel, reason, startedAt, moved: 0, lost: new Set() });
    this.armSweep();
  }

  close(): void {
    this.closed = true;
    this.sweep?.cancel();
    this.window?.timer.cancel();
    this.pending.clear();
  }

  private watchSession(n: Neighbor): void {
    const s = n.session;
    if (this.sessions.has(s)) return;
    this.sessions.add(s);
    s.on('state', (from, to) => {
      if (!this.closed) this.o.events.publish({ type: 'session-state', neighbor: n.name, from, to });
    });
  }

  private ribChanges(changes: readonly RibChange[], batch: ExportBatch): void {
    if (this.closed) return;
    if (this.pending.size > 0) {
      for (const c of changes) {
        const before = c.oldEcmp;
        for (const p of this.pending.values()) {
          if (before.length > 0 && before.some((x) => x.peer.key === p.tunnel) && !c.ecmp.some((x) => x.peer.key === p.tunnel)) {
            if (c.ecmp.length > 0) p.moved++;
            else p.lost.add(c.prefix);
          } else if (c.ecmp.length > 0 && p.lost.delete(c.prefix)) p.moved++;
        }
      }
    }
    // The window counts from the batch the speaker sorted once (a full table is a million changes).
    const changed = batch.bestChanged;
    if (changed.length > 0) {
      let w = this.window;
      if (!w) {
        const startedAt = this.o.clock.now();
        w = this.window = { timer: this.o.clock.setTimeout(() => this.flushWindow(), ROUTES_WINDOW_MS), startedAt, bestChanged: 0, added: 0, removed: 0, sample: [] };
      }
      w.bestChanged += changed.length;
      w.added += batch.added;
      w.removed += batch.removed;
      for (let i = 0; i < changed.length && w.sample.length < SAMPLE; i++) w.sample.push(changed[i]!.prefix);
    }
    this.checkFailovers();
    // The lost session's last withdrawals can be known only on the loop's next turn (its retiring list empties
    // after the batch that withdrew the last path): check again once the loop is idle, not a poll later.
    if (this.pending.size > 0 && !this.settling) {
      this.settling = true;
      void this.o.speaker.settled().then(() => {
        this.settling = false;
        if (!this.closed) this.checkFailovers();
      });
    }
  }

  private flushWindow(): void {
    const w = this.window;
    this.window = undefined;
    if (!w || this.closed) return;
    this.o.events.publish({ type: 'routes', bestChanged: w.bestChanged, added: w.added, removed: w.removed, sample: w.sample, windowMs: ROUTES_WINDOW_MS });
  }

  /** A failover is over when the lost session's paths are all withdrawn and every Loc-RIB change has gone out. */
  private checkFailovers(): void {
    const { speaker } = this.o;
    if (this.pending.size === 0 || speaker.locRib.pendingCount > 0) return;
    for (const p of [...this.pending.values()]) {
      const n = speaker.neighbor(p.tunnel);
      if (n?.hasInbound) continue;
      this.pending.delete(p.tunnel);
      // It carried no best path: nothing moved, nothing lost, no event.
      const durationMs = Math.max(0, Math.round(this.o.clock.now() - p.startedAt));
      if (p.moved > 0) {
        this.o.logger.info({ tunnel: p.tunnel, prefixes: p.moved, durationMs, reason: p.reason }, `failover off ${p.tunnel}: ${p.moved} prefix(es) moved in ${durationMs} ms`);
        this.o.events.publish({ type: 'failover', tunnel: p.tunnel, reason: p.reason, prefixes: p.moved, durationMs });
      }
      if (p.lost.size > 0) {
        const sample = [...take(p.lost, SAMPLE)];
        this.o.logger.warn(
          { tunnel: p.tunnel, prefixes: p.lost.size, durationMs, reason: p.reason, sample },
          `outage: no path left for ${p.lost.size} prefix(es) after ${p.tunnel} was lost (${p.reason}); withdrawn in ${durationMs} ms`,
        );
        this.o.events.publish({ type: 'outage', tunnel: p.tunnel, reason: p.reason, prefixes: p.lost.size, sample, durationMs });
      }
    }
    if (this.pending.size === 0) {
      this.sweep?.cancel();
      this.sweep = undefined;
    }
  }

  /** Without any Loc-RIB change (a session that had no routes) nothing calls checkFailovers: poll while pending. */
  private armSweep(): void {
    if (this.sweep) return;
    this.sweep = this.o.clock.setTimeout(() => {
      this.sweep = undefined;
      this.checkFailovers();
      if (this.pending.size > 0) this.armSweep();
    }, 1000);
  }
}

function* take<T>(xs: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const x of xs) {
    yield x;
    if (++i >= n) return;
  }
}
