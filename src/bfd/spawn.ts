// Starts the BFD worker thread (src/bfd/worker.ts): BFD timing runs off the daemon's main loop.
// No RFC: plumbing (src/util/worker-spawn.ts).

import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../util/worker-spawn';

export function spawnBfdWorker(): Worker {
  return spawnWorker(__dirname, 'worker');
}
