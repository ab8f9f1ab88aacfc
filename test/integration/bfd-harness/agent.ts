// A BfdService in its own process, driven by JSON lines on stdin and reporting on stdout; tests run it in a
// namespace with `ip netns exec` (a Node process cannot enter a namespace per thread). See agent-client.ts.

import { createInterface } from 'node:readline';
import { BfdService, bfdOptionsFromEnv, type BfdRequestOptions, type BfdSessionHandle, type BfdTimerOptions } from '../../../src/bfd/service';
import { BgpfoMetrics } from '../../../src/metrics';

type Command =
  | { cmd: 'request'; id: string; opts: BfdRequestOptions }
  | { cmd: 'update'; id: string; timers: BfdTimerOptions }
  | { cmd: 'close'; id: string }
  | { cmd: 'current'; id: string }
  | { cmd: 'busy'; ms: number }
  | { cmd: 'churn'; on: boolean }
  | { cmd: 'status' }
  | { cmd: 'metrics' }
  | { cmd: 'kill-bfd'; signal?: NodeJS.Signals }
  | { cmd: 'stop' };

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const log = (obj: object, msg: string) => out({ ev: 'log', msg, obj: JSON.stringify(obj) });
const service = new BfdService({ log: { warn: log, info: log }, ...bfdOptionsFromEnv() });
const metrics = new BgpfoMetrics({ defaultMetrics: false });
metrics.setBfdSource(service);
const handles = new Map<string, BfdSessionHandle>();

/**
 * A load like a route ingest on this (the daemon's) side: a few hundred MB of small objects replaced continuously, so the
 * main isolate collects garbage in a heap of some 250 MB, and the main loop busy about half the time (measured alone).
 */
let churnTimer: NodeJS.Timeout | undefined;
function churn(on: boolean): void {
  clearInterval(churnTimer);
  churnTimer = undefined;
  if (!on) return;
  const ring: unknown[][] = [];
  let i = 0;
  churnTimer = setInterval(() => {
    const batch: unknown[] = [];
    for (let j = 0; j < 10_000; j++, i++) batch.push({ prefix: `${i >> 16}.${(i >> 8) & 255}.${i & 255}.0/24`, path: [65000 + (i & 7), i], med: i });
    ring.push(batch);
    if (ring.length > 300) ring.shift();
    const until = Date.now() + 5;
    while (Date.now() < until) {
      /* spin */
    }
  }, 50);
}

async function main(): Promise<void> {
  await service.start();
  out({ ev: 'ready' });
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line) as Command;
    try {
      switch (c.cmd) {
        case 'request':
          handles.set(c.id, service.requestSession(c.opts, (ev) => out({ ev: 'state', id: c.id, ...ev })));
          break;
        case 'update':
          handles.get(c.id)?.update(c.timers);
          break;
        case 'close':
          handles.get(c.id)?.close();
          handles.delete(c.id);
          break;
        case 'current':
          out({ ev: 'current', id: c.id, current: handles.get(c.id)?.current ?? null });
          break;
        case 'busy': {
          // Block this process's main loop, as a burst of UPDATE processing would.
          const until = Date.now() + c.ms;
          while (Date.now() < until) {
            /* spin */
          }
          out({ ev: 'busy-done' });
          break;
        }
        case 'churn':
          churn(c.on);
          break;
        case 'status':
          out({ ev: 'status', status: service.status() });
          break;
        case 'metrics':
          out({ ev: 'metrics', text: await metrics.text() });
          break;
        case 'kill-bfd': {
          // What a crash of the BFD process looks like to the daemon.
          const pid = service.status().pid;
          if (pid === undefined) throw new Error('no BFD process to kill');
          process.kill(pid, c.signal ?? 'SIGKILL');
          out({ ev: 'killed', pid });
          break;
        }
        case 'stop':
          await service.stop();
          out({ ev: 'stopped' });
          process.exit(0);
      }
    } catch (err) {
      out({ ev: 'error', cmd: c, message: (err as Error).message });
    }
  }
  await service.stop();
}

main().catch((err) => {
  out({ ev: 'fatal', message: String((err as Error).stack ?? err) });
  process.exit(1);
});
