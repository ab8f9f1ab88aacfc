// Where a scenario runs: the engine brings a topology up (netns lab, or containerlab), names each node's network
// namespace, injects faults and reaches the daemons. Everything else (traffic agents, flow counters, the FIB
// monitor) runs through `ip netns exec` and is the same on both engines.

import { spawn, type ChildProcess } from 'node:child_process';
import type { DrainResponse, StatusResponse, UndrainResponse } from '../api/types';
import type { OpsEvent } from '../api/events';
import type { Runner } from '../lab/exec';
import type { SessionEndState } from '../lab/sessions';
import type { Plan, PlanTunnel } from '../orchestrator';
import type { EventSubscription } from './timeline';
import type { FaultSpec } from './types';

/** A bgpfo daemon's control API as the scenario uses it. */
export interface ControlAccess {
  status(): Promise<StatusResponse>;
  drain(target: string, timeoutS: number): Promise<DrainResponse>;
  undrain(target: string): Promise<UndrainResponse>;
  events(onEvent: (e: OpsEvent) => void): EventSubscription;
}

/** Starts a long-running command (agents, monitors); a dry run records it instead. */
export type Spawner = (argv: string[]) => ChildProcess;

export const systemSpawner: Spawner = (argv) => spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });

export interface ScenarioEngine {
  readonly kind: 'netns' | 'containerlab';
  readonly lab: string;
  readonly runner: Runner;
  readonly spawn: Spawner;
  /** True when nothing really runs (commands are only recorded). */
  readonly dryRun: boolean;
  /** Brings the lab up (or attaches to one already up) and returns its plan. */
  up(progress: (line: string) => void, signal?: AbortSignal): Promise<Plan>;
  /** Removes what up() made (nothing when it attached to a lab it did not make). */
  down(): Promise<void>;
  /** The network namespace a node's processes and interfaces live in. */
  namespace(node: string): string;
  /** How to run bgpfo on this machine (for the traffic agents run in the hosts' namespaces). */
  bgpfoCommand(): string[];
  /** Every BGP session end as its daemon reports it. */
  sessions(): Promise<SessionEndState[]>;
  /** The control API of a node that runs bgpfo. */
  control(node: string): ControlAccess | undefined;
  /** The rendered bgpfo config file of a node (for the feature checks). */
  configFile(node: string): string | undefined;
  /** Injects (or clears) a fault; returns what was done, in words. */
  fault(f: FaultSpec): Promise<string>;
}

/** The on-prem router's name for a tunnel's BGP neighbor (what `bgpfo drain` takes). */
export function onpremNeighbor(plan: Plan, t: PlanTunnel): string {
  const s = plan.sessions.find((x) => x.kind === 'tunnel' && x.tunnel === t.name);
  if (!s) throw new Error(`no BGP session for tunnel ${t.name}`);
  return (s.a.node === t.onprem.node ? s.a : s.b).neighborName;
}

/** The interfaces `node-down` takes down: every link end of the node (not lo, not bridges). */
export function nodeLinkInterfaces(plan: Plan, node: string): string[] {
  const n = plan.nodes.find((x) => x.name === node);
  return (n?.interfaces ?? []).filter((i) => i.kind !== 'bridge').map((i) => i.name);
}

/** The on-prem ends of every link of an ISP (uplinks with WireGuard; the tunnels themselves with veth tunnels). */
export function ispEnds(plan: Plan, isp: string): { node: string; ifname: string }[] {
  const onprem = new Set(plan.nodes.filter((n) => n.role === 'onprem-router').map((n) => n.name));
  return plan.links.filter((l) => l.isp === isp).map((l) => (onprem.has(l.a.node) ? l.a : l.b));
}
