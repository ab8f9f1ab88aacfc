// `bgpfo up|down FILE --node NAME` on a real router host: probes what the host has, applies the node's changes
// one by one while recording each (before it acts) in a record file, and `down` undoes exactly the recorded ones.

import { ControlClient } from '../api/client';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildPlan, directoryKeySource, loadTopology, placeholderKeySource, renderBgpfoConfig, renderSystemdUnit, renderWireguard, type PlanNode } from '../orchestrator';
import { bgpfoCommand as defaultBgpfoCommand } from '../lab/daemons';
import { logTail, mustRun, poll, spawnDetached, stopProcess, systemRunner, type Runner } from '../lab/exec';
import { bgpfoNode, describeActions, HostError, hostActions, routeKey, type HostAction, type HostFacts, type HostPaths, type ServiceMode } from './actions';

export const HOST_RECORD_FORMAT = 'bgpfo-host-record/1';

export const DEFAULT_HOST_PATHS: HostPaths = { configDir: '/etc/bgpfo', runDir: '/run/bgpfo', stateDir: '/var/lib/bgpfo', unitDir: '/etc/systemd/system' };

export interface HostOptions {
  node: string;
  dryRun?: boolean;
  paths?: Partial<HostPaths>;
  service?: ServiceMode;
  /** WireGuard keys (default <configDir>/keys): both ends of a tunnel must use one key directory's keys. */
  keysDir?: string;
  runner?: Runner;
  bgpfoCommand?: string[];
  env?: NodeJS.ProcessEnv;
  /** Progress lines. */
  out?: (line: string) => void;
}

/** What `up` did: the actions (file contents left out: they hold keys), how many were started, the daemon. */
interface HostRecord {
  format: typeof HOST_RECORD_FORMAT;
  node: string;
  topologyFile: string;
  createdAt: string;
  actions: HostAction[];
  /** Actions attempted so far (each is counted before it runs, so a crash mid-way still gets undone). */
  applied: number;
  /** Directories `up` created, parents first. */
  createdDirs: string[];
  daemon?: { pid: number; startTime: number };
}

export interface HostResult {
  node: string;
  dryRun: boolean;
  /** Shell-like lines of what was (or would be) done. */
  lines: string[];
  recordFile: string;
  /** What stands in the way on this host (a dry run reports them; a real run refuses). */
  problems?: string[];
}

function pathsOf(o: HostOptions): HostPaths {
  return { ...DEFAULT_HOST_PATHS, ...o.paths };
}

function recordFile(paths: HostPaths, node: string): string {
  return join(paths.stateDir, `host-${node}.json`);
}

