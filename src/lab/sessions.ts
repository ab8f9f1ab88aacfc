// BGP session states as each lab node's daemon reports them (bgpfo's control socket, `birdc show protocols`,
// `vtysh show bgp summary json`), mapped onto the plan's sessions, and the wait until all are Established.

import { ControlClient } from '../api/client';
import { sessionsOf, type Plan, type PlanNode, type PlanSession } from '../orchestrator';
import type { Runner } from './exec';
import type { LabLayout } from './layout';
import { daemonNodes } from './steps';

export interface SessionEndState {
  /** The plan's session name ("r1-gw1-isp1"). */
  session: string;
  kind: PlanSession['kind'];
  node: string;
  daemon: string;
  /** The name this end gives the session. */
  neighbor: string;
  peer: string;
  /** RFC 4271 state (Established, Active, ...), or "down" (daemon not answering) / "missing" (not configured). */
  state: string;
  /** The daemon's last error or BIRD's info text. */
  info?: string;
}

const BGP_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** BIRD protocol name of a plan neighbor (renderBirdConfig: "bgp_" + the name with non-symbol characters as "_"). */
export function birdProtocolName(neighbor: string): string {
  return `bgp_${neighbor.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/**
 * Parses `birdc show protocols`: protocol name -> { state, info }. The BGP state is the first word of the Info
 * column ("Established", "Active   Socket: Connection refused"); a protocol that is down or disabled reports "Idle".
 */
export function parseBirdProtocols(out: string): Map<string, { state: string; info: string }> {
  const res = new Map<string, { state: string; info: string }>();
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[1] !== 'BGP') continue;
    // Name Proto Table State Since Info; Since may be one word ("12:00:01.123") or two ("2026-01-01 12:00:01").
    const rest = cols.slice(4);
    const at = rest.findIndex((w) => BGP_STATES.includes(w));
    res.set(cols[0], at < 0 ? { state: 'Idle', info: rest.slice(1).join(' ') } : { state: rest[at], info: rest.slice(at + 1).join(' ') });
  }
  return res;
}

/** Parses `show bgp ipv4 unicast summary json`: peer address -> state. */
export function parseFrrSummary(out: string): Map<string, string> {
  const j = JSON.parse(out) as { peers?: Record<string, { state?: string }> };
  return new Map(Object.entries(j.peers ?? {}).map(([addr, p]) => [addr, p.state ?? 'Idle']));
}

/** One node's sessions: neighbor name -> state, from its daemon. Throws when the daemon does not answer. */
async function daemonSessions(runner: Runner, layout: LabLayout, node: PlanNode, plan: Plan): Promise<Map<string, { state: string; info?: string }>> {
  const ends = sessionsOf(plan.sessions, node.name);
  const out = new Map<string, { state: string; info?: string }>();
  if (node.runs === 'bgpfo') {
    const status = await new ControlClient({ socketPath: layout.bgpfoSocket(node.name), timeoutMs: 3000 }).status();
    for (const s of status.sessions) out.set(s.name, { state: s.state, ...(s.lastError ? { info: s.lastError } : {}) });
  } else if (node.runs === 'bird') {
    const r = await runner.run(['birdc', '-s', layout.birdSocket(node.name), 'show', 'protocols']);
    if (r.code !== 0) throw new Error(r.stderr.trim() || r.stdout.trim() || 'birdc failed');
    const protos = parseBirdProtocols(r.stdout);
    for (const e of ends) {
      const p = protos.get(birdProtocolName(e.local.neighborName));
      if (p) out.set(e.local.neighborName, { state: p.state, ...(p.info ? { info: p.info } : {}) });
    }
  } else if (node.runs === 'frr') {
    const r = await runner.run(['vtysh', '-N', node.namespace, '-c', 'show bgp ipv4 unicast summary json']);
    if (r.code !== 0) throw new Error(r.stderr.trim() || 'vtysh failed');
    const peers = parseFrrSummary(r.stdout);
    for (const e of ends) {
      const st = peers.get(e.remote.address);
      if (st) out.set(e.local.neighborName, { state: st });
    }
  }
  return out;
}

/** Every session end on every daemon node, as its daemon reports it right now. */
export async function sessionStates(runner: Runner, layout: LabLayout, plan: Plan, opts: { skipNodes?: Set<string> } = {}): Promise<SessionEndState[]> {
  const nodes = daemonNodes(plan).filter((n) => !opts.skipNodes?.has(n.name));
  const perNode = await Promise.all(
    nodes.map(async (n) => {
      try {
        return { node: n, states: await daemonSessions(runner, layout, n, plan) };
      } catch (e) {
        return { node: n, states: undefined, error: (e as Error).message };
      }
    }),
  );
  const res: SessionEndState[] = [];
  for (const { node, states, error } of perNode as { node: PlanNode; states?: Map<string, { state: string; info?: string }>; error?: string }[]) {
    for (const { session, local, remote } of sessionsOf(plan.sessions, node.name)) {
      const st = states?.get(local.neighborName);
      res.push({
        session: session.name,
        kind: session.kind,
        node: node.name,
        daemon: node.runs,
        neighbor: local.neighborName,
        peer: remote.address,
        state: states ? (st?.state ?? 'missing') : 'down',
        ...(states ? (st?.info ? { info: st.info } : {}) : { info: `${node.runs} not answering: ${error}` }),
      });
    }
  }
  return res;
}

/** The sessions not Established at both ends, one line each ("r1-gw1-isp1: r1 (bgpfo) Active, ...; gw1 ..."). */
export function notEstablished(states: SessionEndState[]): string[] {
  const bySession = new Map<string, SessionEndState[]>();
  for (const s of states) bySession.set(s.session, [...(bySession.get(s.session) ?? []), s]);
  const lines: string[] = [];
  for (const [name, ends] of bySession) {
    if (ends.every((e) => e.state === 'Established')) continue;
    lines.push(`${name}: ${ends.map((e) => `${e.node} (${e.daemon}, neighbor ${e.neighbor} ${e.peer}) ${e.state}${e.info ? ` [${e.info}]` : ''}`).join('; ')}`);
  }
  return lines;
}
