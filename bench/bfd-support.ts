// Shared by the BFD benchmarks: CPU load (stress-ng), static BFD configs for BIRD and FRR bfdd, Downs from BIRD's log,
// CPU/RSS of a process from /proc, and a packet-capture reading that says which side went silent before a Down.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { exec, type Bird, type Netns } from '../test/integration/harness';

/** stress-ng --cpu N on every core (N = cores) until stopped or `seconds` pass. */
export function stressAllCores(seconds: number): ChildProcess {
  if (spawnSync('stress-ng', ['--version']).status !== 0) {
    throw new Error('stress-ng is not installed: run scripts/setup.sh (Debian package stress-ng)');
  }
  return spawn('stress-ng', ['--cpu', String(cpus().length), '--timeout', `${seconds}s`, '--quiet'], { stdio: 'ignore' });
}

export async function addAddresses(ns: Netns, ifname: string, cidrs: string[]): Promise<void> {
  // One `ip -batch` rather than hundreds of processes.
  await ns.exec(['ip', '-batch', '-'], { input: cidrs.map((c) => `addr add ${c} dev ${ifname}`).join('\n') + '\n' });
}

/** BIRD with static BFD sessions (`neighbor PEER local OURS`), logging every state change (for birdDowns). */
export function birdBfdStatic(routerId: string, sessions: { local: string; peer: string }[], ms: number, mult: number, extra = ''): string {
  return `router id ${routerId};
log stderr all;
protocol device {}
protocol bfd {
  debug { events };
  interface "*" { interval ${ms} ms; multiplier ${mult}; };
${sessions.map((s) => `  neighbor ${s.peer} local ${s.local};`).join('\n')}
}
${extra}`;
}

/** FRR bfdd peers (`peer P local-address L`) at one interval and multiplier. */
export function frrBfdStatic(sessions: { local: string; peer: string }[], ms: number, mult: number): string {
  const lines = ['log stdout informational', 'bfd'];
  for (const s of sessions) lines.push(` peer ${s.peer} local-address ${s.local}`, `  receive-interval ${ms}`, `  transmit-interval ${ms}`, `  detect-multiplier ${mult}`, ' !');
  return lines.concat('!', '').join('\n');
}

/** BIRD's logged Up -> Down changes, optionally only for sessions to the given remote addresses. */
export function birdDowns(bird: Bird, remotes?: Set<string>): number {
  let n = 0;
  for (const m of bird.process.log().matchAll(/Session to (\S+) changed state from Up to Down/g)) if (!remotes || remotes.has(m[1]!)) n++;
  return n;
}

/** Sessions Up in BIRD (`show bfd sessions`). */
export async function birdUpCount(bird: Bird): Promise<number> {
  const out = await bird.birdc('show bfd sessions');
  return out.split('\n').filter((l) => /\sUp\s/.test(l)).length;
}

/**
 * CPU seconds (user + system), RSS, and private memory (what the process alone holds: RSS counts the shared pages of
 * its executable and libraries, e.g. the node binary the daemon maps too) of a process, from /proc.
 */
export function procCost(pid: number): { cpuS: number; rssBytes: number; privateBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(roll)?.[1] ?? 0);
    return { cpuS: ticks / 100, rssBytes: rss ? Number(rss[1]) * 1024 : 0, privateBytes: (kb('Private_Clean') + kb('Private_Dirty')) * 1024 };
  } catch {
    return undefined;
  }
}

/** A pid by its command line in a namespace (e.g. FRR's bfdd). */
export async function pidIn(ns: Netns, pattern: string): Promise<number | undefined> {
  const pids = (await exec(['ip', 'netns', 'pids', ns.name])).split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(pattern)) return pid;
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** tcpdump of BFD Control packets on an interface of a namespace, to a file. */
export function captureBfd(ns: Netns, ifname: string, file: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns.name, 'tcpdump', '-i', ifname, '-n', '-B', '8192', '-w', file, 'udp', 'port', '3784'], { stdio: 'ignore' });
}

interface Pkt {
  t: number;
  src: string;
  dst: string;
  state: string;
}

function readPcap(file: string): Pkt[] {
  const out = spawnSync('tcpdump', ['-r', file, '-n', '-tt'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;
  const pkts: Pkt[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+\.\d+) IP6? (\S+?)\.\d+ > (\S+?)\.3784: BFDv1, Control, State (\w+)/.exec(line);
    if (m) pkts.push({ t: Number(m[1]) * 1000, src: m[2]!, dst: m[3]!, state: m[4]! });
  }
  return pkts;
}

export interface SilenceReport {
  /** When a side first said Down (or Init) after Up: epoch ms. */
  at: number;
  session: string;
  /** The side that sent the Down. */
  saidDown: string;
  /** Longest silence of each direction in the second before, ms (what the capture saw on the wire). */
  silentMs: Record<string, number>;
  /** The direction that went silent for longer than the detection time, if one did. */
  wentSilent: string | undefined;
}

/**
 * Every Up -> Down/Init in the capture, with the longest silence of each direction in the second before it: the side
 * whose packets stopped is the one that went silent; if neither stopped for a detection time, the Down was a decision
 * (AdminDown, or a timer that fired although packets were on the wire).
 */
export function silencesBeforeDowns(file: string, detectionMs: number): { packets: number; downs: SilenceReport[]; longestGap: Record<string, number> } {
  const pkts = readPcap(file);
  const bySession = new Map<string, Pkt[]>();
  const longestGap: Record<string, number> = {};
  const lastOfDir = new Map<string, number>();
  for (const p of pkts) {
    const key = [p.src, p.dst].sort().join(' <-> ');
    (bySession.get(key) ?? bySession.set(key, []).get(key)!).push(p);
    const dir = `${p.src} -> ${p.dst}`;
    const prev = lastOfDir.get(dir);
    if (prev !== undefined) longestGap[dir] = Math.max(longestGap[dir] ?? 0, p.t - prev);
    lastOfDir.set(dir, p.t);
  }
  const downs: SilenceReport[] = [];
  for (const [session, list] of bySession) {
    const last = new Map<string, string>();
    for (const p of list) {
      const before = last.get(p.src);
      last.set(p.src, p.state);
      if (before !== 'Up' || (p.state !== 'Down' && p.state !== 'Init')) continue;
      const silentMs: Record<string, number> = {};
      for (const dir of new Set(list.map((q) => `${q.src} -> ${q.dst}`))) {
        const times = list.filter((q) => `${q.src} -> ${q.dst}` === dir && q.t >= p.t - 1000 && q.t <= p.t).map((q) => q.t);
        let gap = times.length ? times[0]! - (p.t - 1000) : 1000;
        for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
        if (times.length) gap = Math.max(gap, p.t - times[times.length - 1]!);
        silentMs[dir] = Math.round(gap);
      }
      const silent = Object.entries(silentMs).filter(([, g]) => g >= detectionMs).sort((a, b) => b[1] - a[1])[0];
      downs.push({ at: p.t, session, saidDown: p.src, silentMs, wentSilent: silent?.[0] });
    }
  }
  return { packets: pkts.length, downs: downs.sort((a, b) => a.at - b.at), longestGap };
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
}

export async function loadAverage(): Promise<string> {
  return (await exec(['uptime'])).trim();
}
