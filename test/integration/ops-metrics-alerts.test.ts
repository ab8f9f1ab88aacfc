// Metrics and alerts of a running bgpfo against FRR 8.4: the Prometheus endpoint (inside the daemon's namespace)
// follows a tunnel blackholed with nftables and restored, and the alert command runs exactly once per failover.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bgpfoConfig, BgpfoDaemon, blackhole, farBgpd, Frr, LINKS, restore, twoLinkLab, waitFor, type Netns, type TwoLinkLab } from './harness';

jest.setTimeout(120_000);

const METRICS_PORT = 9469;

/** One sample of the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)\{(.*)\} (\S+)$/.exec(line);
    if (m && m[1] === name && want.every((w) => m[2].split(',').includes(w))) return Number(m[3]);
  }
  return undefined;
}

/** GET /metrics from inside the namespace (the endpoint listens on the daemon's loopback there). */
async function scrape(ns: Netns): Promise<string> {
  const js = `fetch('http://127.0.0.1:${METRICS_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  return ns.exec([process.execPath, '-e', js]);
}

interface Alert {
  type: string;
  tunnel?: string;
  neighbor?: string;
  env: string;
}

describe('metrics and alerts while a tunnel fails and recovers', () => {
  let t: TwoLinkLab;
  let bgpfo: BgpfoDaemon;
  let alertsFile: string;

  /** What the alert command wrote: the event JSON from stdin plus BGPFO_EVENT_TYPE|BGPFO_TUNNEL from the env. */
  const alerts = (): Alert[] =>
    existsSync(alertsFile)
      ? readFileSync(alertsFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [env, json] = l.split('\t');
            return { ...(JSON.parse(json) as Alert), env };
          })
      : [];
  const failovers = () => alerts().filter((a) => a.type === 'failover');

  beforeAll(async () => {
    t = await twoLinkLab('opsma');
    await Frr.start(t.far, { bgpd: farBgpd({ ipv6: false, prependOnB: false, multipathRelax: false, ecmp: true }) });
    alertsFile = join(t.lab.dir, 'alerts.log');
    const c = bgpfoConfig();
    c.neighbors = (c.neighbors as { name: string }[]).filter((n) => n.name !== 'tun-a6');
    c.metrics = { listen: `127.0.0.1:${METRICS_PORT}` };
    // One line per alert; the event JSON arrives on stdin.
    c.alerts = { command: `printf '%s|%s\\t' "$BGPFO_EVENT_TYPE" "$BGPFO_TUNNEL" >> ${alertsFile}.tmp-$BGPFO_EVENT_SEQ; cat >> ${alertsFile}.tmp-$BGPFO_EVENT_SEQ; cat ${alertsFile}.tmp-$BGPFO_EVENT_SEQ >> ${alertsFile}; rm ${alertsFile}.tmp-$BGPFO_EVENT_SEQ`, 'timeout-ms': 5000 };
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: c });
    await waitFor(async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established'), 30_000, { what: 'both sessions Established' });
    await waitFor(async () => (await bgpfo.routesJson('10.50.0.0/16')).routes[0]?.ecmp.length === 2, 20_000, { what: '10.50.0.0/16 over both tunnels' });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('the endpoint shows both sessions up; session-up alerts were sent', async () => {
    const m = await scrape(t.us);
    expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(1);
    expect(sample(m, 'bgpfo_session_state', { neighbor: 'tun-b1' })).toBe(6);
    expect(sample(m, 'bgpfo_session_prefixes', { neighbor: 'tun-a1', kind: 'accepted' })).toBe(1);
    expect(sample(m, 'bgpfo_failovers_total', { tunnel: 'tun-a1' })).toBeUndefined();
    await waitFor(() => alerts().filter((a) => a.type === 'session-up').length === 2, 10_000, { what: 'two session-up alerts' });
    expect(alerts().find((a) => a.type === 'session-up')!.env).toMatch(/^session-up\|tun-[ab]1$/);
  });

  for (const round of [1, 2]) {
    test(`failover ${round}: metrics count it, the alert command runs once for it, recovery shows`, async () => {
      await blackhole(t.us, LINKS.a.usIf);
      try {
        await waitFor(() => failovers().length === round, 20_000, { what: `failover alert #${round}` });
        const m = await scrape(t.us);
        expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-a1' })).toBe(0);
        expect(sample(m, 'bgpfo_session_flaps_total', { neighbor: 'tun-a1' })).toBe(round);
        expect(sample(m, 'bgpfo_failovers_total', { tunnel: 'tun-a1' })).toBe(round);
        expect(sample(m, 'bgpfo_failover_duration_seconds_count', { tunnel: 'tun-a1' })).toBe(round);
        expect(sample(m, 'bgpfo_session_up', { neighbor: 'tun-b1' })).toBe(1);
        const f = failovers()[round - 1];
        expect(f).toMatchObject({ type: 'failover', tunnel: 'tun-a1', reason: 'hold timer expired', prefixes: 1, env: 'failover|tun-a1' });
      } finally {
        await restore(t.us, LINKS.a.usIf);
      }
      await waitFor(async () => sample(await scrape(t.us), 'bgpfo_session_up', { neighbor: 'tun-a1' }) === 1, 30_000, { what: 'tun-a1 back up in the metrics' });
      await waitFor(async () => (await bgpfo.routesJson('10.50.0.0/16')).routes[0]?.ecmp.length === 2, 20_000, { what: 'the ECMP pair back' });
      // Settled: still exactly one alert per failover, one session-down alert per loss.
      await new Promise((r) => setTimeout(r, 1500));
      expect(failovers()).toHaveLength(round);
      expect(alerts().filter((a) => a.type === 'session-down' && a.neighbor === 'tun-a1')).toHaveLength(round);
      expect(alerts().filter((a) => a.type === 'failover' && a.tunnel === 'tun-b1')).toHaveLength(0);
    });
  }
});
