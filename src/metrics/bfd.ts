// Prometheus metrics of the BFD process: transmit lateness (histogram and recent quantiles), packet counters per
// session, restarts, CPU and memory. Read from BfdService at scrape time. RFC 5880 §6.8.7 is what lateness measures.

import { Counter, Gauge, type Registry } from 'prom-client';
import { LATENESS_BOUNDS_MS, type LatenessHistogram } from '../bfd/lateness';
import type { BfdServiceStatus } from '../bfd/service';

/** What the metrics read of the BFD service (BfdService implements it). */
export interface BfdMetricsSource {
  status(): BfdServiceStatus;
  readonly stats: { readonly total: LatenessHistogram };
}

const LATENESS_HELP =
  'How late BFD periodic packets left compared with their jittered schedule (RFC 5880 §6.8.7), all sessions: ' +
  'near zero when the BFD process keeps time; tens of ms mean the host stalled it, not that the path lost packets.';

/** A histogram whose buckets come from the BFD process' own counts (prom-client's Histogram only takes samples). */
function latenessHistogram(registry: Registry, get: () => BfdMetricsSource | undefined): void {
  const name = 'bgpfo_bfd_tx_lateness_seconds';
  const metric = {
    name,
    help: LATENESS_HELP,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const src = get();
      const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
      if (src) {
        const h = src.stats.total;
        let cum = 0;
        LATENESS_BOUNDS_MS.forEach((b, i) => {
          cum += h.counts[i]!;
          values.push({ value: cum, labels: { le: b / 1000 }, metricName: `${name}_bucket` });
        });
        cum += h.counts[LATENESS_BOUNDS_MS.length]!;
        values.push({ value: cum, labels: { le: '+Inf' }, metricName: `${name}_bucket` });
        values.push({ value: h.sumMs / 1000, labels: {}, metricName: `${name}_sum` });
        values.push({ value: cum, labels: {}, metricName: `${name}_count` });
      }
      return { name, help: LATENESS_HELP, type: 'histogram', values, aggregator: 'sum' };
    },
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

export function registerBfdMetrics(registry: Registry, get: () => BfdMetricsSource | undefined): void {
  const r = [registry];
  latenessHistogram(registry, get);
  let snapshot: BfdServiceStatus | undefined;
  // The first of these reads the status once per scrape; the others use that snapshot (registration order).
  new Gauge({
    name: 'bgpfo_bfd_tx_lateness_recent_seconds',
    help: 'Transmit lateness of BFD periodic packets over the last minute: quantile 0.5, 0.99 and 1 (the maximum).',
    labelNames: ['quantile'],
    registers: r,
    collect() {
      snapshot = get()?.status();
      this.reset();
      const rec = snapshot?.txLateness.recent;
      if (!rec) return;
      this.set({ quantile: '0.5' }, rec.p50Ms / 1000);
      this.set({ quantile: '0.99' }, rec.p99Ms / 1000);
      this.set({ quantile: '1' }, rec.maxMs / 1000);
    },
  });
  new Gauge({
    name: 'bgpfo_bfd_session_tx_lateness_max_seconds',
    help: 'Largest transmit lateness of each BFD session over the last minute.',
    labelNames: ['local', 'peer'],
    registers: r,
    collect() {
      this.reset();
      for (const s of snapshot?.sessions ?? []) this.set({ local: s.local, peer: s.peer }, s.txLateMaxMs / 1000);
    },
  });
  new Counter({
    name: 'bgpfo_bfd_packets_total',
    help: 'BFD Control packets per session: sent (tx), received (rx), received but discarded (auth, AdminDown).',
    labelNames: ['local', 'peer', 'direction'],
    registers: r,
    collect() {
      this.reset();
      for (const s of snapshot?.sessions ?? []) {
        this.inc({ local: s.local, peer: s.peer, direction: 'tx' }, s.tx);
        this.inc({ local: s.local, peer: s.peer, direction: 'rx' }, s.rx);
        this.inc({ local: s.local, peer: s.peer, direction: 'discarded' }, s.discarded);
      }
    },
  });
  new Counter({
    name: 'bgpfo_bfd_process_restarts_total',
    help: 'Times the BFD process died and its sessions were resumed in a new one.',
    registers: r,
    collect() {
      this.reset();
      if (snapshot) this.inc(snapshot.restarts);
    },
  });
  new Counter({
    name: 'bgpfo_bfd_process_cpu_seconds_total',
    help: 'CPU time (user + system) of the BFD process, restarts included.',
    registers: r,
    collect() {
      this.reset();
      if (snapshot) this.inc(snapshot.cost.cpuSeconds);
    },
  });
  new Gauge({
    name: 'bgpfo_bfd_process_resident_memory_bytes',
    help: 'Resident memory of the BFD process (role active) and of its warm standby.',
    labelNames: ['role'],
    registers: r,
    collect() {
      this.reset();
      if (snapshot?.cost.rssBytes !== undefined) this.set({ role: 'active' }, snapshot.cost.rssBytes);
      if (snapshot?.cost.standbyRssBytes !== undefined) this.set({ role: 'standby' }, snapshot.cost.standbyRssBytes);
    },
  });
}