async function probe(node: PlanNode, files: string[], runner: Runner, dryRun: boolean): Promise<HostFacts> {
  const addrs = JSON.parse(await mustRun(runner, ['ip', '-j', 'addr', 'show'])) as { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const interfaces: Record<string, string[]> = {};
  for (const l of addrs) interfaces[l.ifname] = (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  const sysctls: Record<string, string | undefined> = {};
  for (const k of Object.keys(node.sysctls)) {
    const f = `/proc/sys/${k.replace(/\./g, '/')}`;
    sysctls[k] = existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
  }
  const routes: string[] = [];
  for (const r of node.routes) {
    const j = JSON.parse((await runner.run(['ip', '-j', 'route', 'show', r.to, 'table', String(r.table ?? 'main')])).stdout || '[]') as { gateway?: string; dev?: string }[];
    if (j.some((x) => x.gateway === r.via && x.dev === r.dev)) routes.push(routeKey(r));
  }
  const rules = JSON.parse((await runner.run(['ip', '-j', 'rule', 'show'])).stdout || '[]') as { priority: number }[];
  const wantWg = node.interfaces.some((i) => i.kind === 'wireguard');
  // Loading the module is a change; a dry run only looks.
  if (wantWg && !dryRun && !existsSync('/sys/module/wireguard')) await runner.run(['modprobe', '-q', 'wireguard']);
  return {
    interfaces,
    sysctls,
    routes,
    rulePriorities: rules.map((r) => r.priority),
    kernelWireguard: existsSync('/sys/module/wireguard'),
    systemd: existsSync('/run/systemd/system'),
    existingFiles: files.filter((f) => existsSync(f)),
  };
}

function saveRecord(file: string, r: HostRecord): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // File contents are never stored: they hold private keys, and `down` only needs the paths.
  const lean = { ...r, actions: r.actions.map((a) => (a.kind === 'file' ? { ...a, content: '' } : a)) };
  writeFileSync(`${file}.tmp`, JSON.stringify(lean, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** mkdir -p that remembers which directories it made (so `down` removes exactly those). */
function makeDirs(dir: string, mode: number, made: string[]): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    mkdirSync(d, { mode });
    made.push(d);
  }
}

async function apply(a: HostAction, rec: HostRecord, runner: Runner, save: () => void): Promise<void> {
  if (a.kind === 'run') {
    await mustRun(runner, a.argv);
    return;
  }
  if (a.kind === 'file') {
    makeDirs(dirname(a.path), a.mode === 0o600 ? 0o700 : 0o755, rec.createdDirs);
    save();
    if (a.backup) renameSync(a.path, a.backup);
    writeFileSync(a.path, a.content, { mode: a.mode });
    chmodSync(a.path, a.mode);
    return;
  }
  makeDirs(dirname(a.log), 0o750, rec.createdDirs);
  const p = await spawnDetached(a.argv, a.log);
  rec.daemon = p;
  save();
  writeFileSync(a.pidFile, `${p.pid}\n`);
  const socket = join(dirname(a.pidFile), 'bgpfo.sock');
  const ok = await poll(() => new ControlClient({ socketPath: socket, timeoutMs: 2000 }).status(), 20_000, 200);
  if (!ok) throw new HostError('ERR_HOST_DAEMON', `the bgpfo daemon did not answer on ${socket} within 20 s; the end of ${a.log}:\n${logTail(a.log)}`);
}

export async function hostUp(file: string, o: HostOptions): Promise<HostResult> {
  const runner = o.runner ?? systemRunner;
  const paths = pathsOf(o);
  const plan = buildPlan(loadTopology(file));
  const node = bgpfoNode(plan, o.node);
  const recFile = recordFile(paths, node.name);
  if (existsSync(recFile)) throw new HostError('ERR_HOST_UP', `${node.name} is already up on this host (${recFile}); run bgpfo down ${file} --node ${node.name} first`);
  if (!o.dryRun && process.getuid?.() !== 0) throw new HostError('ERR_HOST_ROOT', 'bgpfo up changes interfaces, routes and sysctls: run it as root (or use --dry-run)');

  const keys = o.dryRun ? placeholderKeySource() : directoryKeySource(o.keysDir ?? join(paths.configDir, 'keys'));
  const cmd = o.bgpfoCommand ?? defaultBgpfoCommand(o.env);
  const wg = Object.fromEntries(renderWireguard(plan, node.name, keys).map((w) => [w.ifname, w.text]));
  const files = {
    bgpfoYaml: renderBgpfoConfig(plan, node.name, { controlSocket: join(paths.runDir, 'bgpfo.sock') }),
    wireguard: wg,
    systemdUnit: renderSystemdUnit(plan, node.name, { bgpfoBin: cmd.join(' '), configPath: join(paths.configDir, 'bgpfo.yaml') }),
  };
  const candidates = [join(paths.configDir, 'bgpfo.yaml'), join(paths.unitDir, 'bgpfo.service'), ...Object.keys(wg).flatMap((i) => [join(paths.configDir, 'wireguard', `${i}.conf`), join(paths.configDir, 'wireguard', `${i}.setconf`)])];
  const facts = await probe(node, candidates, runner, Boolean(o.dryRun));
  const { actions, problems } = hostActions(plan, node, facts, { paths, service: o.service ?? 'auto', bgpfoCommand: cmd, files });
  const lines = describeActions(actions, 'up');
  if (o.dryRun) return { node: node.name, dryRun: true, lines: [...problems.map((p) => `# problem: ${p}`), ...lines], recordFile: recFile, problems };
  if (problems.length) throw new HostError('ERR_HOST_PROBLEMS', `cannot bring ${node.name} up on this host:\n  ${problems.join('\n  ')}`);

  const rec: HostRecord = { format: HOST_RECORD_FORMAT, node: node.name, topologyFile: file, createdAt: new Date().toISOString(), actions, applied: 0, createdDirs: [] };
  const save = () => saveRecord(recFile, rec);
  makeDirs(paths.stateDir, 0o700, rec.createdDirs);
  save();
  for (const [i, a] of actions.entries()) {
    o.out?.(`[${i + 1}/${actions.length}] ${lines[i]}`);
    rec.applied = i + 1;
    save();
    try {
      await apply(a, rec, runner, save);
    } catch (e) {
      o.out?.('failed; undoing what was done');
      await hostDown(file, { ...o, node: node.name }).catch((d: Error) => o.out?.(`undo: ${d.message}`));
      throw e;
    }
  }
  return { node: node.name, dryRun: false, lines, recordFile: recFile };
}

/**
 * Undoes what `up` recorded, last change first (the record, not the topology file as it is now, says what).
 * Without a record there is nothing to undo.
 */
export async function hostDown(_file: string | undefined, o: HostOptions): Promise<HostResult> {
  const runner = o.runner ?? systemRunner;
  const paths = pathsOf(o);
  const recFile = recordFile(paths, o.node);
  if (!existsSync(recFile)) return { node: o.node, dryRun: Boolean(o.dryRun), lines: [], recordFile: recFile };
  const rec = JSON.parse(readFileSync(recFile, 'utf8')) as HostRecord;
  if (rec.format !== HOST_RECORD_FORMAT) throw new HostError('ERR_HOST_RECORD', `${recFile} is not a bgpfo host record`);
  const done = rec.actions.slice(0, rec.applied);
  const lines = describeActions(done, 'down');
  if (o.dryRun) return { node: rec.node, dryRun: true, lines, recordFile: recFile };

  const problems: string[] = [];
  for (const a of [...done].reverse()) {
    if (a.kind === 'run' && a.undo) {
      const r = await runner.run(a.undo);
      if (r.code !== 0) problems.push(`${a.undo.join(' ')}: ${r.stderr.trim()}`);
    }
    if (a.kind === 'file') {
      rmSync(a.path, { force: true });
      if (a.backup && existsSync(a.backup)) renameSync(a.backup, a.path);
    }
    if (a.kind === 'daemon') {
      if (rec.daemon) await stopProcess(rec.daemon, 5000);
      // The daemon has stopped: its socket's instance lock (src/daemon/instance-lock.ts) is free and goes with the rest.
      const socket = join(dirname(a.pidFile), 'bgpfo.sock');
      for (const f of [a.pidFile, a.log, socket, `${socket}.lock`]) rmSync(f, { force: true });
    }
  }
  rmSync(recFile, { force: true });
  for (const d of [...rec.createdDirs].reverse()) {
    try {
      if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
    } catch {
      // a directory something else now uses stays
    }
  }
  o.out?.(`${rec.node}: ${done.length} changes undone${problems.length ? `; ${problems.length} could not be: ${problems.join('; ')}` : ''}`);
  return { node: rec.node, dryRun: false, lines, recordFile: recFile };
}
