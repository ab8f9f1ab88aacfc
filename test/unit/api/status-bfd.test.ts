// `bgpfo status` shows the BFD process: where it runs, restarts, cost, transmit lateness, and a session table.
import type { StatusResponse } from '../../../src/api/types';
import { formatBfd, formatStatusTable } from '../../../src/cli/status-table';
import { withBfdStatus } from '../../../src/daemon/liveness-runtime';

const bfd: NonNullable<StatusResponse['bfd']> = {
  isolation: 'process',
  pid: 4242,
  standbyPid: 4243,
  priority: 'SCHED_RR 10',
  restarts: 1,
  lastRestart: { at: '2026-12-06T19:00:00.000Z', code: null, signal: 'SIGKILL', gapMs: 2 },
  txLateness: { recent: { packets: 1200, p50Ms: 0.012, p99Ms: 0.9, maxMs: 3.2 }, total: { packets: 5000, p50Ms: 0.01, p99Ms: 1.1, maxMs: 12 }, windowS: 60 },
  cost: { cpuSeconds: 1.23, rssBytes: 45 * 1048576 },
  sessions: [{ local: '10.0.0.1', peer: '10.0.0.2', state: 'Up', localDiscr: 9, clients: 1, tx: 100, rx: 99, discarded: 0, txLateMaxMs: 3.2 }],
};

test('formatBfd: process, standby, restarts, lateness over the window and since start, sessions', () => {
  const text = formatBfd(bfd);
  expect(text).toContain('BFD process pid 4242 (SCHED_RR 10, standby 4243): 1 sessions, restarts 1 (last 2026-12-06T19:00:00.000Z, resumed in 2 ms), CPU 1.2 s, RSS 45 MB');
  expect(text).toContain('tx lateness last 60 s: p50 0.012 ms, p99 0.900 ms, max 3.2 ms (1200 packets)');
  expect(text).toContain('tx lateness since start: p50 0.010 ms, p99 1.1 ms, max 12 ms (5000 packets)');
  expect(text).toMatch(/10\.0\.0\.1\s+10\.0\.0\.2\s+Up\s+100\s+99\s+0\s+3\.2/);
});

test('withBfdStatus adds the BFD part to getStatus and the table shows it', async () => {
  const base: StatusResponse = { router: { asn: 1, routerId: '1.1.1.1', version: 'x', pid: 1, uptime: 5, listen: [], locRibPrefixes: 0 }, sessions: [] };
  const inner = { getStatus: async () => base, getRoutes: async () => ({ routes: [] }) as never, getAdjRibIn: async () => ({}) as never };
  const p = withBfdStatus(inner as never, { status: () => bfd });
  const s = await p.getStatus();
  expect(s.bfd?.pid).toBe(4242);
  expect(formatStatusTable(s, { color: false })).toContain('BFD process pid 4242');
  expect(withBfdStatus(inner as never, undefined)).toBe(inner);
});
