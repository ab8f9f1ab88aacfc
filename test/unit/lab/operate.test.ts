// Operating a lab without touching the kernel: faults, status and teardown against a recorded state and a
// scripted runner (what would run is checked command by command; the real thing is in test/integration/lab-*).

import { existsSync, mkdirSync } from 'node:fs';
import { RecordingRunner } from '../../../src/lab/exec';
import { labFault } from '../../../src/lab/faults';
import { labLayout } from '../../../src/lab/layout';
import { withDaemons } from '../../../src/lab/plan-source';
import { loadState, saveState, STATE_FORMAT, type LabState } from '../../../src/lab/state';
import { labStatus } from '../../../src/lab/status';
import { formatLabStatus } from '../../../src/cli/lab-format';
import { labDown } from '../../../src/lab/teardown';
import { AA4, AP8, plan, tempEnv } from './helpers';

function upState(file: string, lab: string, env: NodeJS.ProcessEnv): LabState {
  const p = withDaemons(plan(file, { name: lab, tunnelType: 'veth' }), { routerDaemon: 'bird', farDaemon: 'bird' });
  const s: LabState = {
    format: STATE_FORMAT,
    lab,
    topologyFile: file,
    options: { tunnelType: 'veth', daemons: {} },
    createdAt: '2026-01-01T00:00:00Z',
    phase: 'up',
    plan: p,
    namespaces: p.nodes.map((n) => n.namespace),
    // A pid that cannot be ours (start time 1): teardown must not signal it.
    processes: [{ node: 'r1', name: 'bird', role: 'daemon', argv: ['bird'], pid: process.pid, startTime: 1, log: '/dev/null' }],
    outsideFiles: [],
    faults: [],
  };
  saveState(s, env);
  return s;
}

describe('labFault', () => {
  it('blackholes a tunnel at its on-prem end with nftables, records it, and restore removes both drop tables', async () => {
    const env = tempEnv();
    upState(AA4, 'ua', env);
    const runner = new RecordingRunner();
    expect(await labFault('ua', { kind: 'blackhole', tunnel: 't3' }, { runner, env })).toBe('tunnel t3 r2-gw1-isp1 blackholed at r2/ua-t3o (link stays up)');
    expect(runner.calls.map((c) => c.argv.join(' '))).toEqual(['ip netns exec bgpfo-ua-r2 nft delete table inet bgpfo_lab_blackhole_ua_t3o', 'ip netns exec bgpfo-ua-r2 nft -f -']);
    expect(runner.calls[1].input).toContain('oifname "ua-t3o" drop');
    expect(loadState('ua', env)!.faults).toEqual([{ kind: 'blackhole', target: 'r2-gw1-isp1' }]);

    await labFault('ua', { kind: 'loss', tunnel: 'r2-gw1-isp1', percent: 10 }, { runner, env });
    expect(loadState('ua', env)!.faults).toEqual([{ kind: 'blackhole', target: 'r2-gw1-isp1' }, { kind: 'loss', target: 'r2-gw1-isp1', percent: 10 }]);

    runner.calls.length = 0;
    expect(await labFault('ua', { kind: 'restore', tunnel: 't3' }, { runner, env })).toBe('tunnel t3 r2-gw1-isp1 restored');
    expect(runner.calls.map((c) => c.argv.slice(-1)[0])).toEqual(['bgpfo_lab_blackhole_ua_t3o', 'bgpfo_lab_loss_ua_t3o']);
    expect(loadState('ua', env)!.faults).toEqual([]);
  });

  it('isp-down blackholes every link of the ISP at the routers: the tunnels with veth, the uplinks with WireGuard', async () => {
    const env = tempEnv();
    upState(AP8, 'ub', env);
    const runner = new RecordingRunner();
    expect(await labFault('ub', { kind: 'isp-down', isp: 'isp2' }, { runner, env })).toBe('ISP isp2 down: 4 links blackholed at the routers (ub-t5o, ub-t6o, ub-t7o, ub-t8o)');
    expect(runner.calls.filter((c) => c.input).map((c) => c.argv[3])).toEqual(['bgpfo-ub-r1', 'bgpfo-ub-r1', 'bgpfo-ub-r2', 'bgpfo-ub-r2']);
    expect(loadState('ub', env)!.faults).toEqual([{ kind: 'isp-down', target: 'isp2' }]);
    await labFault('ub', { kind: 'isp-up', isp: 'isp2' }, { runner, env });
    expect(loadState('ub', env)!.faults).toEqual([]);

    const wg = plan(AP8);
    const wgEnv = tempEnv();
    saveState({ ...upState(AP8, 'uc', wgEnv), plan: wg }, wgEnv);
    const r2 = new RecordingRunner();
    expect(await labFault('uc', { kind: 'isp-down', isp: 'isp1' }, { runner: r2, env: wgEnv })).toBe('ISP isp1 down: 2 links blackholed at the routers (up-isp1, up-isp1)');
  });

  it('refuses what the lab does not have, naming what it has', async () => {
    const env = tempEnv();
    upState(AA4, 'ud', env);
    await expect(labFault('ud', { kind: 'isp-down', isp: 'isp9' }, { runner: new RecordingRunner(), env })).rejects.toThrow('no ISP isp9 in lab ud; ISPs: isp1');
    await expect(labFault('ud', { kind: 'stop', node: 'hq-h1' }, { runner: new RecordingRunner(), env })).rejects.toThrow('hq-h1 runs no daemon');
    await expect(labFault('nolab', { kind: 'stop', node: 'r1' }, { env })).rejects.toThrow(/no lab named nolab is up/);
  });
});

