// A lab: network namespaces named bgpfo-t-<short>-<name>, veth links between them, and the processes run inside.
// cleanup() always removes all of it; creating a lab first removes leftovers of a crashed run with the same prefix.

import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, execAny, execQuiet, type ExecResult } from './exec';
import { ManagedProcess } from './process';

const FRR_DIRS = ['/etc/frr', '/var/run/frr'];

export interface LinkEnd {
  ns: Netns;
  ifname: string;
  /** "10.0.0.1/30" */
  v4?: string;
  /** "fd00::1/64" */
  v6?: string;
}

export class Netns {
  constructor(
    readonly lab: Lab,
    /** Full namespace name, e.g. bgpfo-t-frr-r1. */
    readonly name: string,
  ) {}

  /** argv run inside the namespace (`ip netns exec NAME ...`). */
  argv(cmd: string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...cmd];
  }

  exec(cmd: string[], opts?: { timeoutMs?: number; input?: string }): Promise<string> {
    return exec(this.argv(cmd), opts);
  }

  execAny(cmd: string[], opts?: { timeoutMs?: number }): Promise<ExecResult> {
    return execAny(this.argv(cmd), opts);
  }

  /** Starts a long-running process in the namespace; the lab stops it on cleanup. */
  spawn(name: string, cmd: string[], env?: NodeJS.ProcessEnv): ManagedProcess {
    return this.lab.track(new ManagedProcess(name, this.argv(cmd), join(this.lab.dir, `${name}.log`), env));
  }
}

/** Removes every namespace (and FRR pathspace dir) whose name starts with prefix, killing what runs inside. */
export function purgePrefix(prefix: string): void {
  const names = execQuiet(['ip', 'netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix));
  for (const ns of names) {
    const pids = execQuiet(['ip', 'netns', 'pids', ns]).split(/\s+/).filter(Boolean);
    if (pids.length) execQuiet(['kill', '-9', ...pids]);
    execQuiet(['ip', 'netns', 'del', ns]);
  }
  for (const base of FRR_DIRS) {
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      if (entry.startsWith(prefix)) rmSync(join(base, entry), { recursive: true, force: true });
    }
  }
}

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

export class Lab {
  readonly prefix: string;
  /** Temp directory for configs, sockets and logs. */
  readonly dir: string;
  private readonly namespaces: Netns[] = [];
  private readonly processes: ManagedProcess[] = [];
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  private cleaned = false;

  private constructor(short: string) {
    if (!/^[a-z0-9]{1,8}$/.test(short)) throw new Error(`lab short name must be 1..8 of [a-z0-9], got "${short}"`);
    this.prefix = `bgpfo-t-${short}-`;
    purgePrefix(this.prefix);
    this.dir = mkdtempSync(join(tmpdir(), this.prefix));
  }

  /** A new lab; requires root. Stale namespaces with the same prefix are removed first. */
  static create(short: string): Lab {
    if (process.getuid?.() !== 0) throw new Error('integration labs need root (network namespaces)');
    const lab = new Lab(short);
    liveLabs.add(lab);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // Last resort when a test run dies without afterAll: kill and delete synchronously.
      process.once('exit', () => {
        for (const l of liveLabs) l.cleanupSync();
      });
    }
    return lab;
  }

  track(p: ManagedProcess): ManagedProcess {
    this.processes.push(p);
    return p;
  }

  /** Registers an extra cleanup step (run before namespaces are deleted). */
  onCleanup(fn: () => void | Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Creates namespace <prefix><name> with lo up and IPv6 DAD off (addresses usable at once). */
  async addNamespace(name: string): Promise<Netns> {
    const full = this.prefix + name;
    await exec(['ip', 'netns', 'add', full]);
    const ns = new Netns(this, full);
    this.namespaces.push(ns);
    await ns.exec(['ip', 'link', 'set', 'lo', 'up']);
    await ns.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    return ns;
  }

  /**
   * A veth pair created directly inside the two namespaces (never in the root namespace), with addresses
   * and IPv6 `nodad`; both ends up on return.
   */
  async link(a: LinkEnd, b: LinkEnd): Promise<void> {
    for (const e of [a, b]) if (e.ifname.length > 15) throw new Error(`interface name ${e.ifname} is longer than 15 characters`);
    await exec(['ip', 'link', 'add', 'name', a.ifname, 'netns', a.ns.name, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns.name]);
    for (const e of [a, b]) {
      if (e.v4) await e.ns.exec(['ip', 'addr', 'add', e.v4, 'dev', e.ifname]);
      if (e.v6) await e.ns.exec(['ip', '-6', 'addr', 'add', e.v6, 'dev', e.ifname, 'nodad']);
      await e.ns.exec(['ip', 'link', 'set', e.ifname, 'up']);
    }
  }

  /** Stops every process, runs extra cleanups, kills anything left in the namespaces, deletes them. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    liveLabs.delete(this);
    await Promise.all(this.processes.map((p) => p.stop(2000).catch(() => undefined)));
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // keep going: the namespaces must go whatever happened
      }
    }
    purgePrefix(this.prefix);
    if (process.env.BGPFO_KEEP_LOGS) process.stderr.write(`lab logs kept in ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous variant for the exit hook. */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const p of this.processes) p.signal('SIGKILL');
    purgePrefix(this.prefix);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every process's log, for a failing test's output. */
  logs(): string {
    return this.processes.map((p) => `----- ${p.name} (${p.argv.join(' ')})\n${p.log()}`).join('\n');
  }
}
