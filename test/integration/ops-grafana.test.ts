// The Grafana dashboard (docs/grafana-dashboard.json) against a real Prometheus (Debian's package) scraping the
// bgpfo daemons of a running lab over its underlay: every panel's query, variables filled in, returns series (or,
// for the few metrics this lab cannot produce, is valid and empty for that reason), and two routers' series stay apart.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { labDown, labFault, labLayout, loadState, type LabState } from '../../src/lab';
import { execAny, REPO, waitFor } from './harness';
import { AA4, CLI, upLab } from './lab-support';

jest.setTimeout(240_000);

const LAB = 'itgraf';
const PROMETHEUS = '/usr/bin/prometheus';
const METRICS_PORT = 9465;
const JOB = 'bgpfo';
const haveProm = existsSync(PROMETHEUS);

interface Panel {
  title: string;
  targets?: { expr: string; legendFormat?: string }[];
}
const DASHBOARD = JSON.parse(readFileSync(join(REPO, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; query?: unknown }[] } };

/**
 * Metrics this lab cannot produce: demotions need a tunnel of bad quality (none is), alerts a channel (none is set),
 * outages a prefix left with no path (every blackholed tunnel has an ECMP partner); labelled counters appear only once
 * counted.
 */
const NOT_IN_THIS_LAB = ['bgpfo_tunnel_demoted', 'bgpfo_demotions_total', 'bgpfo_alerts_total', 'bgpfo_outages_total', 'bgpfo_outage_prefixes_total'];

