// Per-interface link state and packet counters inside a lab namespace (`ip -j -s link`), and UDP flow
// counters per tunnel (nftables) that say how a test's traffic spread over the tunnels.

import type { Plan } from '../orchestrator';
import { inNetns, mustRun, type Runner } from './exec';
import { countRules, nftTable, parseNftCounters } from './nft';

export interface LinkStats {
  /** Administratively up with carrier (wireguard-go's tun reports operstate UNKNOWN, so flags decide). */
  up: boolean;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

/** Parses `ip -j -s link show`. */
export function parseLinkStats(json: string): Map<string, LinkStats> {
  const out = new Map<string, LinkStats>();
  const links = JSON.parse(json) as { ifname: string; flags?: string[]; stats64?: { rx: { packets: number; bytes: number }; tx: { packets: number; bytes: number } } }[];
  for (const l of links) {
    const s = l.stats64;
    out.set(l.ifname, {
      up: Boolean(l.flags?.includes('UP') && l.flags.includes('LOWER_UP')),
      rxPackets: s?.rx.packets ?? 0,
      txPackets: s?.tx.packets ?? 0,
      rxBytes: s?.rx.bytes ?? 0,
      txBytes: s?.tx.bytes ?? 0,
    });
  }
  return out;
}

export async function linkStats(runner: Runner, ns: string): Promise<Map<string, LinkStats>> {
  return parseLinkStats(await mustRun(runner, ['ip', '-n', ns, '-j', '-s', 'link', 'show']));
}

/** Packets of one UDP port through each tunnel, counted at the tunnels' on-prem ends (both directions). */
export class TunnelFlowCounters {
  private constructor(
    private readonly runner: Runner,
    private readonly plan: Plan,
    readonly port: number,
  ) {}

  private static routers(plan: Plan): { ns: string; ifnames: string[] }[] {
    return plan.nodes
      .map((n) => ({ ns: n.namespace, ifnames: plan.tunnels.filter((t) => t.onprem.node === n.name).map((t) => t.onprem.ifname) }))
      .filter((r) => r.ifnames.length > 0);
  }

  /** Installs the counters (replacing any left from an earlier run). */
  static async install(runner: Runner, plan: Plan, port: number): Promise<TunnelFlowCounters> {
    for (const r of TunnelFlowCounters.routers(plan)) {
      await runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', nftTable('count')]));
      await mustRun(runner, inNetns(r.ns, ['nft', '-f', '-']), { input: countRules(r.ifnames, port) });
    }
    return new TunnelFlowCounters(runner, plan, port);
  }

  /** Tunnel name -> packets so far ({out: on-prem to far, in: far to on-prem}). */
  async read(): Promise<Map<string, { out: number; in: number }>> {
    const res = new Map<string, { out: number; in: number }>();
    for (const r of TunnelFlowCounters.routers(this.plan)) {
      const c = parseNftCounters(await mustRun(this.runner, inNetns(r.ns, ['nft', '-j', 'list', 'table', 'inet', nftTable('count')])));
      for (const t of this.plan.tunnels.filter((x) => r.ifnames.includes(x.onprem.ifname))) {
        res.set(t.name, { out: c.get(`${t.onprem.ifname}/out`) ?? 0, in: c.get(`${t.onprem.ifname}/in`) ?? 0 });
      }
    }
    return res;
  }

  async remove(): Promise<void> {
    for (const r of TunnelFlowCounters.routers(this.plan)) await this.runner.run(inNetns(r.ns, ['nft', 'delete', 'table', 'inet', nftTable('count')]));
  }
}
