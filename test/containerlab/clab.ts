// Stands in for `containerlab deploy|destroy|inspect` in the integration tests: containerlab itself is not
// installable on the build machines (not in Debian or npm), Docker is. It reads the same *.clab.yml and does what
// containerlab's docker runtime does for `kind: linux` nodes: one container per node named clab-<lab>-<node>
// (hostname <node>, binds, labels, sysctls), /run/netns/clab-<lab>-<node> linked to its namespace, each link a veth
// pair (MTU 9500) with the endpoint names, then every node's exec commands. Unlike containerlab it creates no
// management network (--network none: these machines may not touch the host's addresses), a failing exec command
// fails the deploy (containerlab only logs it), and containers are not privileged (this machine cannot start
// privileged ones): they get /dev/net/tun and the capabilities of their `bgpfo.cap-add` label (NET_ADMIN; FRR
// nodes also SYS_ADMIN), which shows the nodes need no more than that.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

interface ClabNode {
  kind: string;
  image: string;
  labels?: Record<string, string>;
  binds?: string[];
  sysctls?: Record<string, string | number>;
  exec?: string[];
}
interface ClabFile {
  name: string;
  prefix?: string;
  topology: { nodes: Record<string, ClabNode>; links: { endpoints: string[] }[] };
}

const LINK_MTU = 9500; // containerlab's default for veth links

