// The daemon's book of what the BFD process reports: transmit lateness (since start and over a recent window),
// per-session packet counters kept across process restarts, and the process' own CPU and memory. No RFC: observability.

import { emptyHistogram, mergeInto, summarize, type LatenessHistogram, type LatenessSummary } from './lateness';
import type { BfdSessionCounters, BfdStatsReport } from './protocol';

/** Reports kept for the recent window: with one report a second, the last minute. */
export const RECENT_REPORTS = 60;

export interface BfdSessionTotals {
  tx: number;
  rx: number;
  discarded: number;
  /** Largest transmit lateness of the session over the recent window, ms. */
  lateMaxMs: number;
}

export interface BfdProcessCost {
  /** CPU seconds of every BFD process so far (user + system; restarts add up). */
  cpuSeconds: number;
  /** Resident memory of the running BFD process, bytes. */
  rssBytes?: number;
  heapUsedBytes?: number;
}

export class BfdStatsBook {
  /** Since the service started (restarts included): what a Prometheus histogram exposes. */
  readonly total: LatenessHistogram = emptyHistogram();
  private recent: { at: number; lateness: LatenessHistogram; lateMax: Map<number, number> }[] = [];
  /** Counters of sessions as the current process reported them, and what earlier processes had counted. */
  private readonly current = new Map<number, BfdSessionCounters>();
  private readonly base = new Map<number, { tx: number; rx: number; discarded: number }>();
  private cpuBaseUs = 0;
  private cpuNowUs = 0;
  private rssBytes: number | undefined;
  private heapUsedBytes: number | undefined;
  lastReportAt: number | undefined;

  add(r: BfdStatsReport): void {
    mergeInto(this.total, r.lateness);
    const lateMax = new Map<number, number>();
    for (const s of r.sessions) {
      this.current.set(s.sid, s);
      if (s.lateMaxMs > 0) lateMax.set(s.sid, s.lateMaxMs);
    }
    this.recent.push({ at: r.at, lateness: r.lateness, lateMax });
    if (this.recent.length > RECENT_REPORTS) this.recent.shift();
    if (r.cpuUserUs !== undefined) this.cpuNowUs = r.cpuUserUs + (r.cpuSystemUs ?? 0);
    this.rssBytes = r.rssBytes;
    this.heapUsedBytes = r.heapUsedBytes;
    this.lastReportAt = r.at;
  }

  /** A new process took over: its counters start from zero, so fold the old ones into the base. */
  hostChanged(): void {
    for (const [sid, c] of this.current) {
      const b = this.base.get(sid) ?? { tx: 0, rx: 0, discarded: 0 };
      this.base.set(sid, { tx: b.tx + c.tx, rx: b.rx + c.rx, discarded: b.discarded + c.discarded });
    }
    this.current.clear();
    this.cpuBaseUs += this.cpuNowUs;
    this.cpuNowUs = 0;
  }

  forget(sid: number): void {
    this.current.delete(sid);
    this.base.delete(sid);
  }

  session(sid: number): BfdSessionTotals {
    const c = this.current.get(sid);
    const b = this.base.get(sid);
    let lateMaxMs = 0;
    for (const r of this.recent) lateMaxMs = Math.max(lateMaxMs, r.lateMax.get(sid) ?? 0);
    return {
      tx: (c?.tx ?? 0) + (b?.tx ?? 0),
      rx: (c?.rx ?? 0) + (b?.rx ?? 0),
      discarded: (c?.discarded ?? 0) + (b?.discarded ?? 0),
      lateMaxMs: Math.round(lateMaxMs * 1000) / 1000,
    };
  }

  /** bfd.XmitAuthSeq last reported for a session and when (a restart continues from an estimate after it). */
  authSeq(sid: number): { seq: number; at: number } | undefined {
    const c = this.current.get(sid);
    return c?.xmitAuthSeq !== undefined && this.lastReportAt !== undefined ? { seq: c.xmitAuthSeq, at: this.lastReportAt } : undefined;
  }

  /** Lateness over the recent window (about the last minute) and since the start. */
  lateness(): { recent?: LatenessSummary; total?: LatenessSummary; windowS: number } {
    const recent = emptyHistogram();
    for (const r of this.recent) mergeInto(recent, r.lateness);
    const first = this.recent[0];
    const last = this.recent.at(-1);
    const windowS = first && last ? Math.round((last.at - first.at) / 1000) + 1 : 0;
    const rs = summarize(recent);
    const ts = summarize(this.total);
    return { ...(rs ? { recent: rs } : {}), ...(ts ? { total: ts } : {}), windowS };
  }

  cost(): BfdProcessCost {
    return {
      cpuSeconds: (this.cpuBaseUs + this.cpuNowUs) / 1e6,
      ...(this.rssBytes !== undefined ? { rssBytes: this.rssBytes } : {}),
      ...(this.heapUsedBytes !== undefined ? { heapUsedBytes: this.heapUsedBytes } : {}),
    };
  }
}
