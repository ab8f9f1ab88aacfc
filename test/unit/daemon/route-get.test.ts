// The interface resolver a hub relies on when hundreds of sessions come up at once: one `ip -batch` for the lookups
// asked together instead of one spawn each (each spawn blocks the daemon's event loop), with the kernel's own error.

import { spawnSync } from 'node:child_process';
import { ipRouteGet, runIp, type IpRunner } from '../../../src/daemon/route-get';

/** A kernel in a table: addresses under 10.70/16 are on hub0, 10.71/16 on hub1, anything else has no route. */
function fakeIp(): IpRunner & { calls: { args: string[]; input?: string }[] } {
  const dev = (a: string) => (a.startsWith('10.70.') ? 'hub0' : a.startsWith('10.71.') ? 'hub1' : undefined);
  const calls: { args: string[]; input?: string }[] = [];
  const run: IpRunner = async (args, input) => {
    calls.push({ args, ...(input !== undefined ? { input } : {}) });
    await new Promise((r) => setTimeout(r, 5));
    const answer = (a: string) => (dev(a) ? JSON.stringify([{ type: 'unicast', dst: a, dev: dev(a), prefsrc: '10.70.0.1' }]) : undefined);
    if (args.includes('-batch')) {
      const lines = (input ?? '').split('\n').filter(Boolean);
      const out = lines.map((l) => answer(l.split(' ')[2]!)).filter(Boolean);
      const failed = lines.map((l, i) => (answer(l.split(' ')[2]!) ? '' : `RTNETLINK answers: Network is unreachable\nCommand failed -:${i + 1}\n`)).join('');
      return { stdout: out.join('\n') + '\n', stderr: failed, ...(failed ? { error: 'exit 1' } : {}) };
    }
    const a = args.at(-1)!;
    return answer(a) ? { stdout: answer(a)! + '\n', stderr: '' } : { stdout: '', stderr: 'RTNETLINK answers: Network is unreachable\n', error: 'exit 2' };
  };
  return Object.assign(run, { calls });
}

const addr = (j: number) => `10.${70 + (j % 2)}.${Math.floor(j / 250)}.${(j % 250) + 1}`;

describe('ipRouteGet', () => {
  test('1,000 lookups asked at once run as one ip -batch, each with its own answer', async () => {
    const ip = fakeIp();
    const resolve = ipRouteGet('hubns', undefined, ip);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, j) => resolve(addr(j))));
    expect(answers).toEqual(Array.from({ length: 1000 }, (_, j) => (j % 2 ? 'hub1' : 'hub0')));
    expect(ip.calls).toHaveLength(1);
    expect(ip.calls[0]!.args).toEqual(['-n', 'hubns', '-json', '-force', '-batch', '-']);
    expect(ip.calls[0]!.input!.split('\n').filter(Boolean)).toHaveLength(1000);
  });

  test('lookups asked while a batch runs wait for the next one: at most one ip at a time', async () => {
    const ip = fakeIp();
    const resolve = ipRouteGet(undefined, undefined, ip);
    const first = Array.from({ length: 10 }, (_, j) => resolve(addr(j)));
    await new Promise((r) => setImmediate(r)); // the first batch is running now
    const second = Array.from({ length: 10 }, (_, j) => resolve(addr(100 + j)));
    await Promise.all([...first, ...second]);
    expect(ip.calls.map((c) => c.input!.split('\n').filter(Boolean).length)).toEqual([10, 10]);
  });

  test('an address the batch could not answer is asked alone and rejected with the kernel\'s message; the rest resolve', async () => {
    const ip = fakeIp();
    const resolve = ipRouteGet(undefined, undefined, ip);
    const [a, b, c] = await Promise.allSettled([resolve('10.70.0.1'), resolve('192.0.2.1'), resolve('10.71.0.1')]);
    expect(a).toEqual({ status: 'fulfilled', value: 'hub0' });
    expect(c).toEqual({ status: 'fulfilled', value: 'hub1' });
    expect(b).toEqual({ status: 'rejected', reason: new Error('ip route get 192.0.2.1: RTNETLINK answers: Network is unreachable') });
    expect(ip.calls.map((x) => x.args.at(-1))).toEqual(['-', '192.0.2.1']);
  });

  test('the same address asked twice at once is looked up once', async () => {
    const ip = fakeIp();
    const resolve = ipRouteGet(undefined, undefined, ip);
    expect(await Promise.all([resolve('10.70.0.9'), resolve('10.70.0.9')])).toEqual(['hub0', 'hub0']);
    expect(ip.calls).toHaveLength(1);
    expect(ip.calls[0]!.args.at(-1)).toBe('10.70.0.9');
  });

  const haveIp = spawnSync('ip', ['-V']).status === 0;
  (haveIp ? test : test.skip)('against the real iproute2: a batch answers each address by its dst', async () => {
    const resolve = ipRouteGet(undefined, undefined, runIp);
    expect(await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((a) => resolve(a)))).toEqual(['lo', 'lo', 'lo']);
  });
});
