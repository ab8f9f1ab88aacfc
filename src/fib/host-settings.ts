// Host sysctls the failover depends on: forwarding, loose reverse-path filtering on the tunnels, L4 multipath
// hashing, nexthop compat mode. Checked at start, applied on request, put back on a clean stop, each problem said plainly.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HostProblem {
  /** sysctl name, e.g. "net.ipv4.conf.wg0.rp_filter". */
  key: string;
  expected: string;
  /** null when the setting does not exist (e.g. the interface is missing). */
  actual: string | null;
  message: string;
}

export interface HostChange {
  key: string;
  from: string | null;
  to: string;
}

export interface HostSettingsReport {
  ok: boolean;
  /** What is still wrong (after applying, when asked to). */
  problems: HostProblem[];
  /** What was changed. */
  changes: HostChange[];
}

export interface HostSettingsOptions {
  apply: boolean;
  /** Check the settings of this network namespace instead of ours. */
  netns?: string;
  /** Root of the sysctl tree (tests point it at a directory of files); default /proc/sys. */
  procRoot?: string;
}

interface Wanted {
  key: string;
  want: string;
  why: string;
}

const IFNAME = /^[A-Za-z0-9_.:+-]{1,15}$/;

export function wantedSettings(ifnames: string[]): Wanted[] {
  const loose =
    'loose (2): in active/active, traffic leaves over one tunnel and its replies may return over another, which strict mode (1) drops';
  return [
    { key: 'net.ipv4.ip_forward', want: '1', why: 'without IPv4 forwarding the host drops traffic between the LAN and the tunnels' },
    { key: 'net.ipv6.conf.all.forwarding', want: '1', why: 'without IPv6 forwarding the host drops IPv6 traffic between the LAN and the tunnels' },
    // The kernel filters with max(conf.all, conf.<if>), so a strict "all" would override the interfaces.
    { key: 'net.ipv4.conf.all.rp_filter', want: '2', why: loose },
    ...ifnames.map((i) => ({ key: `net.ipv4.conf.${i}.rp_filter`, want: '2', why: loose })),
    { key: 'net.ipv4.fib_multipath_hash_policy', want: '1', why: 'ECMP must hash on ports (policy 1) so flows between two hosts spread over the tunnels' },
    { key: 'net.ipv6.fib_multipath_hash_policy', want: '1', why: 'ECMP must hash on ports (policy 1) so IPv6 flows spread over the tunnels' },
    // With compat mode on (the default), replacing a group's members makes the kernel send a route
    // notification for every prefix using it: measured 0.75 s for 1M routes, instead of about 1 ms.
    {
      key: 'net.ipv4.nexthop_compat_mode',
      want: '0',
      why: 'in compat mode a nexthop group change costs one kernel notification per route using it, so failover time grows with the table',
    },
  ];
}

/** "net.ipv4.conf.wg0.rp_filter" -> "net/ipv4/conf/wg0/rp_filter" (interface names may hold dots). */
function keyToPath(key: string): string {
  const m = /^net\.(ipv[46])\.conf\.(.+)\.([a-z_]+)$/.exec(key);
  if (m) return `net/${m[1]}/conf/${m[2]}/${m[3]}`;
  return key.replace(/\./g, '/');
}

/** Checks (and with apply, fixes) the settings for these tunnel interfaces. */
export async function checkHostSettings(ifnames: string[], options: HostSettingsOptions): Promise<HostSettingsReport> {
  const problems: HostProblem[] = [];
  const changes: HostChange[] = [];
  const bad = ifnames.filter((i) => !IFNAME.test(i));
  for (const i of bad) problems.push({ key: `net.ipv4.conf.${i}.rp_filter`, expected: '2', actual: null, message: `"${i}" is not an interface name` });
  const wanted = wantedSettings(ifnames.filter((i) => IFNAME.test(i)));
  const access = sysctlAccess(options);
  const current = await access.read(wanted.map((w) => keyToPath(w.key)));
  for (let i = 0; i < wanted.length; i++) {
    const w = wanted[i];
    let actual = current[i];
    if (actual === null) {
      const iface = /^net\.ipv4\.conf\.(.+)\.rp_filter$/.exec(w.key)?.[1];
      const what = iface && iface !== 'all' ? `interface ${iface} does not exist` : `${w.key} does not exist on this kernel`;
      problems.push({ key: w.key, expected: w.want, actual, message: `${what}; cannot check ${w.key} (${w.why})` });
      continue;
    }
    if (actual === w.want) continue;
    if (options.apply) {
      const err = await access.write(keyToPath(w.key), w.want);
      const after = err ? actual : (await access.read([keyToPath(w.key)]))[0];
      if (after === w.want) {
        changes.push({ key: w.key, from: actual, to: w.want });
        continue;
      }
      actual = after;
      problems.push({ key: w.key, expected: w.want, actual, message: `${w.key} is ${actual} and could not be set to ${w.want}${err ? ': ' + err : ''}; ${w.why}` });
      continue;
    }
    problems.push({
      key: w.key,
      expected: w.want,
      actual,
      message: `${w.key} is ${actual}, bgpfo needs ${w.want}: ${w.why}. Fix: sysctl -w ${w.key}=${w.want}, or let bgpfo apply host settings`,
    });
  }
  return { ok: problems.length === 0, problems, changes };
}

