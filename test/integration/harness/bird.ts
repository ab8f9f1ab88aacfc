// BIRD 2 in a lab namespace: `bird -f -c conf -s sock -P pid`, queried with `birdc -s sock`.
// Keep `error wait time 1,5;` in BGP protocols (lab-facts: the 60 s default stalls lab runs).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec';
import type { Netns } from './lab';
import type { ManagedProcess } from './process';
import { waitFor } from './wait';

export interface BirdRoute {
  prefix: string;
  /** "via 10.0.0.1 on eth0" etc. as printed. */
  via: string;
  protocol: string;
  primary: boolean;
  asPath: number[];
  localPref?: number;
}

export class Bird {
  private constructor(
    readonly ns: Netns,
    readonly name: string,
    readonly socket: string,
    readonly process: ManagedProcess,
  ) {}

  static async start(ns: Netns, name: string, config: string): Promise<Bird> {
    const dir = ns.lab.dir;
    const conf = join(dir, `${name}.conf`);
    const socket = join(dir, `${name}.ctl`);
    writeFileSync(conf, config);
    // Check the config first: a syntax error is reported at once instead of as a startup timeout.
    await ns.exec(['bird', '-p', '-c', conf]);
    const p = ns.spawn(name, ['bird', '-f', '-c', conf, '-s', socket, '-P', join(dir, `${name}.pid`)]);
    const bird = new Bird(ns, name, socket, p);
    await waitFor(
      async () => {
        if (!p.running) throw new Error(`bird exited:\n${p.log()}`);
        return (await bird.birdc('show status')).includes('Daemon is up and running');
      },
      15_000,
      { what: `BIRD ${name} to come up` },
    );
    return bird;
  }

  birdc(cmd: string): Promise<string> {
    return exec(['birdc', '-s', this.socket, ...cmd.split(' ')]);
  }

  /** BGP state of a protocol ("Established", "Active", "Idle", ...), from `show protocols NAME`. */
  async protocolState(proto: string): Promise<string> {
    const out = await this.birdc(`show protocols ${proto}`);
    const line = out.split('\n').find((l) => l.startsWith(proto + ' '));
    if (!line) throw new Error(`no protocol ${proto} in BIRD ${this.name}`);
    // Name Proto Table State Since Info: the Info column holds the BGP state.
    const cols = line.trim().split(/\s+/);
    return cols[cols.length - 1];
  }

  /** Routes of a table (master4/master6) with their BGP AS paths, from `show route table T all`. */
  async routes(table = 'master4'): Promise<BirdRoute[]> {
    const out = await this.birdc(`show route table ${table} all`);
    const routes: BirdRoute[] = [];
    let prefix = '';
    let cur: BirdRoute | undefined;
    for (const line of out.split('\n')) {
      // "10.1.0.0/16          unicast [a4 12:00:00.000] * (100) [AS65001i]" or a continuation line starting with spaces.
      const head = /^(\S+\/\d+)?\s+(\w+)\s+\[(\S+)\s[^\]]*\]\s*(\*)?/.exec(line);
      if (head && /^(\S+\/\d+)?\s+(unicast|blackhole|unreachable|prohibit)\s/.test(line)) {
        if (head[1]) prefix = head[1];
        cur = { prefix, via: '', protocol: head[3], primary: head[4] === '*', asPath: [] };
        routes.push(cur);
        continue;
      }
      if (!cur) continue;
      const via = /^\s+(via .*|dev .*)$/.exec(line);
      if (via && !cur.via) cur.via = via[1].trim();
      const asPath = /^\s+BGP\.as_path:\s*(.*)$/.exec(line);
      if (asPath) cur.asPath = asPath[1].trim() ? asPath[1].trim().split(/\s+/).map(Number) : [];
      const lp = /^\s+BGP\.local_pref:\s*(\d+)/.exec(line);
      if (lp) cur.localPref = Number(lp[1]);
    }
    return routes;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
