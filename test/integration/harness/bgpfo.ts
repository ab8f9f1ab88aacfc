// The bgpfo daemon in a lab namespace: built dist/ run as `node dist/cli/main.js daemon --config FILE`, its
// control socket in the lab's temp dir, and the real CLI (`bgpfo status --json`) to query it.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ControlClient } from '../../../src/api/client';
import type { RoutesResponse, StatusResponse } from '../../../src/api/types';
import { daemonEnvWords } from '../../../src/util/daemon-env';
import { exec } from './exec';
import type { Netns } from './lab';
import type { ManagedProcess } from './process';
import { waitFor } from './wait';

export const REPO = resolve(__dirname, '..', '..', '..');
const MAIN = join(REPO, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;

/** Builds dist/ with tsc when it is missing or older than any file under src/, and the netlink helper (once per test process). */
export function ensureBuilt(): void {
  if (built) return;
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < newestMtime(join(REPO, 'src'))) {
    try {
      execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json')], {
        cwd: REPO,
        stdio: 'pipe',
      });
    } catch (e) {
      // tsc emits even with type errors; only a missing entry point is fatal here (CI type-checks separately).
      if (!existsSync(MAIN)) throw new Error(`build failed: ${(e as { stdout?: Buffer }).stdout?.toString() ?? e}`);
    }
  }
  // The kernel FIB's netlink helper, as `npm run build` makes it (a no-op when it is current).
  execFileSync('sh', [join(REPO, 'src', 'fib', 'native', 'build.sh')], { cwd: REPO, stdio: 'pipe' });
  built = true;
}

export interface BgpfoStartOptions {
  /** The config as a kebab-case object (as in YAML); control.socket is set to the lab's temp dir. */
  config: Record<string, unknown>;
  logLevel?: string;
  /** Runs the daemon under this command (e.g. setpriv with a unit's capability set). */
  wrap?: string[];
}

export class BgpfoDaemon {
  readonly client: ControlClient;
  private constructor(
    readonly ns: Netns,
    readonly name: string,
    readonly configFile: string,
    readonly socketPath: string,
    readonly process: ManagedProcess,
  ) {
    this.client = new ControlClient({ socketPath });
  }

  static async start(ns: Netns, name: string, opts: BgpfoStartOptions): Promise<BgpfoDaemon> {
    ensureBuilt();
    const socketPath = join(ns.lab.dir, `${name}.sock`);
    const configFile = join(ns.lab.dir, `${name}.yaml`);
    const control = { ...((opts.config.control as Record<string, unknown> | undefined) ?? {}), socket: socketPath };
    writeFileSync(configFile, stringify({ ...opts.config, control }));
    // BGPFO_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the daemon in benchmarks.
    const nodeArgs = (process.env.BGPFO_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // The daemon runs with the environment it is shipped with (src/util/daemon-env.ts); BGPFO_DAEMON_ENV ("K=V K2=V2",
    // or "-" for none) replaces it, for the daemon alone (the C daemons beside it keep theirs).
    const daemonEnv = process.env.BGPFO_DAEMON_ENV === '-' ? [] : process.env.BGPFO_DAEMON_ENV ? process.env.BGPFO_DAEMON_ENV.split(' ').filter(Boolean) : daemonEnvWords();
    const p = ns.spawn(name, [...(opts.wrap ?? []), ...(daemonEnv.length ? ['env', ...daemonEnv] : []), process.execPath, ...nodeArgs, MAIN, 'daemon', '--config', configFile, '--log-level', opts.logLevel ?? 'debug']);
    const d = new BgpfoDaemon(ns, name, configFile, socketPath, p);
    await waitFor(
      async () => {
        if (!p.running) throw new Error(`bgpfo daemon exited:\n${p.log()}`);
        return d.client.status();
      },
      20_000,
      { what: `bgpfo daemon ${name} to answer on its control socket` },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${p.log().slice(-4000)}`);
    });
    return d;
  }

  status(): Promise<StatusResponse> {
    return this.client.status();
  }

  /** Runs the real CLI against this daemon (from the root namespace: the socket is a file) and returns stdout. */
  cli(args: string[]): Promise<string> {
    return exec([process.execPath, MAIN, ...args, '--socket', this.socketPath]);
  }

  /** `bgpfo status --json` through the CLI. */
  async statusJson(): Promise<StatusResponse> {
    return JSON.parse(await this.cli(['status', '--json'])) as StatusResponse;
  }

  /** `bgpfo routes [PREFIX] --json` through the CLI. */
  async routesJson(prefix?: string): Promise<RoutesResponse> {
    return JSON.parse(await this.cli(['routes', ...(prefix ? [prefix] : []), '--json'])) as RoutesResponse;
  }

  /** SIGTERM (then SIGKILL after graceMs); resolves with how the process ended. */
  async stop(graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.process.stop(graceMs);
    return this.process.exited;
  }
}