export interface RestoreReport {
  /** Written back to their value before bgpfo. */
  restored: HostChange[];
  /** Left as they are, and why (changed by someone else since, gone with its interface, write failed). */
  skipped: { key: string; reason: string }[];
}

/**
 * Puts back what checkHostSettings changed, newest first: each setting only while it still holds the value bgpfo set
 * (an operator's later change wins), and only where bgpfo knew the value before (from is not null).
 */
export async function restoreHostSettings(changes: readonly HostChange[], options: Omit<HostSettingsOptions, 'apply'>): Promise<RestoreReport> {
  const access = sysctlAccess({ ...options, apply: true });
  const report: RestoreReport = { restored: [], skipped: [] };
  const todo = [...changes].reverse();
  const now = await access.read(todo.map((c) => keyToPath(c.key)));
  for (let i = 0; i < todo.length; i++) {
    const c = todo[i];
    if (c.from === null) {
      report.skipped.push({ key: c.key, reason: 'its value before bgpfo is unknown' });
      continue;
    }
    if (now[i] === null) {
      report.skipped.push({ key: c.key, reason: 'it no longer exists (interface gone?)' });
      continue;
    }
    if (now[i] !== c.to) {
      report.skipped.push({ key: c.key, reason: `it was changed since bgpfo set it (now ${now[i]}, bgpfo set ${c.to}): left as it is` });
      continue;
    }
    const err = await access.write(keyToPath(c.key), c.from);
    if (err) report.skipped.push({ key: c.key, reason: `writing ${c.from} failed: ${err}` });
    else report.restored.push({ key: c.key, from: c.to, to: c.from });
  }
  return report;
}

interface SysctlAccess {
  /** Values of the files (trimmed), null where missing. */
  read(paths: string[]): Promise<(string | null)[]>;
  /** Error text, or undefined on success. */
  write(path: string, value: string): Promise<string | undefined>;
}

function sysctlAccess(options: HostSettingsOptions): SysctlAccess {
  const root = options.procRoot ?? '/proc/sys';
  if (!options.netns) {
    return {
      read: (paths) => Promise.all(paths.map((p) => readFile(join(root, p), 'utf8').then((s) => s.trim(), () => null))),
      write: (path, value) => writeFile(join(root, path), value + '\n').then(() => undefined, (e: Error) => e.message),
    };
  }
  // /proc/sys/net shows the namespace of the reading process, so read and write from inside it.
  const netns = options.netns;
  const run = (script: string, args: string[]): Promise<{ out: string; err?: string }> =>
    new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', netns, 'sh', '-c', script, 'sh', ...args], (err, stdout, stderr) =>
        resolve({ out: stdout, err: err ? stderr.trim() || err.message : undefined }),
      );
    });
  return {
    async read(paths) {
      const { out } = await run('for f in "$@"; do if [ -r "$f" ]; then printf "%s\\n" "$(cat "$f")"; else echo "-"; fi; done', paths.map((p) => join(root, p)));
      const lines = out.split('\n');
      return paths.map((_, i) => (lines[i] === undefined || lines[i] === '-' ? null : lines[i].trim()));
    },
    async write(path, value) {
      return (await run('printf "%s\\n" "$2" > "$1"', [join(root, path), value])).err;
    },
  };
}
