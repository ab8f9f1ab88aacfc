// `lab status`: the BGP sessions of every node as its daemon reports them, each tunnel's state (links up,
// faults injected, session Established at both ends) with packet counters, and the daemons' processes.

import type { PlanTunnel } from '../orchestrator';
import { isSameProcess, systemRunner, type Runner } from './exec';
import { linkStats, type LinkStats } from './counters';
import { labLayout } from './layout';
import { sessionStates, type SessionEndState } from './sessions';
import { requireState, type LabFault } from './state';

export interface TunnelEndStatus {
  node: string;
  ifname: string;
  /** Interface up with carrier; false when missing. */
  up: boolean;
  rxPackets: number;
  txPackets: number;
}

export interface TunnelStatus {
  id: string;
  name: string;
  isp: string;
  role: 'primary' | 'backup';
  onprem: TunnelEndStatus;
  far: TunnelEndStatus;
  /** Faults injected on it ("blackhole", "loss 20%", "isp-down isp1"). */
  faults: string[];
  /** Its BGP session at the on-prem and far end. */
  session: { onprem: string; far: string };
  /** Carrying traffic as far as the lab can tell: links up, no blackhole, session Established at both ends. */
  up: boolean;
}

export interface LabStatus {
  lab: string;
  phase: string;
  topologyFile: string;
  tunnelType: string;
  createdAt: string;
  processes: { node: string; name: string; pid: number; running: boolean; stopped: boolean }[];
  sessions: SessionEndState[];
  tunnels: TunnelStatus[];
  faults: LabFault[];
}

function describeFaults(t: PlanTunnel, faults: LabFault[]): string[] {
  const out: string[] = [];
  for (const f of faults) {
    if (f.kind === 'isp-down' && f.target === t.isp) out.push(`isp-down ${f.target}`);
    if (f.target !== t.name) continue;
    if (f.kind === 'blackhole') out.push('blackhole');
    if (f.kind === 'loss') out.push(`loss ${f.percent}%`);
  }
  return out;
}

export async function labStatus(lab: string, opts: { runner?: Runner; env?: NodeJS.ProcessEnv } = {}): Promise<LabStatus> {
  const runner = opts.runner ?? systemRunner;
  const env = opts.env ?? process.env;
  const state = requireState(lab, env);
  const plan = state.plan;
  const layout = labLayout(lab, env);
  const stopped = new Set(state.processes.filter((p) => p.stopped).map((p) => p.node));
  const sessions = await sessionStates(runner, layout, plan);
  for (const s of sessions) if (stopped.has(s.node) && s.state === 'down') s.info = 'stopped by lab fault';

  const stats = new Map<string, Map<string, LinkStats>>();
  for (const node of new Set(plan.tunnels.flatMap((t) => [t.onprem.node, t.far.node]))) {
    const ns = plan.nodes.find((n) => n.name === node)!.namespace;
    stats.set(node, await linkStats(runner, ns).catch(() => new Map<string, LinkStats>()));
  }
  const end = (e: PlanTunnel['onprem']): TunnelEndStatus => {
    const s = stats.get(e.node)?.get(e.ifname);
    return { node: e.node, ifname: e.ifname, up: s?.up ?? false, rxPackets: s?.rxPackets ?? 0, txPackets: s?.txPackets ?? 0 };
  };
  const tunnels = plan.tunnels.map((t): TunnelStatus => {
    const stateAt = (node: string) => sessions.find((s) => s.session === t.name && s.node === node)?.state ?? 'missing';
    const session = { onprem: stateAt(t.onprem.node), far: stateAt(t.far.node) };
    const faults = describeFaults(t, state.faults);
    const onprem = end(t.onprem);
    const far = end(t.far);
    const up = onprem.up && far.up && !faults.some((f) => f === 'blackhole' || f.startsWith('isp-down')) && session.onprem === 'Established' && session.far === 'Established';
    return { id: t.id, name: t.name, isp: t.isp, role: t.role, onprem, far, faults, session, up };
  });
  return {
    lab,
    phase: state.phase,
    topologyFile: state.topologyFile,
    tunnelType: state.options.tunnelType,
    createdAt: state.createdAt,
    processes: state.processes.map((p) => ({ node: p.node, name: p.name, pid: p.pid, running: isSameProcess(p.pid, p.startTime), stopped: Boolean(p.stopped) })),
    sessions,
    tunnels,
    faults: state.faults,
  };
}

