// renderAll: writes every file a plan implies into one directory (plan.json, diagram, containerlab file,
// per-node daemon configs, WireGuard and IPsec configs with keys, setup scripts, systemd units).

import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Plan, PlanNode } from '../plan/types';
import { renderBgpfoConfig } from './bgpfo';
import { renderBirdConfig } from './bird';
import { CLAB_CONFIG_DIR, renderClab, type ClabImages } from './clab';
import { FRR_VTYSH_CONF, renderFrrConfig, renderFrrDaemons } from './frr';
import { renderSwanctl } from './ipsec';
import { directoryKeySource, placeholderKeySource, randomKeySource, type KeySource } from './keys';
import { renderSetupScript } from './setup';
import { renderSvg } from './svg';
import { renderSystemdUnit } from './systemd';
import { renderWireguard } from './wireguard';

export interface RenderOptions {
  /**
   * Where WireGuard keys and IPsec secrets come from: 'keep' (default) reads them from <outDir>/keys and
   * creates the missing ones, so a re-render keeps working tunnels; 'random' makes new ones every time;
   * 'placeholder' writes markers instead (for files that are committed); or any KeySource.
   */
  keys?: 'keep' | 'random' | 'placeholder' | KeySource;
  /** Where to write the containerlab file (default <outDir>/<lab>.clab.yml); binds are relative to it. */
  clabFile?: string;
  images?: Partial<ClabImages>;
  bgpfoBin?: string;
  /** The installed package's docs directory, linked from the systemd unit (systemd.ts installedBgpfo). */
  docsDir?: string;
  /** The bgpfo control socket per node (default /run/bgpfo/bgpfo.sock: one daemon per host or container). */
  controlSocket?: (node: PlanNode) => string;
}

export interface RenderResult {
  outDir: string;
  clabFile: string;
  /** Every file written, relative to outDir (the clab file relative to outDir too), sorted. */
  files: string[];
  /** Files holding private keys (mode 0600). */
  secretFiles: string[];
}

/** Marks a directory as ours, so rendering again may replace what the last render wrote there. */
export const RENDER_MARKER = '.bgpfo-render';

function keySource(opt: RenderOptions['keys'], outDir: string): KeySource {
  if (opt === undefined || opt === 'keep') return directoryKeySource(join(outDir, 'keys'));
  if (opt === 'random') return randomKeySource();
  if (opt === 'placeholder') return placeholderKeySource();
  return opt;
}

/** The files of one node: name (relative to its directory) -> [text, mode]. */
export function renderNodeFiles(plan: Plan, node: PlanNode, keys: KeySource, opts: Pick<RenderOptions, 'bgpfoBin' | 'docsDir' | 'controlSocket'> = {}): Map<string, [string, number]> {
  const files = new Map<string, [string, number]>();
  files.set('setup.sh', [renderSetupScript(plan, node.name, { configDir: CLAB_CONFIG_DIR }), 0o755]);
  if (node.runs === 'bgpfo') {
    files.set('bgpfo.yaml', [renderBgpfoConfig(plan, node.name, { controlSocket: opts.controlSocket?.(node) }), 0o644]);
    files.set('bgpfo.service', [renderSystemdUnit(plan, node.name, { bgpfoBin: opts.bgpfoBin, docsDir: opts.docsDir }), 0o644]);
  }
  if (node.runs === 'frr') {
    files.set('frr.conf', [renderFrrConfig(plan, node.name), 0o644]);
    files.set('daemons', [renderFrrDaemons(plan, node.name), 0o644]);
    files.set('vtysh.conf', [FRR_VTYSH_CONF, 0o644]);
  }
  if (node.runs === 'bird') files.set('bird.conf', [renderBirdConfig(plan, node.name), 0o644]);
  for (const wg of renderWireguard(plan, node.name, keys)) files.set(`wireguard/${wg.fileName}`, [wg.text, 0o600]);
  const swanctl = renderSwanctl(plan, node.name, keys);
  if (swanctl) files.set('swanctl.conf', [swanctl, 0o600]);
  return files;
}

function renderDirError(dir: string, why: string): Error {
  return Object.assign(new Error(`cannot create the output directory ${dir}: ${why}; choose a directory you can write`), { code: 'ERR_RENDER_DIR' });
}

/**
 * mkdir -p that refuses what it cannot create instead of trusting mkdirSync's recursive mode, which spins forever
 * on some special file systems (`--out /proc/foo`): one level at a time from the nearest existing directory.
 */
function makeDirChecked(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw renderDirError(dir, `${at}: ${code ?? (e as Error).message}`);
    }
    if (st) {
      if (!st.isDirectory()) throw renderDirError(dir, `${at} is not a directory`);
      break;
    }
    if (dirname(at) === at) throw renderDirError(dir, 'no existing parent directory');
    missing.unshift(at);
    at = dirname(at);
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw renderDirError(dir, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
    if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw renderDirError(dir, `${d} was not created`);
  }
}

function prepareDir(outDir: string) {
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, RENDER_MARKER))) {
    throw Object.assign(new Error(`${outDir} is not empty and was not written by bgpfo render; choose a new or empty directory`), { code: 'ERR_RENDER_DIR' });
  }
  makeDirChecked(outDir);
  // Replace the last render's node files (a node may have been renamed); keys/ stays.
  rmSync(join(outDir, 'nodes'), { recursive: true, force: true });
}

function write(path: string, text: string, mode: number) {
  mkdirSync(dirname(path), { recursive: true });
  // A directory of nothing but secrets (nodes/*/wireguard) is private too.
  if (mode === 0o600 && dirname(path).endsWith('/wireguard')) chmodSync(dirname(path), 0o700);
  writeFileSync(path, text, { mode });
  chmodSync(path, mode); // writeFileSync leaves an existing file's mode as it was
}

/** Renders everything for `plan` into `outDir`. Deterministic except for generated keys. */
export function renderAll(plan: Plan, outDir: string, opts: RenderOptions = {}): RenderResult {
  const root = resolve(outDir);
  prepareDir(root);
  const keys = keySource(opts.keys, root);
  const clabFile = resolve(opts.clabFile ?? join(root, `${plan.lab}.clab.yml`));
  const written: string[] = [];
  const secretFiles: string[] = [];
  const put = (path: string, text: string, mode = 0o644) => {
    write(path, text, mode);
    written.push(relative(root, path));
    if (mode === 0o600) secretFiles.push(relative(root, path));
  };

  put(join(root, RENDER_MARKER), `Written by bgpfo render from ${plan.source}; bgpfo render may replace this directory's nodes/.\n`);
  put(join(root, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
  put(join(root, 'diagram.svg'), renderSvg(plan));
  const nodeDir = (n: PlanNode) => join(root, 'nodes', n.name);
  for (const node of plan.nodes) {
    for (const [name, [text, mode]] of renderNodeFiles(plan, node, keys, opts)) put(join(nodeDir(node), name), text, mode);
  }
  put(clabFile, renderClab(plan, { images: opts.images, nodeDir: (n) => relative(dirname(clabFile), nodeDir(n)) || '.' }));
  if (keys.kind !== 'real') rmSync(join(root, '.gitignore'), { force: true });
  else {
    put(join(root, '.gitignore'), '# Private keys and the configs that embed them never go into version control.\nkeys/\nnodes/*/wireguard/\nnodes/*/swanctl.conf\n');
  }
  return { outDir: root, clabFile, files: written.sort(), secretFiles: secretFiles.sort() };
}
