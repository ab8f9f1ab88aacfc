// Entry point of the BFD worker thread (isolation 'worker', kept to compare with the process): the engine on real UDP
// sockets, the real clock and the parent port. The default is a process of its own (process.ts, host.ts).

import { parentPort } from 'node:worker_threads';
import { realClock } from '../util/clock';
import { BfdEngine } from './engine';
import { ioFirstClock } from './io-first-clock';
import type { FromWorker, ToWorker } from './protocol';
import { UdpBfdNet } from './udp';

if (!parentPort) throw new Error('src/bfd/worker.ts must run in a worker thread');
const port = parentPort;
// Timers run after the packets already waiting (io-first-clock.ts): a descheduled thread must not time out a peer it heard.
const engine = new BfdEngine(new UdpBfdNet(), ioFirstClock(realClock), (msg: FromWorker) => port.postMessage(msg), performance.timeOrigin);
const statsTimer = setInterval(() => {
  const { lateness, sessions } = engine.stats();
  port.postMessage({ op: 'stats', at: performance.timeOrigin + performance.now(), lateness, sessions, heapUsedBytes: process.memoryUsage().heapUsed } satisfies FromWorker);
}, 1000);
port.on('message', (msg: ToWorker) => {
  engine.handle(msg);
  // Let close()'s AdminDown packets leave before the thread ends.
  if (msg.op === 'shutdown') {
    clearInterval(statsTimer);
    setTimeout(() => port.close(), 20);
  }
});
port.postMessage({ op: 'ready' } satisfies FromWorker);
