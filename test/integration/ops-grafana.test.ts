// The Grafana dashboard (docs/grafana-dashboard.json) against a real Prometheus (Debian's package) scraping the
// bgpfo daemons of a running lab over its underlay: every panel's query, variables filled in, returns series for all
// instances and for each one, and two routers' series stay apart. The lab is made to produce every metric for real:
// loss demotes tunnels, tunnels fail one after another until each router and gateway is cut off (failovers, then
// outages), and an alert command sends those events.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ControlClient } from '../../src/api/client';
import type { PathView } from '../../src/api/types';
import { labDown, labFault, labLayout, loadState, type LabState } from '../../src/lab';
import { execAny, REPO, waitFor } from './harness';
import { AA4, CLI, upLab } from './lab-support';

jest.setTimeout(300_000);

const LAB = 'itgraf';
const PROMETHEUS = '/usr/bin/prometheus';
const METRICS_PORT = 9465;
const JOB = 'bgpfo';
const haveProm = existsSync(PROMETHEUS);
/** Loss each way on the tunnels to demote: far above the default 5 % threshold, rarely three BFD packets in a row. */
const LOSS_PERCENT = 10;

interface Panel {
  title: string;
  targets?: { expr: string; legendFormat?: string }[];
}
const DASHBOARD = JSON.parse(readFileSync(join(REPO, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; query?: unknown }[] } };

/** A bgpfo node's neighbor per tunnel id, its iBGP twin, and the ASN of the other side of its tunnels. */
interface Side {
  tunnels: Map<string, string>;
  twin: string;
  farAsn: number;
}

