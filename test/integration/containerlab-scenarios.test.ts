// The containerlab engine run for real. The images are built (bgpfo image build, no registry); the committed
// topologies/*.clab.yml are rendered again with real keys (byte-identical to the committed files), deployed as
// containers by `containerlab` (test/containerlab stands in for it) and shown up by `bgpfo clab status`; the shipped
// aa4-blackhole and ap8-isp1-outage scenarios run on containers with the same lab, checks and assertions as on the
// netns lab (scenario-aa4/ap8.test.ts: their `lab:` asks for veth tunnels, see docs/scenarios.md for why the
// WireGuard files are not loaded with 32,000 packets/s here). Afterwards no container, netns link or veth is left.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClabEngine, formatSummary, loadScenario, runScenario, type ScenarioReport } from '../../src/scenario';
import { BGPFO, buildImages, containerPrerequisites, harnessRunner, leftovers, removeRender, renderShipped, type Rendered } from '../containerlab/support';
import { imagesFor } from '../../src/image';
import { expectPassed, REPORT_DIR, SCENARIO_DIR } from './scenario-support';

jest.setTimeout(900_000);

function clabStatus(file: string): string {
  return execFileSync(BGPFO, ['clab', 'status', file], { encoding: 'utf8', timeout: 120_000 });
}

