// Namespace fixture for the FIB integration tests: a router namespace with four veth "tunnels" into a
// peer namespace (IPv4 and IPv6 on each). Names start with bgpfo-fib-; everything is removed after.

import { execFileSync, spawn } from 'node:child_process';
import type { NextHop } from '../../src/fib/types';

export interface FibLab {
  router: string;
  peer: string;
  hops: Record<'A' | 'B' | 'C' | 'D', NextHop>;
  hops6: Record<'A' | 'B', NextHop>;
  destroy(): void;
}

export function ip(ns: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

export function ipJson<T>(ns: string, ...args: string[]): T {
  const out = ip(ns, '-json', ...args).trim();
  return (out ? JSON.parse(out) : []) as T;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function createLab(tag: string): FibLab {
  const router = `bgpfo-fib-${tag}-r`;
  const peer = `bgpfo-fib-${tag}-p`;
  const destroy = (): void => {
    for (const ns of [router, peer]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  };
  destroy();
  try {
    execFileSync('ip', ['netns', 'add', router]);
    execFileSync('ip', ['netns', 'add', peer]);
    ip(router, 'link', 'set', 'lo', 'up');
    const hops = {} as FibLab['hops'];
    const hops6 = {} as FibLab['hops6'];
    (['A', 'B', 'C', 'D'] as const).forEach((name, i) => {
      const dev = `t${name.toLowerCase()}`;
      execFileSync('ip', ['link', 'add', dev, 'netns', router, 'type', 'veth', 'peer', 'name', `p${name.toLowerCase()}`, 'netns', peer]);
      ip(router, 'addr', 'add', `10.255.${i + 1}.1/30`, 'dev', dev);
      ip(router, 'addr', 'add', `fd00:${i + 1}::1/64`, 'dev', dev, 'nodad');
      ip(peer, 'addr', 'add', `10.255.${i + 1}.2/30`, 'dev', `p${name.toLowerCase()}`);
      ip(peer, 'addr', 'add', `fd00:${i + 1}::2/64`, 'dev', `p${name.toLowerCase()}`, 'nodad');
      ip(router, 'link', 'set', dev, 'up');
      ip(peer, 'link', 'set', `p${name.toLowerCase()}`, 'up');
      hops[name] = { tunnel: `tun-${name.toLowerCase()}`, ifname: dev, gateway: `10.255.${i + 1}.2` };
      if (name === 'A' || name === 'B') hops6[name] = { tunnel: `tun-${name.toLowerCase()}`, ifname: dev, gateway: `fd00:${i + 1}::2` };
    });
    return { router, peer, hops, hops6, destroy };
  } catch (e) {
    destroy();
    throw e;
  }
}

/**
 * Records nexthop notifications (`ip monitor nexthop`) in a namespace. stop() ends with a marker
 * object of another protocol, so every notification before it is in.
 */
export async function watchNexthops(ns: string): Promise<{ stop(): Promise<string[]> }> {
  const child = spawn('ip', ['-n', ns, '-o', 'monitor', 'nexthop'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout.setEncoding('utf8');
  const waitFor = (needle: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${needle}" from ip monitor`)), 10_000);
      const check = (): void => {
        if (text.includes(needle)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      check();
    });
  child.stdout.on('data', (c: string) => (text += c));
  // The monitor is listening once it reports a change we make.
  const marker = async (id: number): Promise<void> => {
    for (let i = 0; i < 100 && !text.includes(`id ${id} `); i++) {
      ip(ns, 'nexthop', 'replace', 'id', String(id), 'blackhole', 'proto', '250');
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(`id ${id} `);
  };
  await marker(4000001);
  const start = text.length;
  return {
    async stop() {
      await marker(4000002);
      ip(ns, 'nexthop', 'del', 'id', '4000001');
      ip(ns, 'nexthop', 'del', 'id', '4000002');
      child.kill();
      return text
        .slice(start)
        .split('\n')
        .filter((l) => l.trim() && !/id 400000[12] /.test(l));
    },
  };
}

export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
