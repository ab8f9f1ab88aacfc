// The bgpfo_bfd_* metrics read from a BFD service at scrape time: the lateness histogram from the process' own bucket
// counts, recent quantiles, per-session packet counters, restarts and the process cost.
import { emptyHistogram, record } from '../../../src/bfd/lateness';
import type { BfdServiceStatus } from '../../../src/bfd/service';
import { BgpfoMetrics } from '../../../src/metrics';

test('BFD metrics: nothing before a source is set, then histogram, quantiles, counters and cost', async () => {
  const m = new BgpfoMetrics({ defaultMetrics: false });
  let text = await m.text();
  expect(text).toMatch(/# TYPE bgpfo_bfd_tx_lateness_seconds histogram/);
  expect(text).not.toMatch(/bgpfo_bfd_tx_lateness_seconds_count/);
  const total = emptyHistogram();
  for (let i = 0; i < 9; i++) record(total, 0.04);
  record(total, 120);
  const status: BfdServiceStatus = {
    isolation: 'process',
    pid: 42,
    restarts: 2,
    txLateness: { recent: { packets: 10, p50Ms: 0.04, p99Ms: 108, maxMs: 120 }, total: { packets: 10, p50Ms: 0.04, p99Ms: 108, maxMs: 120 }, windowS: 60 },
    cost: { cpuSeconds: 1.5, rssBytes: 40e6, standbyRssBytes: 39e6 },
    sessions: [{ local: '10.0.0.1', peer: '10.0.0.2', state: 'Up', localDiscr: 7, clients: 1, tx: 100, rx: 98, discarded: 1, txLateMaxMs: 120 }],
  };
  m.setBfdSource({ status: () => status, stats: { total } });
  text = await m.text();
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_bucket\{le="0\.00005"\} 9$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_bucket\{le="0\.1"\} 9$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_bucket\{le="0\.15"\} 10$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_bucket\{le="\+Inf"\} 10$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_count 10$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_seconds_sum 0\.12036$/m);
  expect(text).toMatch(/^bgpfo_bfd_tx_lateness_recent_seconds\{quantile="1"\} 0\.12$/m);
  expect(text).toMatch(/^bgpfo_bfd_session_tx_lateness_max_seconds\{local="10\.0\.0\.1",peer="10\.0\.0\.2"\} 0\.12$/m);
  expect(text).toMatch(/^bgpfo_bfd_packets_total\{local="10\.0\.0\.1",peer="10\.0\.0\.2",direction="rx"\} 98$/m);
  expect(text).toMatch(/^bgpfo_bfd_process_restarts_total 2$/m);
  expect(text).toMatch(/^bgpfo_bfd_process_cpu_seconds_total 1\.5$/m);
  expect(text).toMatch(/^bgpfo_bfd_process_resident_memory_bytes\{role="standby"\} 39000000$/m);
  // A second scrape gives the same counters (they are set from the source, not added up).
  expect(await m.text()).toMatch(/^bgpfo_bfd_packets_total\{local="10\.0\.0\.1",peer="10\.0\.0\.2",direction="rx"\} 98$/m);
});
