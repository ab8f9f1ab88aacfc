// Starts the probe worker thread (src/health/probe-worker.ts): probe timing runs off the daemon's main loop.
// No RFC: plumbing (src/util/worker-spawn.ts).

import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../util/worker-spawn';

export function spawnProbeWorker(): Worker {
  return spawnWorker(__dirname, 'probe-worker');
}