describe('labStatus', () => {
  it('puts together sessions from each daemon and the tunnels\' links and faults', async () => {
    const env = tempEnv();
    upState(AA4, 'us', env);
    await labFault('us', { kind: 'blackhole', tunnel: 't1' }, { runner: new RecordingRunner(), env });
    const bird = (protos: string) => `BIRD 2.0.12 ready.\nName Proto Table State Since Info\n${protos}`;
    const link = (names: string[]) => JSON.stringify(names.map((ifname) => ({ ifname, flags: ['UP', 'LOWER_UP'], stats64: { rx: { packets: 5, bytes: 1 }, tx: { packets: 7, bytes: 1 } } })));
    const runner = new RecordingRunner((argv) => {
      if (argv[0] === 'birdc') {
        const node = argv[2].split('/').slice(-2)[0];
        if (node === 'r1') return { stdout: bird('bgp_gw1_isp1 BGP --- start 12:00:00.000 Active Error: BFD session down\nbgp_gw2_isp1 BGP --- up 12:00:00.000 Established\n') };
        if (node === 'gw2') return { code: 1, stderr: 'Unable to connect to server control socket' };
        return { stdout: bird(['gw1_isp1', 'gw2_isp1', 'r1_isp1', 'r2_isp1', 'ibgp_r1', 'ibgp_r2', 'ibgp_gw1', 'ibgp_gw2', 'hq_lan', 'dc_lan', 'r1', 'r2', 'gw1', 'gw2'].map((n) => `bgp_${n} BGP --- up 12:00:00.000 Established`).join('\n')) };
      }
      if (argv.includes('link')) return { stdout: link(['us-t1o', 'us-t2o', 'us-t3o', 'us-t4o', 'us-t1f', 'us-t2f', 'us-t3f', 'us-t4f']) };
      return undefined;
    });
    const s = await labStatus('us', { runner, env });
    expect(s.tunnels.map((t) => [t.id, t.up, t.session.onprem, t.session.far, t.faults.join()])).toEqual([
      ['t1', false, 'Active', 'Established', 'blackhole'],
      ['t2', false, 'Established', 'down', ''],
      ['t3', true, 'Established', 'Established', ''],
      ['t4', false, 'Established', 'down', ''],
    ]);
    const r1 = s.sessions.filter((x) => x.node === 'r1');
    expect(r1.map((x) => [x.neighbor, x.state])).toEqual([
      ['gw1-isp1', 'Active'],
      ['gw2-isp1', 'Established'],
      ['ibgp-r2', 'missing'],
      ['hq-lan', 'missing'],
    ]);
    expect(s.sessions.find((x) => x.node === 'gw2')!.info).toBe('bird not answering: Unable to connect to server control socket');
    const text = formatLabStatus(s);
    expect(text.split('\n')[0]).toBe('lab us (' + AA4 + ', veth tunnels) up; 1/4 tunnels up, 3/10 sessions Established');
    expect(text).toMatch(/t1 +r1-gw1-isp1 +isp1 +primary +DOWN +Active\/Established +7\/5 +7\/5 +blackhole/);
    expect(text).toContain('not running: r1/bird');
  });
});

describe('labDown', () => {
  it('deletes the recorded namespaces that exist, kills what runs in them, removes the lab directory', async () => {
    const env = tempEnv();
    const s = upState(AA4, 'ux', env);
    mkdirSync(labLayout('ux', env).runDir('r1'), { recursive: true });
    const runner = new RecordingRunner((argv) => {
      if (argv.join(' ') === 'ip netns list') return { stdout: 'bgpfo-ux-r1 (id: 3)\nbgpfo-ux-gw1\nbgpfo-other-r1\n' };
      if (argv[2] === 'pids' && argv[3] === 'bgpfo-ux-r1') return { stdout: '4242\n4243\n' };
      return undefined;
    });
    const r = await labDown('ux', { runner, env });
    expect(r).toEqual({ lab: 'ux', found: true, processes: 1, namespaces: ['bgpfo-ux-r1', 'bgpfo-ux-gw1'], files: [labLayout('ux', env).dir] });
    expect(runner.lines()).toEqual(['ip netns list', 'ip netns pids bgpfo-ux-r1', 'kill -9 4242 4243', 'ip netns del bgpfo-ux-r1', 'ip netns pids bgpfo-ux-gw1', 'ip netns del bgpfo-ux-gw1']);
    expect(existsSync(labLayout('ux', env).dir)).toBe(false);
    expect(s.processes[0].pid).toBe(process.pid); // still alive: its start time did not match
    // Again: nothing left, nothing done.
    const again = await labDown('ux', { runner: new RecordingRunner(), env });
    expect(again.found).toBe(false);
  });

  it('without a state file removes only the namespaces the plan names, never a prefix match', async () => {
    const env = tempEnv();
    const p = plan(AA4, { name: 'uy' });
    const runner = new RecordingRunner((argv) => (argv.join(' ') === 'ip netns list' ? { stdout: 'bgpfo-uy-r1\nbgpfo-uy-r1x\nbgpfo-uy-stray\n' } : undefined));
    const r = await labDown('uy', { plan: p, runner, env });
    expect(r.namespaces).toEqual(['bgpfo-uy-r1']);
    expect(runner.lines().filter((l) => l.includes(' del '))).toEqual(['ip netns del bgpfo-uy-r1']);
  });
});
