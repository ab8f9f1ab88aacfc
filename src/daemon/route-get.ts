// Which interface reaches an address, from the kernel (`ip -json route get`), batched: lookups asked while another
// runs go together into one `ip -batch`, because each spawn blocks the daemon's event loop (measured: a hub whose
// 1,000 sessions came up at once spent 14 s of its main loop in 1,000 spawns, bench/hub-sessions.ts).

import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/** Finds the interface an address is reached over. Rejects when there is no route. */
export type InterfaceResolver = (address: string) => Promise<string>;

export interface IpResult {
  stdout: string;
  stderr: string;
  /** The command exited non-zero (or could not run): its message. */
  error?: string;
}

/** Runs `ip ARGS` with INPUT on stdin; resolves with what it printed whatever its exit status. */
export type IpRunner = (args: string[], input?: string) => Promise<IpResult>;

export const runIp: IpRunner = (args, input) =>
  new Promise((resolve) => {
    const child = execFile('ip', args, { timeout: 10_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, ...(err ? { error: err.message } : {}) }),
    );
    child.stdin?.on('error', () => undefined); // ip may exit before reading everything; the result says why
    child.stdin?.end(input ?? '');
  });

interface RouteGet {
  dst?: string;
  dev?: string;
  gateway?: string;
  type?: string;
}

interface Waiter {
  resolve(ifname: string): void;
  reject(err: Error): void;
}

/**
 * The default resolver: the kernel's own answer for the address, in the FIB's namespace. At most one `ip` runs at a
 * time; what is asked meanwhile is answered by the next one, as a batch (`-force`: a failing line does not stop the
 * rest). An address the batch did not answer (no route, or printed in another spelling) is asked alone, so its error
 * is the kernel's own.
 */
export function ipRouteGet(netns?: string, log?: Logger, run: IpRunner = runIp): InterfaceResolver {
  const ns = netns ? ['-n', netns] : [];
  let queue = new Map<string, Waiter[]>();
  let running = false;

  const interfaceOf = (address: string, r: RouteGet | undefined): string => {
    if (!r?.dev) throw new Error(`ip route get ${address}: no interface (${r?.type ?? 'no route'})`);
    // A nexthop object needs an on-link gateway; through another router the kernel refuses it.
    if (r.gateway) log?.warn({ address, via: r.gateway, dev: r.dev }, `next hop ${address} is not directly connected (via ${r.gateway}); the kernel may refuse it`);
    return r.dev;
  };
  const parse = (address: string, stdout: string): RouteGet[] => {
    try {
      return JSON.parse(stdout) as RouteGet[];
    } catch (e) {
      throw new Error(`ip route get ${address}: ${(e as Error).message}`);
    }
  };
  const alone = async (address: string): Promise<string> => {
    const r = await run([...ns, '-json', 'route', 'get', address]);
    if (r.error !== undefined) throw new Error(`ip route get ${address}: ${r.stderr.trim() || r.error}`);
    return interfaceOf(address, parse(address, r.stdout)[0]);
  };
  const settle = (waiters: Waiter[], answer: Promise<string>) =>
    answer.then(
      (ifname) => waiters.forEach((w) => w.resolve(ifname)),
      (err: Error) => waiters.forEach((w) => w.reject(err)),
    );

  const drain = async (): Promise<void> => {
    while (queue.size > 0) {
      const batch = queue;
      queue = new Map();
      const addresses = [...batch.keys()];
      if (addresses.length === 1) {
        await settle(batch.get(addresses[0]!)!, alone(addresses[0]!));
        continue;
      }
      const r = await run([...ns, '-json', '-force', '-batch', '-'], addresses.map((a) => `route get ${a}\n`).join(''));
      // One JSON array per command that succeeded, in order; failed ones print only on stderr.
      const byDst = new Map<string, RouteGet>();
      for (const line of r.stdout.split('\n')) {
        if (!line.trim()) continue;
        try {
          for (const x of JSON.parse(line) as RouteGet[]) if (x.dst) byDst.set(x.dst, x);
        } catch {
          // not one of ours: the lookup below asks again
        }
      }
      await Promise.all(
        addresses.map((a) => {
          const found = byDst.get(a);
          return settle(batch.get(a)!, found ? Promise.resolve().then(() => interfaceOf(a, found)) : alone(a));
        }),
      );
    }
  };

  const kick = () => {
    if (running || queue.size === 0) return;
    running = true;
    // Let the lookups asked in the same turn of the event loop join the first batch.
    setImmediate(() => {
      void drain().finally(() => {
        running = false;
        kick();
      });
    });
  };

  return (address) =>
    new Promise<string>((resolve, reject) => {
      const waiters = queue.get(address);
      if (waiters) waiters.push({ resolve, reject });
      else queue.set(address, [{ resolve, reject }]);
      kick();
    });
}
