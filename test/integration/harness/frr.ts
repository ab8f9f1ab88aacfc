// FRR 8.4 in a lab namespace: zebra + bgpd (+ bfdd/staticd on request) with `-N <pathspace>`, configs in
// /etc/frr/<pathspace>/ owned by frr, queried with `vtysh -N <pathspace> -c '... json'`.

import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec';
import type { Netns } from './lab';
import type { ManagedProcess } from './process';
import { waitFor } from './wait';

export type FrrDaemon = 'zebra' | 'bgpd' | 'bfdd' | 'staticd';

export interface FrrOptions {
  /** Config text per daemon; zebra always runs (a minimal config is used when none is given). */
  bgpd?: string;
  bfdd?: string;
  staticd?: string;
  zebra?: string;
}

/** Summary of one neighbor from `show bgp summary json` (the fields the tests use). */
export interface FrrPeerSummary {
  state: string;
  pfxRcd?: number;
  pfxSnt?: number;
  peerUptimeMsec?: number;
}

export interface FrrPath {
  valid?: boolean;
  bestpath?: boolean;
  multipath?: boolean;
  path: string;
  peerId: string;
  nexthops: { ip: string; afi: string; used?: boolean }[];
  /** Set on a path bgpd is still deleting (its session just went down): no longer a path. */
  removed?: boolean;
}

const FRR_USER = 'frr';

function frrIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, FRR_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class Frr {
  readonly processes: ManagedProcess[] = [];
  private constructor(
    readonly ns: Netns,
    /** The -N pathspace (the namespace's full name). */
    readonly pathspace: string,
  ) {}

  /** Writes the configs, starts zebra then the other daemons, and waits until vtysh answers for each. */
  static async start(ns: Netns, opts: FrrOptions): Promise<Frr> {
    const ps = ns.name;
    const frr = new Frr(ns, ps);
    const { uid, gid } = frrIds();
    const confDir = `/etc/frr/${ps}`;
    const runDir = `/var/run/frr/${ps}`;
    for (const d of [confDir, runDir]) {
      mkdirSync(d, { recursive: true });
      chownSync(d, uid, gid);
    }
    const daemons: FrrDaemon[] = ['zebra', ...(['staticd', 'bfdd', 'bgpd'] as const).filter((d) => opts[d] !== undefined)];
    const write = (file: string, text: string) => {
      const p = join(confDir, file);
      writeFileSync(p, text, { mode: 0o640 });
      chownSync(p, uid, gid);
    };
    write('vtysh.conf', '');
    for (const d of daemons) write(`${d}.conf`, opts[d] ?? `hostname ${ps}\nlog stdout informational\n`);

    for (const d of daemons) {
      // -P 0: no TCP vty (vtysh uses the Unix sockets in runDir); --log stdout goes to the lab's log file.
      const p = ns.spawn(`${ps}-${d}`, [`/usr/lib/frr/${d}`, '-N', ps, '-f', join(confDir, `${d}.conf`), '-P', '0', '--log', 'stdout']);
      frr.processes.push(p);
      await waitFor(() => frr.alive() && exec(['test', '-S', join(runDir, `${d}.vty`)]).then(() => true), 15_000, {
        what: `FRR ${d} in ${ps} to open its vty socket`,
      }).catch((e: Error) => {
        throw new Error(`${e.message}\n${p.log()}`);
      });
    }
    return frr;
  }

  private alive(): boolean {
    const dead = this.processes.find((p) => !p.running);
    if (dead) throw new Error(`FRR ${dead.name} exited:\n${dead.log()}`);
    return true;
  }

  /** What one daemon has logged so far (bgpd's NOTIFICATION lines, say). */
  log(daemon: FrrDaemon): string {
    return this.processes.find((p) => p.name === `${this.pathspace}-${daemon}`)?.log() ?? '';
  }

  /** Output of a vtysh command. */
  vtysh(cmd: string): Promise<string> {
    return exec(['vtysh', '-N', this.pathspace, '-c', cmd]);
  }

  async vtyshJson<T = unknown>(cmd: string): Promise<T> {
    const out = await this.vtysh(cmd);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`vtysh "${cmd}" did not return JSON: ${out.slice(0, 500)}`);
    }
  }

  /** Neighbors (by address) of one family from `show bgp <afi> unicast summary json`. */
  async peers(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<Record<string, FrrPeerSummary>> {
    const j = await this.vtyshJson<{ peers?: Record<string, FrrPeerSummary> }>(`show bgp ${family} unicast summary json`);
    return j.peers ?? {};
  }

  async peerState(address: string, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string | undefined> {
    return (await this.peers(family))[address]?.state;
  }

  /** Paths per prefix from `show bgp <afi> unicast json`, without those bgpd is still deleting. */
  async routes(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<Record<string, FrrPath[]>> {
    const j = await this.vtyshJson<{ routes?: Record<string, FrrPath[]> }>(`show bgp ${family} unicast json`);
    // A path of a session that just went down stays listed, flagged "removed", until bgpd's work queue deletes it.
    const out: Record<string, FrrPath[]> = {};
    for (const [prefix, paths] of Object.entries(j.routes ?? {})) {
      const live = paths.filter((p) => !p.removed);
      if (live.length) out[prefix] = live;
    }
    return out;
  }

  /** Stops the daemons (bgpd first so its peers see a Cease rather than a dead zebra). */
  async stop(): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop();
  }
}