let state: LabState;
let promNs: string;
let prom: ChildProcess | undefined;
let dir: string;
/** bgpfo node -> its scrape address (the uplink address, reachable from the lab's internet). */
const targets = new Map<string, string>();

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`;
  const r = await execAny(['ip', 'netns', 'exec', promNs, 'curl', '-sS', '--max-time', '5', url]);
  const body = JSON.parse(r.stdout) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data.result;
}

/** Grafana's variables as a user picking job bgpfo and one or all instances fills them in. */
function fill(expr: string, instance: string): string {
  return expr.replaceAll('$job', JOB).replaceAll('$instance', instance).replaceAll('$neighbor', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '10m');
}

(haveProm ? describe : describe.skip)('the Grafana dashboard against Prometheus scraping a running lab', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgpfo-prom-'));
    // WireGuard tunnels: the routers reach the lab's internet over their uplinks (veth tunnels have no underlay).
    await upLab(AA4, LAB);
    state = loadState(LAB)!;
    const internet = state.plan.nodes.find((n) => n.site === 'underlay');
    if (!internet) throw new Error('the lab has no underlay node to run Prometheus in');
    promNs = internet.namespace;
    const layout = labLayout(LAB);
    // Metrics on every bgpfo daemon, listening on its uplink address; applied by reload (no restart).
    for (const n of state.plan.nodes.filter((x) => x.runs === 'bgpfo')) {
      const uplink = n.interfaces.find((i) => i.purpose === 'uplink' && i.addresses.length > 0);
      if (!uplink) continue;
      const addr = uplink.addresses[0].replace(/\/\d+$/, '');
      const file = join(layout.nodeDir(n.name), 'bgpfo.yaml');
      const cfg = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      cfg.metrics = { listen: `${addr}:${METRICS_PORT}` };
      writeFileSync(file, stringify(cfg));
      execFileSync(CLI[0], [CLI[1], 'reload', '-s', layout.bgpfoSocket(n.name)], { encoding: 'utf8' });
      targets.set(n.name, `${addr}:${METRICS_PORT}`);
    }
    expect(targets.size).toBeGreaterThanOrEqual(2);
    const conf = join(dir, 'prometheus.yml');
    writeFileSync(conf, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [...targets.values()] }] }] }));
    prom = spawn('ip', ['netns', 'exec', promNs, PROMETHEUS, `--config.file=${conf}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn'], { stdio: 'ignore' });
    await waitFor(async () => (await query(`up{job="${JOB}"} == 1`).catch(() => [])).length === targets.size, 60_000, { what: 'Prometheus scraping every bgpfo daemon' });
    // Something to count on every router and gateway: t1 (r1-gw1) and t4 (r2-gw2) blackholed (BFD down, failover), restored.
    const tunnels = ['t1', 't4'];
    for (const tunnel of tunnels) await labFault(LAB, { kind: 'blackhole', tunnel });
    await waitFor(async () => (await query('count by (instance) (bgpfo_failovers_total)').catch(() => [])).length === targets.size, 30_000, { what: 'a failover counted on every daemon' });
    for (const tunnel of tunnels) await labFault(LAB, { kind: 'restore', tunnel });
    await waitFor(
      async () => {
        const up = (await query(`sum(bgpfo_session_up{job="${JOB}"})`))[0]?.value[1];
        return up !== undefined && up === (await query(`count(bgpfo_session_up{job="${JOB}"})`))[0]?.value[1];
      },
      60_000,
      { what: 'every session back up' },
    );
    // Two more scrapes so rate() and increase() have the samples they need.
    await new Promise((r) => setTimeout(r, 3000));
  });

  afterAll(async () => {
    prom?.kill('SIGTERM');
    await labDown(LAB);
    rmSync(dir, { recursive: true, force: true });
  });

  const panels = DASHBOARD.panels.filter((p) => p.targets?.length);
  const cases = panels.flatMap((p) => p.targets!.map((t, i) => [`${p.title} #${i + 1}`, t.expr] as const));

  test.each(cases)('%s returns series for all instances and for each one', async (_title, expr) => {
    const absentHere = NOT_IN_THIS_LAB.filter((m) => expr.includes(m));
    const all = await query(fill(expr, '.*'));
    if (absentHere.length > 0) {
      // Valid PromQL (Prometheus answered) and empty because the lab never produces the metric, not because of the query.
      for (const m of absentHere) expect(await query(m)).toEqual([]);
      return;
    }
    expect(all.length).toBeGreaterThan(0);
    for (const [node, target] of targets) {
      const one = await query(fill(expr, target.replaceAll('.', '\\\\.')));
      expect({ node, series: one.length > 0 }).toEqual({ node, series: true });
      // Filtering on an instance keeps only that router's series.
      expect(one.filter((s) => s.metric.instance !== undefined && s.metric.instance !== target)).toEqual([]);
    }
  });

  test('every legend names the instance, so two routers with neighbors of the same name stay apart', () => {
    for (const p of panels) for (const t of p.targets!) expect({ panel: p.title, legend: t.legendFormat ?? '' }).toEqual({ panel: p.title, legend: expect.stringContaining('{{instance}}') });
  });

  test('"Sessions established" counts per router, not summed over routers', async () => {
    const expr = DASHBOARD.panels.find((p) => p.title === 'Sessions established')!.targets![0].expr;
    const series = await query(fill(expr, '.*'));
    expect(series.map((s) => s.metric.instance).sort()).toEqual([...targets.values()].sort());
    for (const s of series) {
      const node = [...targets].find(([, t]) => t === s.metric.instance)![0];
      const own = state.plan.sessions.filter((x) => x.a.node === node || x.b.node === node).length;
      expect({ node, up: Number(s.value[1]) }).toEqual({ node, up: own });
    }
    // r1 and r2 both have a neighbor named after gw1: their series are two, one per instance.
    const r1 = state.plan.nodes.find((n) => n.name === 'r1')!;
    const shared = await query(`bgpfo_session_up{job="${JOB}"}`);
    const names = shared.filter((s) => s.metric.instance === targets.get('r1')).map((s) => s.metric.neighbor);
    const both = names.filter((n) => shared.some((s) => s.metric.instance === targets.get('r2') && s.metric.neighbor === n));
    expect(r1.runs).toBe('bgpfo');
    if (both.length > 0) expect(shared.filter((s) => s.metric.neighbor === both[0]).map((s) => s.metric.instance).sort()).toEqual([targets.get('r1'), targets.get('r2')].sort());
  });

  test('the template variables resolve: job, instance (per job), neighbor (per job and instance)', async () => {
    const label = async (name: string, match: string) => {
      const r = await execAny(['ip', 'netns', 'exec', promNs, 'curl', '-sS', `http://127.0.0.1:9090/api/v1/label/${name}/values?match[]=${encodeURIComponent(match)}`]);
      return (JSON.parse(r.stdout) as { data: string[] }).data;
    };
    const vars = Object.fromEntries(DASHBOARD.templating.list.map((v) => [v.name, v]));
    expect(Object.keys(vars)).toEqual(['datasource', 'job', 'instance', 'neighbor']);
    expect(await label('job', 'bgpfo_info')).toEqual([JOB]);
    expect((await label('instance', `bgpfo_info{job=~"${JOB}"}`)).sort()).toEqual([...targets.values()].sort());
    const r1Neighbors = await label('neighbor', `bgpfo_session_state{job=~"${JOB}",instance=~"${targets.get('r1')!.replaceAll('.', '\\\\.')}"}`);
    expect(r1Neighbors.length).toBe(state.plan.sessions.filter((s) => s.a.node === 'r1' || s.b.node === 'r1').length);
  });
});