/** `bgpfo status` and the liveness lines of the log of every bgpfo container of a lab. */
function bgpfoViews(lab: string): string {
  const names = execFileSync('docker', ['ps', '--format', '{{.Names}}', '--filter', `name=clab-${lab}-`, '--filter', 'label=bgpfo.runs=bgpfo'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return names
    .map((c) => {
      const run = (argv: string[]) => execFileSync('docker', ['exec', c, ...argv], { encoding: 'utf8', timeout: 30_000 });
      try {
        return `${c}:\n${run(['bgpfo', 'status'])}\n${run(['sh', '-c', 'grep -E "tunnel-verdict|session held|scheduling" /run/bgpfo.log | tail -20'])}`;
      } catch (e) {
        return `${c}: ${(e as Error).message}`;
      }
    })
    .join('\n');
}

describe.each(['four-tunnel-active-active', 'eight-tunnel-active-passive', 'cloud-gateway'])('topologies/%s.clab.yml deployed with real keys', (topology) => {
  let r: Rendered | undefined;
  let engine: ClabEngine | undefined;

  beforeAll(async () => {
    containerPrerequisites();
    r = renderShipped(topology);
    // The images this topology's nodes run, built the way a user builds them (a base already made is reused).
    buildImages(r.images);
    engine = new ClabEngine({ topology: '', lab: {}, clabFile: r.clabFile, sessionTimeoutMs: 90_000, runner: harnessRunner });
    await engine.up(() => undefined);
  });

  afterAll(async () => {
    try {
      await engine?.down();
    } finally {
      removeRender(r);
    }
    if (r) expect(leftovers(r.lab)).toEqual({ containers: [], netns: [], hostVeths: [] });
  });

  test('the deployed file is the committed one (the keys are only in the bound node directories)', () => {
    expect(r!.rendered).toBe(r!.committed);
  });

  test('bgpfo clab status: every WireGuard tunnel up, every session Established, every daemon running', async () => {
    const upLine = new RegExp(`^lab ${r!.lab} \\(.*, wireguard tunnels\\) deployed; (\\d+)/\\1 tunnels up, (\\d+)/\\2 sessions Established$`);
    // The deploy returns at the first moment every session is Established; seconds after their start, the daemons
    // can still see a BFD Down (a BIRD gateway at normal priority while ten containers start on two cores: CI met
    // one 7 s after start, back up within 2 s). Status is read until it shows the lab whole, for at most 60 s;
    // every reading that did not is printed, so a lab that flaps shows it.
    const deadline = Date.now() + 60_000;
    let text = clabStatus(r!.clabFile);
    let readings = 1;
    while (!(upLine.test(text.split('\n')[0]!) && !text.includes('not running:')) && Date.now() < deadline) {
      process.stderr.write(`bgpfo clab status ${topology}.clab.yml, reading ${readings}, not whole yet:\n${text}`);
      await new Promise((res) => setTimeout(res, 2000));
      text = clabStatus(r!.clabFile);
      readings++;
    }
    process.stderr.write(`bgpfo clab status ${topology}.clab.yml (reading ${readings}):\n${text}`);
    const allUp = upLine.test(text.split('\n')[0]!);
    // On failure, what the bgpfo daemons themselves say (sessions, liveness, BFD) comes with it: CI keeps only that.
    expect({ allUp, daemonsRunning: !text.includes('not running:'), status: allUp && !text.includes('not running:') ? '' : `${text}\n${bgpfoViews(r!.lab)}` }).toEqual({ allUp: true, daemonsRunning: true, status: '' });
  });
});

describe.each(['aa4-blackhole.yaml', 'ap8-isp1-outage.yaml'])('%s on containers', (file) => {
  const s = loadScenario(join(SCENARIO_DIR, file));
  let work = '';
  let engine: ClabEngine | undefined;

  beforeAll(async () => {
    containerPrerequisites();
    work = mkdtempSync(join(tmpdir(), 'bgpfo-clab-scenario-'));
    // `bgpfo scenario run FILE --engine containerlab` renders the scenario's own lab and deploys it: so does this.
    engine = new ClabEngine({ topology: s.topology, lab: s.lab, workDir: work, sessionTimeoutMs: 90_000, runner: harnessRunner });
    buildImages(imagesFor(['bgpfo', 'bird', 'none']));
    await engine.up(() => undefined);
  });

  afterAll(async () => {
    try {
      await engine?.down();
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
    expect(leftovers(s.lab.name!)).toEqual({ containers: [], netns: [], hostVeths: [] });
  });

  /** The scenario on the deployed lab; once more if the machine disturbed the measurement (as on netns). */
  async function run(): Promise<ScenarioReport> {
    const go = () =>
      runScenario(s, {
        engine: new ClabEngine({ topology: s.topology, lab: s.lab, clabFile: join(work, `${s.lab.name}.clab.yml`), attach: true, sessionTimeoutMs: 60_000, runner: harnessRunner }),
        stopOnMissing: true,
        ...(REPORT_DIR ? { reportDir: join(REPORT_DIR, `containerlab-${s.name}`) } : {}),
      });
    const first = await go();
    process.stderr.write(`${formatSummary(first)}\n`);
    if (first.passed || !first.disturbed) return first;
    process.stderr.write(`${s.name}: measured on a busy machine (agents stalled); running it again\n`);
    const second = await go();
    process.stderr.write(`${formatSummary(second)}\n`);
    return second;
  }

  test('passes with the same checks as on the netns lab, and leaves no fault behind', async () => {
    const rep = await run();
    expectPassed(rep);
    expect(rep.engine).toBe('containerlab');
    const f = rep.faults[0]!;
    if (s.name === 'aa4-blackhole') {
      expect(f.affected.length).toBeGreaterThan(0);
      expect(f.affectedLongestGapMs).toBeLessThanOrEqual(rep.detectionMs + 25);
      expect(f.unaffectedLost).toBe(0);
    } else {
      expect(f.failed).toHaveLength(4);
      expect(f.affected).toHaveLength(32);
    }
    const status = clabStatus(join(work, `${s.lab.name}.clab.yml`));
    process.stderr.write(`bgpfo clab status after ${s.name}:\n${status}`);
    expect(status.split('\n')[0]).toMatch(/ deployed; (\d+)\/\1 tunnels up, (\d+)\/\2 sessions Established$/);
    expect(status).not.toMatch(/blackhole|isp-down|loss \d/);
  });
});
