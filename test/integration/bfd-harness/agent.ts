// A BfdService in its own process, driven by JSON lines on stdin and reporting on stdout; tests run it in a
// namespace with `ip netns exec` (a Node process cannot enter a namespace per thread). See agent-client.ts.

import { createInterface } from 'node:readline';
import { BfdService, type BfdRequestOptions, type BfdSessionHandle, type BfdTimerOptions } from '../../../src/bfd/service';

type Command =
  | { cmd: 'request'; id: string; opts: BfdRequestOptions }
  | { cmd: 'update'; id: string; timers: BfdTimerOptions }
  | { cmd: 'close'; id: string }
  | { cmd: 'current'; id: string }
  | { cmd: 'busy'; ms: number }
  | { cmd: 'stop' };

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const service = new BfdService({ log: { warn: (obj, msg) => out({ ev: 'log', msg, obj: JSON.stringify(obj) }) } });
const handles = new Map<string, BfdSessionHandle>();

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
