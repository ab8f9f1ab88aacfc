// The containerlab engine, which cannot run here (no Docker): a dry run of a shipped scenario prints every
// command it would run, and each fault kind maps to the right command inside the right container or namespace.

import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../../../src/cli/main';
import { ClabEngine, CONTAINER_DAEMON, dryRunScenario, DryRunner, loadScenario } from '../../../src/scenario';
import { SCENARIOS } from './helpers';

async function dry(file: string) {
  const s = loadScenario(join(SCENARIOS, file));
  const work = mkdtempSync(join(tmpdir(), 'clab-dry-'));
  try {
    const engine = new ClabEngine({ topology: s.topology, lab: s.lab, dryRun: true, workDir: work });
    return { lines: await dryRunScenario(s, engine as ClabEngine & { runner: DryRunner }), work };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('containerlab engine (dry run)', () => {
  it('deploys the rendered clab file, reaches nodes through clab-<lab>-<node>, and destroys it', async () => {
    const { lines, work } = await dry('aa4-blackhole.yaml');
    const text = lines.join('\n');
    expect(lines[0]).toBe('# up: lab scaa (containerlab)');
    expect(lines[1]).toBe(`  containerlab deploy -t ${join(work, 'scaa.clab.yml')} --reconfigure`);
    // converge: each daemon asked through docker exec, then the hosts ping each other inside their namespaces.
    expect(text).toContain('  docker exec clab-scaa-r1 bgpfo status --json');
    expect(text).toContain('  docker exec clab-scaa-hq-lan birdc -s /run/bird.ctl show protocols');
    expect(text).toContain('  ip netns exec clab-scaa-hq-h1 ping -c 1 -W 1 10.20.0.10');
    // traffic: counters on both routers, events followed, agents in the hosts' namespaces.
    expect(text).toContain("  ip netns exec clab-scaa-r1 nft -f - <<'EOF'");
    expect(text).toContain('  docker exec clab-scaa-r1 bgpfo events --json &');
    expect(text).toContain('  ip -n clab-scaa-r1 -ts monitor route nexthop &');
    expect(text).toContain('  ip netns exec clab-scaa-dc-h1 bgpfo scenario agent recv --port 47100 --gap-ms 5 &');
    expect(text).toContain('  ip netns exec clab-scaa-hq-h1 bgpfo scenario agent send --to 10.20.0.10 --port 47100 --flows 16 --pps-per-flow 1000 --sport-base 41000 --size 64 --max-seconds 600 &');
    // the fault and its repair: the lab's nftables tables, in the router's container namespace.
    expect(text).toMatch(/# step 5 \(line 25\): fault: blackhole t1 \(r1-gw1-isp1\)\n {2}ip netns exec clab-scaa-r1 nft delete table inet bgpfo_lab_blackhole_scaa_t1o\n {2}ip netns exec clab-scaa-r1 nft -f - <<'EOF'\n {2}table inet bgpfo_lab_blackhole_scaa_t1o \{/);
    expect(text).toContain('  ip netns exec clab-scaa-r1 nft delete table inet bgpfo_lab_loss_scaa_t1o');
    expect(lines.slice(-2)).toEqual(['# down', `  containerlab destroy -t ${join(work, 'scaa.clab.yml')} --cleanup`]);
  });

  it('kills, starts and powers nodes off through docker exec and ip -n', async () => {
    const text = (await dry('aa4-router-down.yaml')).lines.join('\n');
    expect(text).toContain(`  docker exec clab-scaa-r1 sh -c '${CONTAINER_DAEMON.bgpfo.kill}'`);
    for (const i of ['lan', 'ib-r2', 'scaa-t1o', 'scaa-t2o']) expect(text).toContain(`  ip -n clab-scaa-r1 link set dev ${i} down`);
    expect(text).toContain(`  docker exec -d clab-scaa-r1 sh -c '${CONTAINER_DAEMON.bgpfo.start}'`);
    const gr = (await dry('aa4-graceful-restart.yaml')).lines.join('\n');
    expect(gr).not.toContain('# missing:');
    expect(gr).toContain(`  docker exec clab-scaa-r1 sh -c '${CONTAINER_DAEMON.bgpfo.kill}'`);
    const drain = (await dry('aa4-drain.yaml')).lines.join('\n');
    expect(drain).toContain('  docker exec clab-scaa-r1 bgpfo drain gw1-isp1 --timeout 10 --json');
    expect(drain).toContain('  docker exec clab-scaa-r1 bgpfo undrain gw1-isp1 --json');
    const isp = (await dry('ap8-isp1-outage.yaml')).lines.join('\n');
    for (const i of ['scap-t1o', 'scap-t2o', 'scap-t3o', 'scap-t4o']) expect(isp).toContain(`bgpfo_lab_blackhole_${i.replace(/-/g, '_')}`);
  });

  it('is what `bgpfo scenario run --engine containerlab --dry-run` prints; --dry-run needs that engine', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    const work = mkdtempSync(join(tmpdir(), 'clab-cli-'));
    try {
      expect(await main(['scenario', 'run', join(SCENARIOS, 'aa4-drain.yaml'), '--engine', 'containerlab', '--dry-run', '--work-dir', work], io)).toBe(0);
      expect(out).toContain(`containerlab deploy -t ${join(work, 'scaa.clab.yml')} --reconfigure`);
      expect(await main(['scenario', 'run', join(SCENARIOS, 'aa4-drain.yaml'), '--dry-run'], io)).toBe(2);
      expect(err).toContain('--dry-run is for --engine containerlab');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('`bgpfo scenario check` validates a file and lists its steps', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await main(['scenario', 'check', join(SCENARIOS, 'aa4-blackhole.yaml')], io)).toBe(0);
    expect(out.split('\n')[0]).toBe(`OK: ${join(SCENARIOS, 'aa4-blackhole.yaml')}: scenario aa4-blackhole on lab scaa (12 steps, 2 traffic stream(s))`);
    expect(out).toContain('   5. line 25: fault {"kind":"blackhole","tunnel":"t1"}');
    expect(await main(['scenario', 'check', join(SCENARIOS, 'nope.yaml')], io)).toBe(1);
    expect(err).toContain('cannot read the scenario file: no such file');
  });
});
