// `bgpfo clab status` from what docker, ip and nft answer: containers and daemons, sessions, tunnel links and
// counters, and faults read back from the nftables tables (a blackholed tunnel, a lossy one, a whole ISP down).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingRunner } from '../../../src/lab/exec';
import { dropRules } from '../../../src/lab/nft';
import { buildPlan, loadTopology, renderAll, sessionsOf } from '../../../src/orchestrator';
import { fakeKeySource } from '../../../src/orchestrator/render/keys';
import { ClabEngine, clabStatus } from '../../../src/scenario';

const REPO = join(__dirname, '..', '..', '..');
const plan = buildPlan(loadTopology(join(REPO, 'topologies', 'four-tunnel-active-active.yaml')));
const out = mkdtempSync(join(tmpdir(), 'clab-status-'));
const clabFile = renderAll(plan, join(out, 'aa4'), { keys: fakeKeySource(), clabFile: join(out, 'aa4.clab.yml') }).clabFile;
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** nft's listing of the tables a fault made (tabs and closing braces as `nft list ruleset` prints them). */
const listed = (text: string) => text.replace(/ \{ /g, ' {\n\t\t').replace(/; \}/g, '\n\t}');

function fakeLab(nft: Record<string, string>, stopped: string[] = []) {
  return new RecordingRunner((argv) => {
    const cmd = argv.join(' ');
    if (cmd.startsWith('docker inspect --format {{.Name}}')) return { stdout: argv.slice(4).map((c) => `/${c} running 2026-12-06T19:00:00Z`).join('\n') + '\n' };
    if (argv[0] === 'docker' && argv[1] === 'exec' && argv[3] === 'pgrep') return stopped.some((n) => argv[2] === `clab-aa4-${n}`) ? { code: 1 } : { stdout: '42\n' };
    if (argv[0] === 'docker' && argv[3] === 'bgpfo' && argv[4] === 'status') {
      const node = argv[2]!.replace('clab-aa4-', '');
      if (stopped.includes(node)) return { code: 1 };
      return { stdout: JSON.stringify({ sessions: sessionsOf(plan.sessions, node).map((e) => ({ name: e.local.neighborName, state: 'Established' })) }) };
    }
    if (argv[0] === 'ip' && argv[3] === '-j') {
      const n = plan.nodes.find((x) => `clab-aa4-${x.name}` === argv[2])!;
      return { stdout: JSON.stringify(n.interfaces.map((i) => ({ ifname: i.name, flags: ['UP', 'LOWER_UP'], stats64: { rx: { packets: 5, bytes: 0 }, tx: { packets: 7, bytes: 0 } } }))) };
    }
    if (cmd.endsWith('nft list ruleset')) return { stdout: nft[argv[3]!.replace('clab-aa4-', '')] ?? '' };
    return undefined;
  });
}

const engineWith = (runner: RecordingRunner) => new ClabEngine({ topology: '', lab: {}, clabFile, attach: true, sessionTimeoutMs: 0, runner });

describe('bgpfo clab status', () => {
  it('a healthy deployment: all containers running, tunnels up with their counters, no fault', async () => {
    const s = await clabStatus(engineWith(fakeLab({})));
    expect(s).toMatchObject({ lab: 'aa4', phase: 'deployed', tunnelType: 'wireguard', faults: [] });
    expect(s.tunnels.map((t) => [t.id, t.up, t.faults])).toEqual([['t1', true, []], ['t2', true, []], ['t3', true, []], ['t4', true, []]]);
    expect(s.tunnels[0]!.onprem).toEqual({ node: 'r1', ifname: 'aa4-t1o', up: true, rxPackets: 5, txPackets: 7 });
    expect(s.processes.filter((p) => p.running)).toHaveLength(6);
  });

  it('reads faults back from nftables: a blackhole takes its tunnel down, loss keeps it up', async () => {
    const s = await clabStatus(engineWith(fakeLab({ r1: listed(dropRules('aa4-t1o', 100) + dropRules('aa4-t2o', 20)) })));
    expect(s.faults).toEqual([{ kind: 'blackhole', target: 'r1-gw1-isp1' }, { kind: 'loss', target: 'r1-gw2-isp1', percent: 20 }]);
    expect(s.tunnels.map((t) => [t.id, t.up, t.faults])).toEqual([['t1', false, ['blackhole']], ['t2', true, ['loss 20%']], ['t3', true, []], ['t4', true, []]]);
  });

  it('every uplink of an ISP blackholed is that ISP down; a stopped daemon shows as not running', async () => {
    const s = await clabStatus(engineWith(fakeLab({ r1: listed(dropRules('up-isp1', 100)), r2: listed(dropRules('up-isp1', 100)) }, ['gw2'])));
    expect(s.faults).toEqual([{ kind: 'isp-down', target: 'isp1' }]);
    expect(s.tunnels.every((t) => !t.up && t.faults[0] === 'isp-down isp1')).toBe(true);
    expect(s.processes.find((p) => p.node === 'gw2')).toMatchObject({ running: false });
  });
});
