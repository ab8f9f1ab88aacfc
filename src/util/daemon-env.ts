// The environment the bgpfo daemon is started with, wherever it is started (systemd unit, render scripts, the lab,
// `bgpfo up` without systemd): one place, so every way of running it measures the same.

/**
 * glibc raises its mmap threshold each time a large block is freed (up to 32 MB), after which the route tables'
 * typed arrays, which grow by doubling, come from the heap and their freed copies stay in the process. A fixed
 * 128 KiB threshold (which also turns the adjustment off) gives every large array its own mapping, returned to the
 * kernel when freed: at a million routes the settled RSS measured 159-180 MB with it against 181-214 MB without,
 * at the same ingest speed (docs/benchmarks.md). The BFD process, a child of the daemon, inherits it.
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** DAEMON_ENV as `K=V` words (for `env K=V cmd`, systemd's Environment=). */
export function daemonEnvWords(): string[] {
  return Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`);
}
