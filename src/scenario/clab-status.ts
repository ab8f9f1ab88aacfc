// `bgpfo clab status`: a containerlab deployment of a bgpfo render shown like `bgpfo lab status` shows a netns lab:
// containers and their daemons, every BGP session as its daemon reports it, each tunnel's links, packet counters
// and the faults injected on it (read back from the nftables tables in the routers' namespaces, not from a record).

import type { LabFault, LabStatus, TunnelStatus } from '../lab';
import { linkStats, type LinkStats } from '../lab/counters';
import { nftTable } from '../lab/nft';
import type { PlanTunnel } from '../orchestrator';
import { ClabEngine } from './clab-engine';
import { ispEnds } from './engine';

const DAEMON_PROCESS: Record<'bgpfo' | 'bird' | 'frr', string[]> = {
  bgpfo: ['pgrep', '-o', '-f', '[b]gpfo daemon'],
  bird: ['pgrep', '-o', '-x', 'bird'],
  frr: ['pgrep', '-o', '-x', 'bgpd'],
};

/** The fault tables in one namespace: ifname-ish suffix -> 'blackhole' | 'loss N%'. */
async function faultTables(engine: ClabEngine, node: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const r = await engine.runner.run(['ip', 'netns', 'exec', engine.namespace(node), 'nft', 'list', 'ruleset']);
  for (const m of r.stdout.matchAll(/table inet (bgpfo_lab_(blackhole|loss)_\w+) \{([^]*?)\n\}/g)) {
    const pct = /mod 100 < (\d+)/.exec(m[3] ?? '')?.[1];
    out.set(m[1]!, m[2] === 'blackhole' ? 'blackhole' : `loss ${pct ?? '?'}%`);
  }
  return out;
}

export async function clabStatus(engine: ClabEngine): Promise<LabStatus> {
  const plan = await engine.up(() => undefined);
  const runner = engine.runner;
  const inspect = await runner.run(['docker', 'inspect', '--format', '{{.Name}} {{.State.Status}} {{.Created}}', ...plan.nodes.map((n) => engine.container(n.name))]);
  const containers = new Map(inspect.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\//, '').split(' ') as [string, string, string]).map(([n, st, c]) => [n, { state: st, created: c }]));
  const running = plan.nodes.filter((n) => containers.get(engine.container(n.name))?.state === 'running');
  const processes = await Promise.all(
    running
      .filter((n) => n.runs !== 'none')
      .map(async (n) => {
        const r = await runner.run(['docker', 'exec', engine.container(n.name), ...DAEMON_PROCESS[n.runs as 'bgpfo']]);
        const pid = Number(r.stdout.trim().split('\n')[0]) || 0;
        return { node: n.name, name: n.runs, pid, running: pid > 0, stopped: false };
      }),
  );
  const sessions = running.length ? await engine.sessions() : [];
  const edges = [...new Set(plan.tunnels.flatMap((t) => [t.onprem.node, t.far.node]))].filter((n) => running.some((x) => x.name === n));
  const stats = new Map<string, Map<string, LinkStats>>();
  const tables = new Map<string, Map<string, string>>();
  for (const node of edges) {
    stats.set(node, await linkStats(runner, engine.namespace(node)).catch(() => new Map<string, LinkStats>()));
    tables.set(node, await faultTables(engine, node));
  }
  const faultAt = (node: string, ifname: string) =>
    (['blackhole', 'loss'] as const).map((p) => tables.get(node)?.get(nftTable(p, ifname))).filter((x): x is string => Boolean(x));
  const faults: LabFault[] = [];
  for (const isp of [...new Set(plan.tunnels.map((t) => t.isp))]) {
    const ends = ispEnds(plan, isp);
    // An ISP is down when every one of its links is blackholed (with veth tunnels, its links are its tunnels).
    if (ends.length && ends.every((e) => faultAt(e.node, e.ifname).includes('blackhole'))) faults.push({ kind: 'isp-down', target: isp });
  }
  const end = (e: PlanTunnel['onprem']) => {
    const s = stats.get(e.node)?.get(e.ifname);
    return { node: e.node, ifname: e.ifname, up: s?.up ?? false, rxPackets: s?.rxPackets ?? 0, txPackets: s?.txPackets ?? 0 };
  };
  const tunnels = plan.tunnels.map((t): TunnelStatus => {
    const stateAt = (node: string) => sessions.find((s) => s.session === t.name && s.node === node)?.state ?? 'missing';
    const session = { onprem: stateAt(t.onprem.node), far: stateAt(t.far.node) };
    const ispDown = faults.some((f) => f.kind === 'isp-down' && f.target === t.isp);
    const own = faultAt(t.onprem.node, t.onprem.ifname);
    for (const f of own) if (!ispDown) faults.push(f === 'blackhole' ? { kind: 'blackhole', target: t.name } : { kind: 'loss', target: t.name, percent: Number(f.replace(/\D/g, '')) });
    const list = [...(ispDown ? [`isp-down ${t.isp}`] : []), ...(ispDown ? [] : own)];
    const onprem = end(t.onprem);
    const far = end(t.far);
    const up = onprem.up && far.up && !list.some((f) => f === 'blackhole' || f.startsWith('isp-down')) && session.onprem === 'Established' && session.far === 'Established';
    return { id: t.id, name: t.name, isp: t.isp, role: t.role, onprem, far, faults: list, session, up };
  });
  const states = [...containers.values()].map((c) => c.state);
  const phase = states.length === 0 ? 'not deployed' : states.length === plan.nodes.length && states.every((s) => s === 'running') ? 'deployed' : `${states.filter((s) => s === 'running').length}/${plan.nodes.length} containers running`;
  return {
    lab: plan.lab,
    phase,
    topologyFile: plan.source,
    tunnelType: plan.tunnelType,
    createdAt: [...containers.values()][0]?.created ?? '',
    processes,
    sessions,
    tunnels,
    faults,
  };
}
