// Entry point of the BFD child process: the engine on real UDP sockets and the real clock, driven over the IPC
// channel by the daemon's BfdService. BFD timing lives here, where a busy daemon cannot stall it (issue 11).

import { realClock } from '../util/clock';
import { BfdEngine } from './engine';
import { ioFirstClock } from './io-first-clock';
import type { BfdStatsReport, FromWorker, ToWorker } from './protocol';
import { UdpBfdNet } from './udp';

const STATS_INTERVAL_MS = 1000;

if (!process.send) throw new Error('src/bfd/process.ts must run as a child process with an IPC channel');
const send = (msg: FromWorker) => {
  if (process.connected) process.send!(msg);
};
// Timers run after the packets already waiting (io-first-clock.ts): a descheduled process must not time out a peer it heard.
const engine = new BfdEngine(new UdpBfdNet(), ioFirstClock(realClock), send, performance.timeOrigin);

function report(): void {
  const { lateness, sessions } = engine.stats();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  send({ op: 'stats', at: performance.timeOrigin + performance.now(), lateness, sessions, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed } satisfies BfdStatsReport);
}
const statsTimer = setInterval(report, STATS_INTERVAL_MS);

process.on('message', (msg: ToWorker) => {
  engine.handle(msg);
  if (msg.op === 'shutdown') {
    clearInterval(statsTimer);
    // Let close()'s AdminDown packets leave before the process ends.
    setTimeout(() => process.exit(0), 20);
  }
});
// The daemon is gone (crashed or killed): its clients are gone too, so BFD ends. No AdminDown: for the peers this is
// a failure of the router, which their own detection should see.
process.on('disconnect', () => process.exit(0));
send({ op: 'ready', pid: process.pid });
