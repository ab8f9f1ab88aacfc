// Per-flow packet counters on every tunnel, read from the on-prem routers many times a second: nftables sets
// keyed by (tunnel interface, UDP source port) with a counter per element, so one read says how many packets of
// each flow went into (out) or came out of (in) each tunnel. Counted before the lab's fault chains drop anything.

import type { Plan } from '../orchestrator';
import { inNetns, mustRun, type Runner } from '../lab/exec';
import { epochMs } from './flow-agent';

export const FLOW_TABLE = 'bgpfo_scn_flows';

/**
 * `nft -f -` input: sets "flows_out" (routed into a tunnel: the forward hook) and "flows_in" (came out of one: the
 * prerouting hook) of (ifname . sport) with counters.
 */
export function flowCountRules(ifnames: string[], dports: number[]): string {
  const ifs = ifnames.map((i) => `"${i}"`).join(', ');
  const ports = dports.join(', ');
  return [
    `table inet ${FLOW_TABLE} {`,
    '  set flows_out { type ifname . inet_service; flags dynamic; size 65535; counter; }',
    '  set flows_in { type ifname . inet_service; flags dynamic; size 65535; counter; }',
    '  chain count_flows {',
    // Before the lab's blackhole and loss chains (-300): a packet routed into a dead tunnel is still counted there.
    '    type filter hook forward priority -320; policy accept;',
    `    oifname { ${ifs} } udp dport { ${ports} } add @flows_out { oifname . udp sport }`,
    '  }',
    // Out of a tunnel: counted before the routing decision, so a packet the node then has no route for still shows
    // as having come out of the tunnel (its loss is the node's, not the tunnel's).
    '  chain count_flows_in {',
    '    type filter hook prerouting priority -320; policy accept;',
    `    iifname { ${ifs} } udp dport { ${ports} } add @flows_in { iifname . udp sport }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The key of one flow's counter on one tunnel interface: "ifname/out/sport" (out: into the tunnel; in: out of it). */
export function flowCounterKey(ifname: string, direction: 'in' | 'out', sport: number | string): string {
  return `${ifname}/${direction}/${sport}`;
}

/** flowCounterKey() -> packets, from `nft -j list table inet bgpfo_scn_flows`. */
export function parseFlowCounters(json: string): Map<string, number> {
  const out = new Map<string, number>();
  const doc = JSON.parse(json) as { nftables?: { set?: { name: string; elem?: { elem?: { val?: { concat?: [string, number] }; counter?: { packets: number } } }[] } }[] };
  for (const item of doc.nftables ?? []) {
    const set = item.set;
    const dir = set?.name === 'flows_out' ? 'out' : set?.name === 'flows_in' ? 'in' : undefined;
    if (!set || !dir) continue;
    for (const e of set.elem ?? []) {
      const key = e.elem?.val?.concat;
      if (key) out.set(flowCounterKey(key[0], dir, key[1]), e.elem?.counter?.packets ?? 0);
    }
  }
  return out;
}

export interface CounterSample {
  /** Epoch ms (midpoint of the reads). */
  at: number;
  /** "ifname/out|in/sport" -> packets so far, over every router. */
  counts: Map<string, number>;
}

/** The on-prem routers and their tunnel interfaces. */
export function tunnelRouters(plan: Plan): TunnelEnd[] {
  return tunnelEnds(plan, 'onprem');
}

/** The far gateways and their tunnel interfaces: the other end of every tunnel. */
export function tunnelFarEnds(plan: Plan): TunnelEnd[] {
  return tunnelEnds(plan, 'far');
}

/** A node with tunnel interfaces, and its namespace. */
export interface TunnelEnd {
  ns: string;
  node: string;
  ifnames: string[];
}

/** Per node that holds one side of some tunnel, that side's interfaces. */
function tunnelEnds(plan: Plan, side: 'onprem' | 'far'): TunnelEnd[] {
  return plan.nodes
    .map((n) => ({ ns: n.namespace, node: n.name, ifnames: plan.tunnels.filter((t) => t[side].node === n.name).map((t) => t[side].ifname) }))
    .filter((r) => r.ifnames.length > 0);
}

/**
 * Installs the counters on every on-prem router, reads them every `intervalMs`, removes them on stop(). The far
 * gateways get the same counters where nftables runs there (best effort: a container image may have none); they are
 * read only on demand, both ends at once (readBothEnds), to tell packets lost inside a tunnel from the rest.
 */
export class FlowCounterSampler {
  readonly samples: CounterSample[] = [];
  private running = false;
  private reading: Promise<void> | undefined;
  private readonly routers: TunnelEnd[];
  private farEnds: TunnelEnd[];
  /** Reads of both ends of every tunnel at once (readBothEnds), in time order. */
  readonly pairs: CounterSample[] = [];
  /** Last successful read per router: a router whose namespace is busy (or powered off) keeps its last counts. */
  private readonly last = new Map<string, Map<string, number>>();
  errors = 0;

  constructor(
    private readonly runner: Runner,
    plan: Plan,
    nsOf: (node: string) => string,
    private readonly dports: number[],
    private readonly intervalMs: number,
  ) {
    this.routers = tunnelRouters(plan).map((r) => ({ ...r, ns: nsOf(r.node) }));
    this.farEnds = tunnelFarEnds(plan).map((r) => ({ ...r, ns: nsOf(r.node) }));
  }

  async install(): Promise<void> {
    for (const r of this.routers) {
      await this.runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', FLOW_TABLE]));
      await mustRun(this.runner, inNetns(r.ns, ['nft', '-f', '-']), { input: flowCountRules(r.ifnames, this.dports) });
    }
    const counted: typeof this.farEnds = [];
    for (const r of this.farEnds) {
      await this.runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', FLOW_TABLE]));
      const res = await this.runner.run(inNetns(r.ns, ['nft', '-f', '-']), { input: flowCountRules(r.ifnames, this.dports) });
      if (res.code === 0) counted.push(r);
    }
    // Both ends or nothing: a tunnel counted at one end only would look like it lost everything.
    this.farEnds = counted.length === this.farEnds.length ? counted : [];
    if (counted.length && !this.farEnds.length) for (const r of counted) await this.runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', FLOW_TABLE]));
  }

  /** Whether the far ends are counted too (readBothEnds can tell where packets were lost). */
  get bothEnds(): boolean {
    return this.farEnds.length > 0;
  }

  /**
   * Reads both ends of every tunnel at once and keeps the result in `pairs` (not in `samples`, which stay on-prem
   * only). Nothing is kept when a read fails (a powered-off router): half a pair would show packets vanishing.
   */
  async readBothEnds(): Promise<void> {
    if (!this.bothEnds) return;
    const t0 = epochMs();
    const reads = await Promise.all([...this.routers, ...this.farEnds].map((r) => this.readRouter(r).catch(() => undefined)));
    if (reads.some((m) => m === undefined)) return;
    const counts = new Map<string, number>();
    for (const m of reads) for (const [k, v] of m!) counts.set(k, v);
    this.pairs.push({ at: (t0 + epochMs()) / 2, counts });
  }

  async readOnce(): Promise<CounterSample> {
    const t0 = epochMs();
    let failed = false;
    await Promise.all(
      this.routers.map(async (r) => {
        try {
          this.last.set(r.node, await this.readRouter(r));
        } catch {
          failed = true;
          this.errors++;
        }
      }),
    );
    const counts = new Map<string, number>();
    for (const m of this.last.values()) for (const [k, v] of m) counts.set(k, v);
    const sample = { at: (t0 + epochMs()) / 2, counts };
    // A sample with one router's counters missing would show its tunnels empty for an interval: keep only whole ones.
    if (!failed) this.samples.push(sample);
    return sample;
  }

  /** One node's counters; throws when nft fails or its answer does not parse. */
  private async readRouter(r: TunnelEnd): Promise<Map<string, number>> {
    const res = await this.runner.run(inNetns(r.ns, ['nft', '-j', 'list', 'table', 'inet', FLOW_TABLE]), { timeoutMs: 5000 });
    if (res.code !== 0) throw new Error(res.stderr);
    return parseFlowCounters(res.stdout);
  }

  /** Reads every interval (never two reads at once). */
  start(): void {
    this.running = true;
    this.reading = (async () => {
      while (this.running) {
        const t0 = epochMs();
        await this.readOnce().catch(() => void this.errors++);
        const wait = this.intervalMs - (epochMs() - t0);
        if (wait > 0 && this.running) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  /** Stops reading, after one last read (the counts at the end of the traffic). */
  async stop(): Promise<void> {
    this.running = false;
    await this.reading;
    await this.readOnce().catch(() => undefined);
  }

  async remove(): Promise<void> {
    for (const r of [...this.routers, ...this.farEnds]) await this.runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', FLOW_TABLE]));
  }
}
