// Rate limit for log lines that a remote party can repeat at will (refused connections, malformed requests):
// the first one of a kind is logged, repeats within the window are counted and reported with the next line.

export interface LimitedLine {
  /** Log this occurrence. */
  log: boolean;
  /** Occurrences of this kind that were not logged since the last logged one (to put in that line). */
  suppressed: number;
}

export class LogLimiter {
  private readonly kinds = new Map<string, { until: number; suppressed: number }>();

  /** `windowMs`: at most one line per kind per window; `maxKinds` bounds memory when kinds are remote-chosen. */
  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxKinds = 1000,
  ) {}

  hit(kind: string): LimitedLine {
    const t = this.now();
    const k = this.kinds.get(kind);
    if (k && t < k.until) {
      k.suppressed++;
      return { log: false, suppressed: k.suppressed };
    }
    const suppressed = k?.suppressed ?? 0;
    if (!k && this.kinds.size >= this.maxKinds) {
      // Forget the expired kinds; if every one is live, forget the oldest.
      for (const [key, v] of this.kinds) if (t >= v.until) this.kinds.delete(key);
      if (this.kinds.size >= this.maxKinds) this.kinds.delete(this.kinds.keys().next().value!);
    }
    this.kinds.set(kind, { until: t + this.windowMs, suppressed: 0 });
    return { log: true, suppressed };
  }
}
