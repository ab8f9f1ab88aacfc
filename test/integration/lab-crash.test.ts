// Two labs at once, and a crash: `bgpfo lab up` killed (SIGKILL) half-way leaves a state file that lets
// `bgpfo lab down` remove everything it had made, without touching the other lab. Also the CLI end to end:
// status --json, exec, a second `up` of a lab that is up. And a daemon killed with SIGKILL takes its helpers along.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { labDown, labLayout, loadState, sessionStates, statePath, systemRunner, type LabUpResult } from '../../src/lab';
import { AA4, CLI, leftovers, upLab } from './lab-support';
import { exec, execAny, waitFor } from './harness';

jest.setTimeout(120_000);

const A = 'itca';
const B = 'itcb';
let a: LabUpResult;

beforeAll(async () => {
  await labDown(B);
  a = await upLab(AA4, A, { tunnelType: 'veth' });
});
afterAll(async () => {
  await labDown(B);
  await labDown(A);
});

test('the CLI shows the lab (status --json), runs commands in a node, and refuses a second up of it', async () => {
  const status = JSON.parse(await exec([...CLI, 'lab', 'status', A, '--json'])) as { tunnels: { up: boolean }[]; sessions: { state: string }[] };
  expect(status.tunnels.map((t) => t.up)).toEqual([true, true, true, true]);
  expect(status.sessions.every((s) => s.state === 'Established')).toBe(true);
  expect(await exec([...CLI, 'lab', 'exec', A, 'r1', '--', 'ip', '-o', 'addr', 'show', 'dev', 'lan'])).toContain('10.255.0.2/30');
  const again = await execAny([...CLI, 'lab', 'up', AA4, '--name', A, '--tunnel', 'veth']);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain(`lab ${A} is already up; run bgpfo lab down --name ${A} first`);
});

test('lab up killed half-way is removed completely by lab down, and the other lab is untouched', async () => {
  const child = spawn(CLI[0], [...CLI.slice(1), 'lab', 'up', AA4, '--name', B, '--tunnel', 'veth'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  // Kill it once daemons are starting: namespaces, links and some daemons exist, the wait has not begun.
  await waitFor(() => /\[5\/6\] starting daemons/.test(out) && (loadState(B)?.processes.length ?? 0) >= 2, 60_000, { what: 'lab up to start its first daemons' });
  child.kill('SIGKILL');
  await exited;

  const state = loadState(B)!;
  expect(state.phase).toBe('creating');
  expect(state.namespaces.length).toBe(a.plan.nodes.length);
  // Its daemons outlive it (they are detached on purpose): down must find them through the state file.
  expect((await leftovers(state)).processes.length).toBeGreaterThanOrEqual(2);
  expect(existsSync(statePath(B))).toBe(true);

  const down = await exec([...CLI, 'lab', 'down', '--name', B]);
  expect(down).toMatch(new RegExp(`^lab ${B} removed: \\d+ processes stopped, ${a.plan.nodes.length} namespaces deleted`));
  expect(await leftovers(state)).toEqual({ namespaces: [], processes: [], files: [] });
  expect(await exec([...CLI, 'lab', 'down', '--name', B])).toBe(`lab ${B} is not up; nothing to remove\n`);

  // Lab A still has every namespace and session.
  const states = await sessionStates(systemRunner, labLayout(A), a.plan);
  expect(states.filter((s) => s.state !== 'Established')).toEqual([]);
});

/** Live (not zombie) descendants of a process, from /proc: pid -> command. */
function descendants(root: number): Map<number, string> {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return [{ pid: Number(d), ppid: Number(rest[1]), state: rest[0]!, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) }];
      } catch {
        return [];
      }
    });
  const out = new Map<number, string>();
  const walk = (pid: number) => {
    for (const p of procs.filter((x) => x.ppid === pid)) {
      if (p.state !== 'Z') out.set(p.pid, p.comm);
      walk(p.pid);
    }
  };
  walk(root);
  return out;
}

test('a daemon killed with SIGKILL leaves none of its helpers running (BFD, netlink writer, lock, link monitor)', async () => {
  const daemon = loadState(A)!.processes.find((p) => p.node === 'gw1' && p.role === 'daemon')!;
  const helpers = descendants(daemon.pid);
  expect([...helpers.values()]).toEqual(expect.arrayContaining(['ip', 'bgpfo-netlink', 'flock']));
  process.kill(daemon.pid, 'SIGKILL');
  const running = (pid: number) => {
    try {
      return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const alive = () => [...helpers].filter(([pid]) => running(pid)).map(([pid, comm]) => `${comm} (${pid})`);
  await waitFor(() => alive().length === 0, 5_000, { what: "gw1's helpers to exit with the daemon" }).catch(() => {
    throw new Error(`still running 5 s after the daemon was killed: ${alive().join(', ')}`);
  });
});

test('lab down FILE --name works from the topology file too, and leaves nothing', async () => {
  const state = loadState(A)!;
  expect(await exec([...CLI, 'lab', 'down', AA4, '--name', A])).toMatch(/^lab itca removed/);
  expect(await leftovers(state)).toEqual({ namespaces: [], processes: [], files: [] });
});
