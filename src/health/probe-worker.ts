// Entry point of the probe worker thread: ping children are spawned and read here, off the daemon's main loop.
// A busy main loop delays only the delivery of events, never the per-probe verdicts (they come from ping's lines).

import { parentPort } from 'node:worker_threads';
import { realClock } from '../util/clock';
import { ProbeEngine } from './probe-engine';
import type { FromProbeWorker, ToProbeWorker } from './probe-protocol';

if (!parentPort) throw new Error('src/health/probe-worker.ts must run in a worker thread');
const port = parentPort;
const engine = new ProbeEngine(realClock, (msg: FromProbeWorker) => port.postMessage(msg), performance.timeOrigin);
port.on('message', (msg: ToProbeWorker) => {
  engine.handle(msg);
  if (msg.op === 'shutdown') setTimeout(() => port.close(), 0);
});
port.postMessage({ op: 'ready' } satisfies FromProbeWorker);