function run(argv: string[], opts: { check?: boolean; quiet?: boolean } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  const res = { code: r.status ?? 1, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  if (opts.check !== false && res.code !== 0) {
    throw new Error(`${argv.join(' ')} failed (exit ${res.code}): ${(res.err || res.out).trim()}`);
  }
  return res;
}

const log = (line: string) => process.stderr.write(`containerlab(harness): ${line}\n`);

/** containerlab's shlex split of an exec line: words, single and double quotes. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

function load(file: string): { topo: ClabFile; dir: string } {
  const topo = parse(readFileSync(file, 'utf8')) as ClabFile;
  if (!topo?.name || !topo.topology?.nodes) throw new Error(`${file}: not a containerlab topology (name and topology.nodes are required)`);
  for (const [n, node] of Object.entries(topo.topology.nodes)) if (node.kind !== 'linux') throw new Error(`${file}: node ${n} is kind ${node.kind}; this harness runs kind linux only`);
  return { topo, dir: dirname(resolve(file)) };
}

const containerName = (topo: ClabFile, node: string) => `${topo.prefix ?? 'clab'}-${topo.name}-${node}`;

function labContainers(lab: string): string[] {
  return run(['docker', 'ps', '-a', '--filter', `label=containerlab=${lab}`, '--format', '{{.Names}}']).out.split('\n').filter(Boolean);
}

function destroy(file: string, cleanup: boolean): void {
  const { topo, dir } = load(file);
  const names = labContainers(topo.name);
  if (names.length) run(['docker', 'rm', '-f', ...names]);
  for (const n of Object.keys(topo.topology.nodes)) rmSync(join('/run/netns', containerName(topo, n)), { force: true });
  if (cleanup) rmSync(join(dir, `clab-${topo.name}`), { recursive: true, force: true });
  log(`destroyed lab ${topo.name}: ${names.length} containers removed`);
}

function deploy(file: string, reconfigure: boolean): void {
  const { topo, dir } = load(file);
  if (labContainers(topo.name).length) {
    if (!reconfigure) throw new Error(`lab ${topo.name} is already deployed: destroy it first or deploy with --reconfigure`);
    destroy(file, true);
  }
  mkdirSync(join(dir, `clab-${topo.name}`), { recursive: true });
  mkdirSync('/run/netns', { recursive: true });
  const absFile = resolve(file);
  const started = Date.now();
  for (const [name, node] of Object.entries(topo.topology.nodes)) {
    const c = containerName(topo, name);
    const labels = { containerlab: topo.name, 'clab-node-name': name, 'clab-node-kind': node.kind, 'clab-topo-file': absFile, ...node.labels };
    const binds = (node.binds ?? []).map((b) => {
      const [host, ...rest] = b.split(':');
      return [isAbsolute(host!) ? host : resolve(dir, host!), ...rest].join(':');
    });
    run([
      'docker', 'run', '-d', '--name', c, '--hostname', name, '--network', 'none', '--device', '/dev/net/tun',
      ...(node.labels?.['bgpfo.cap-add'] ?? 'NET_ADMIN').split(',').flatMap((cap) => ['--cap-add', cap]),
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      ...Object.entries(node.sysctls ?? {}).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`]),
      ...binds.flatMap((b) => ['-v', b]),
      node.image,
    ]);
    const pid = run(['docker', 'inspect', '--format', '{{.State.Pid}}', c]).out.trim();
    const ns = join('/run/netns', c);
    rmSync(ns, { force: true });
    symlinkSync(`/proc/${pid}/ns/net`, ns);
  }
  log(`${Object.keys(topo.topology.nodes).length} containers started`);
  topo.topology.links.forEach((l, i) => {
    if (l.endpoints.length !== 2) throw new Error(`links[${i}]: a veth link has two endpoints`);
    const ends = l.endpoints.map((e) => {
      const [node, ifname] = e.split(':') as [string, string];
      if (!(node in topo.topology.nodes)) throw new Error(`links[${i}]: ${e} names no node`);
      return { ns: containerName(topo, node), ifname };
    });
    // Temporary names in the host namespace (unique per lab and link), renamed once inside the containers.
    const tmp = ends.map((_, k) => `clt${process.pid % 10000}x${i}${k ? 'b' : 'a'}`);
    run(['ip', 'link', 'add', tmp[0]!, 'mtu', String(LINK_MTU), 'type', 'veth', 'peer', 'name', tmp[1]!, 'mtu', String(LINK_MTU)]);
    ends.forEach((e, k) => {
      run(['ip', 'link', 'set', tmp[k]!, 'netns', e.ns]);
      run(['ip', '-n', e.ns, 'link', 'set', tmp[k]!, 'name', e.ifname]);
      run(['ip', '-n', e.ns, 'link', 'set', e.ifname, 'up']);
    });
  });
  log(`${topo.topology.links.length} links created`);
  const failed: string[] = [];
  for (const [name, node] of Object.entries(topo.topology.nodes)) {
    for (const line of node.exec ?? []) {
      const r = run(['docker', 'exec', containerName(topo, name), ...splitWords(line)], { check: false });
      if (r.code !== 0) failed.push(`${name}: "${line}" exited ${r.code}: ${(r.err || r.out).trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  if (failed.length) throw new Error(`exec failed on ${failed.length} node(s):\n  ${failed.join('\n  ')}`);
  log(`lab ${topo.name} deployed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function inspect(file: string): void {
  const { topo } = load(file);
  const rows = labContainers(topo.name).map((c) => {
    const [state, image, pid] = run(['docker', 'inspect', '--format', '{{.State.Status}} {{.Config.Image}} {{.State.Pid}}', c]).out.trim().split(' ');
    return { name: c, state, image, pid: Number(pid) };
  });
  process.stdout.write(JSON.stringify({ [topo.name]: rows }, null, 1) + '\n');
}

function main(args: string[]): number {
  const cmd = args[0];
  const at = args.findIndex((a) => a === '-t' || a === '--topo');
  const file = at >= 0 ? args[at + 1] : undefined;
  if (cmd === 'version') {
    process.stdout.write('containerlab test harness (bgpfo test/containerlab/clab.ts): deploy, destroy, inspect of kind linux nodes\n');
    return 0;
  }
  if (!cmd || !['deploy', 'destroy', 'inspect'].includes(cmd) || !file || !existsSync(file)) {
    process.stderr.write('usage: containerlab deploy|destroy|inspect -t FILE.clab.yml [--reconfigure] [--cleanup]\n');
    return 2;
  }
  try {
    if (cmd === 'deploy') deploy(file, args.includes('--reconfigure'));
    else if (cmd === 'destroy') destroy(file, args.includes('--cleanup'));
    else inspect(file);
    return 0;
  } catch (e) {
    log(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
/** For tests that look for leftovers: the /run/netns links of a lab. */
export function netnsLinks(lab: string): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`clab-${lab}-`)) : [];
}