let state: LabState;
let promNs: string;
let prom: ChildProcess | undefined;
let dir: string;
/** bgpfo node -> its scrape address (the uplink address, reachable from the lab's internet). */
const targets = new Map<string, string>();
const sides = new Map<string, Side>();

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`;
  const r = await execAny(['ip', 'netns', 'exec', promNs, 'curl', '-sS', '--max-time', '5', url]);
  const body = JSON.parse(r.stdout) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data.result;
}

/** The nodes whose daemon Prometheus has scraped `metric` from (any label values). */
async function nodesWith(metric: string): Promise<string[]> {
  const instances = (await query(`count by (instance) (${metric}{job="${JOB}"})`)).map((s) => s.metric.instance);
  return [...targets].filter(([, t]) => instances.includes(t)).map(([n]) => n).sort();
}

async function waitForNodesWith(metric: string, nodes: string[], what: string, timeoutMs = 30_000): Promise<void> {
  let seen: string[] = [];
  await waitFor(
    async () => {
      seen = await nodesWith(metric);
      return nodes.every((n) => seen.includes(n));
    },
    timeoutMs,
    { what: `${what} (${metric} from ${nodes.join(', ')})` },
  ).catch((e: Error) => {
    e.message += `; seen from: ${seen.join(', ') || 'none'}`;
    throw e;
  });
}

/**
 * Where a node's routes to the other side go now: the neighbors of their ECMP sets, and whether its iBGP twin offers
 * such a route at all (it does only while the twin has a tunnel of its own: iBGP-learned routes are not passed on).
 */
async function farPaths(node: string): Promise<{ via: string[]; twinOffers: boolean }> {
  const side = sides.get(node)!;
  const client = new ControlClient({ socketPath: labLayout(LAB).bgpfoSocket(node) });
  const far = (p: PathView) => p.asPath.includes(side.farAsn);
  const routes = (await client.routes()).routes.filter((r) => far(r.best));
  const via = [...new Set(routes.flatMap((r) => r.ecmp.map((p) => p.peer)))].sort();
  const twinOffers = (await client.adjRibIn(side.twin)).routes.some((r) => far(r.path));
  return { via, twinOffers };
}

/** Waits until every node's paths are as given: `via` a tunnel id, 'twin' or nothing (null). */
async function waitForPaths(want: Record<string, 'twin' | string | null>, what: string): Promise<void> {
  const expected = Object.fromEntries(
    Object.entries(want).map(([node, v]) => {
      const side = sides.get(node)!;
      return [node, v === null ? { via: [], twinOffers: false } : v === 'twin' ? { via: [side.twin], twinOffers: true } : { via: [side.tunnels.get(v)!], twinOffers: false }];
    }),
  );
  let seen: Record<string, unknown> = {};
  await waitFor(
    async () => {
      seen = Object.fromEntries(await Promise.all(Object.keys(want).map(async (n) => [n, await farPaths(n)] as const)));
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    30_000,
    { what },
  ).catch((e: Error) => {
    e.message += `\nwanted ${JSON.stringify(expected)}\nseen   ${JSON.stringify(seen)}`;
    throw e;
  });
}

/** Asks the daemons themselves (Prometheus would answer with its last scrape, up to a second old). */
async function waitForEverySessionUp(): Promise<void> {
  const down = async (node: string) =>
    (await new ControlClient({ socketPath: labLayout(LAB).bgpfoSocket(node) }).status()).sessions.filter((x) => x.state !== 'Established').map((x) => `${node}/${x.name}`);
  await waitFor(async () => (await Promise.all([...targets.keys()].map(down))).flat().length === 0, 60_000, { what: 'every session up' });
}

/** Grafana's variables as a user picking job bgpfo and one or all instances fills them in. */
function fill(expr: string, instance: string): string {
  return expr.replaceAll('$job', JOB).replaceAll('$instance', instance).replaceAll('$neighbor', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '10m');
}

/** What the alert command of each node received: the event types, from the JSON on its stdin. */
function alertTypes(node: string): string[] {
  const d = join(dir, 'alerts');
  return readdirSync(d)
    .filter((f) => f.startsWith(`${node}-`))
    .map((f) => (JSON.parse(readFileSync(join(d, f), 'utf8')) as { type: string }).type);
}

(haveProm ? describe : describe.skip)('the Grafana dashboard against Prometheus scraping a running lab', () => {
  beforeAll(async () => {
    // How long each phase took (printed: the suite's run time is watched in CI).
    const start = performance.now();
    const phases: string[] = [];
    let last = start;
    const mark = (what: string) => {
      const now = performance.now();
      phases.push(`${what} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    };
    dir = mkdtempSync(join(tmpdir(), 'bgpfo-prom-'));
    mkdirSync(join(dir, 'alerts'));
    // WireGuard tunnels: the routers reach the lab's internet over their uplinks (veth tunnels have no underlay).
    await upLab(AA4, LAB);
    mark('lab up');
    state = loadState(LAB)!;
    const internet = state.plan.nodes.find((n) => n.site === 'underlay');
    if (!internet) throw new Error('the lab has no underlay node to run Prometheus in');
    promNs = internet.namespace;
    const layout = labLayout(LAB);
    for (const s of state.plan.sessions) {
      const side = (node: string) => sides.get(node) ?? sides.set(node, { tunnels: new Map(), twin: '', farAsn: 0 }).get(node)!;
      if (s.kind === 'ibgp') {
        side(s.a.node).twin = s.a.neighborName;
        side(s.b.node).twin = s.b.neighborName;
      } else if (s.kind === 'tunnel') {
        const id = state.plan.tunnels.find((t) => t.name === s.tunnel)!.id;
        for (const [me, other] of [
          [s.a, s.b],
          [s.b, s.a],
        ]) {
          side(me.node).tunnels.set(id, me.neighborName);
          side(me.node).farAsn = other.asn;
        }
      }
    }
    // The faults below are written for this shape: t1 r1-gw1, t2 r1-gw2, t3 r2-gw1, t4 r2-gw2, twins r1-r2, gw1-gw2.
    expect(Object.fromEntries([...sides].map(([n, s]) => [n, [...s.tunnels.keys()].sort().join(' ') + (s.twin ? ' twin' : '')]))).toEqual({
      r1: 't1 t2 twin',
      r2: 't3 t4 twin',
      gw1: 't1 t3 twin',
      gw2: 't2 t4 twin',
    });
    // Metrics on every bgpfo daemon, listening on its uplink address, and an alert command that keeps each event
    // it is given; applied by reload (no restart).
    for (const n of state.plan.nodes.filter((x) => x.runs === 'bgpfo')) {
      const uplink = n.interfaces.find((i) => i.purpose === 'uplink' && i.addresses.length > 0);
      if (!uplink) continue;
      const addr = uplink.addresses[0].replace(/\/\d+$/, '');
      const file = join(layout.nodeDir(n.name), 'bgpfo.yaml');
      const cfg = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      cfg.metrics = { listen: `${addr}:${METRICS_PORT}` };
      cfg.alerts = { command: `cat > ${join(dir, 'alerts', n.name)}-$BGPFO_EVENT_SEQ.json`, events: ['failover', 'outage', 'demotion'] };
      writeFileSync(file, stringify(cfg));
      execFileSync(CLI[0], [CLI[1], 'reload', '-s', layout.bgpfoSocket(n.name)], { encoding: 'utf8' });
      targets.set(n.name, `${addr}:${METRICS_PORT}`);
    }
    expect(targets.size).toBe(4);
    const conf = join(dir, 'prometheus.yml');
    writeFileSync(conf, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [...targets.values()] }] }] }));
    prom = spawn('ip', ['netns', 'exec', promNs, PROMETHEUS, `--config.file=${conf}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn'], { stdio: 'ignore' });
    await waitFor(async () => (await query(`up{job="${JOB}"} == 1`).catch(() => [])).length === targets.size, 60_000, { what: 'Prometheus scraping every bgpfo daemon' });
    mark('metrics, alerts, Prometheus');
    const all = [...targets.keys()];

    // Failovers: every tunnel but t4 blackholed (BFD down). r2 and gw2 keep t4; r1 and gw1 reach the far side
    // through their twin, which passes on only what it learned over its own tunnel.
    for (const tunnel of ['t1', 't2', 't3']) await labFault(LAB, { kind: 'blackhole', tunnel });
    await waitForNodesWith('bgpfo_failovers_total', all, 'a failover counted on every daemon');
    await waitForPaths({ r1: 'twin', gw1: 'twin', r2: 't4', gw2: 't4' }, 'r2 and gw2 on t4 alone, r1 and gw1 through their twin');
    mark('failovers');
    // Outage at r2 and gw2: t4, their last path, goes too; the twins have nothing to offer.
    await labFault(LAB, { kind: 'blackhole', tunnel: 't4' });
    await waitForNodesWith('bgpfo_outages_total', ['r2', 'gw2'], 'an outage at the ends of the last tunnel');
    mark('outage at r2, gw2');
    // Outage at r1 and gw1: t1 comes back, r2 and gw2 reach the far side through it, then it goes again.
    await labFault(LAB, { kind: 'restore', tunnel: 't1' });
    await waitForPaths({ r1: 't1', gw1: 't1', r2: 'twin', gw2: 'twin' }, 't1 back as the only tunnel');
    mark('t1 back');
    await labFault(LAB, { kind: 'blackhole', tunnel: 't1' });
    await waitForNodesWith('bgpfo_outages_total', all, 'an outage counted on every daemon');
    await waitForNodesWith('bgpfo_outage_prefixes_total', all, 'the prefixes of an outage counted on every daemon');
    await waitForNodesWith('bgpfo_alerts_total', all, 'alerts sent by every daemon');
    mark('outage at r1, gw1');

    for (const tunnel of ['t1', 't2', 't3', 't4']) await labFault(LAB, { kind: 'restore', tunnel });
    await waitForEverySessionUp();
    mark('every session up');
    // Demotion (last: a demoted tunnel leaves the ECMP sets, and losing it would then move nothing): t2 (r1-gw2) and
    // t3 (r2-gw1) lose packets but stay up; the quality probe at each end sees it.
    for (const tunnel of ['t2', 't3']) await labFault(LAB, { kind: 'loss', tunnel, percent: LOSS_PERCENT });
    await waitForNodesWith('bgpfo_demotions_total', all, 'a lossy tunnel demoted on every daemon');
    mark('demotions');
    for (const tunnel of ['t2', 't3']) await labFault(LAB, { kind: 'restore', tunnel });
    // The loss may have cost a session (three BFD packets lost in a row): the tests below want them all up.
    await waitForEverySessionUp();
    // Two more scrapes so rate() and increase() have the samples they need.
    await new Promise((r) => setTimeout(r, 3000));
    mark('sessions up, scrapes');
    process.stdout.write(`lab phases: ${phases.join(', ')}; total ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  });

  afterAll(async () => {
    prom?.kill('SIGTERM');
    await labDown(LAB);
    rmSync(dir, { recursive: true, force: true });
  });

  const panels = DASHBOARD.panels.filter((p) => p.targets?.length);
  const cases = panels.flatMap((p) => p.targets!.map((t, i) => [`${p.title} #${i + 1}`, t.expr] as const));

  test.each(cases)('%s returns series for all instances and for each one', async (_title, expr) => {
    const all = await query(fill(expr, '.*'));
    expect(all.length).toBeGreaterThan(0);
    for (const [node, target] of targets) {
      const one = await query(fill(expr, target.replaceAll('.', '\\\\.')));
      expect({ node, series: one.length > 0 }).toEqual({ node, series: true });
      // Filtering on an instance keeps only that router's series.
      expect(one.filter((s) => s.metric.instance !== undefined && s.metric.instance !== target)).toEqual([]);
    }
  });

  test('the alert command of every daemon was given its demotions, failovers and outages', () => {
    for (const node of targets.keys()) {
      const types = new Set(alertTypes(node));
      expect({ node, types: [...types].sort() }).toEqual({ node, types: ['demotion', 'failover', 'outage'] });
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
