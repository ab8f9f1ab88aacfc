// A scenario whose promise is broken must fail, and say why: the aa4 blackhole with BFD turned off in the whole
// lab, so only the 9 s BGP hold timer notices the dead tunnel. Run through the CLI, as an operator would.

import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { labDown } from '../../src/lab';
import type { ScenarioReport } from '../../src/scenario';
import { ensureBuilt } from './harness';
import { SCENARIO_DIR } from './scenario-support';

jest.setTimeout(300_000);

const FILE = join(SCENARIO_DIR, 'violations', 'aa4-blackhole-hold-timer.yaml');
const dir = mkdtempSync(join(tmpdir(), 'scenario-violation-'));

beforeAll(async () => {
  ensureBuilt();
  await labDown('scvh');
});
afterAll(async () => {
  await labDown('scvh');
  rmSync(dir, { recursive: true, force: true });
});

/** The longest a traffic agent stalled (its loop ran late) in the run: a stall that long voids the outage measured. */
const longestStallMs = (r: ScenarioReport) => Math.max(0, ...r.streams.map((s) => Math.max(s.maxSenderStallMs, s.maxReceiverStallMs)));

test('with only the hold timer, the blackhole scenario fails and its report shows why', async () => {
  const run = async () => {
    let out = '';
    let err = '';
    const code = await main(['scenario', 'run', FILE, '--report', dir], { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err, report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ScenarioReport };
  };
  let first = await run();
  // Gaps exclude the time the agents could not run, so a machine that froze them through the hold time (a shared host
  // pausing this VM) measures no outage: such a pass says nothing; run it once more.
  if (first.code === 0 && (longestStallMs(first.report) >= 1000 || (first.report.maxStealPct ?? 0) >= 50)) {
    process.stderr.write(`aa4-blackhole-hold-timer passed while the traffic agents stalled up to ${longestStallMs(first.report)} ms: running it again\n${first.out}\n`);
    first = await run();
  }
  const { code, out, err } = first;
  // On failure the whole summary shows (CI prints only the start of a failure).
  expect({ code, tail: err.split('\n').filter((l) => l.startsWith('error:')), summary: code === 1 ? 'shown on failure' : out }).toEqual({
    code: 1,
    tail: [expect.stringMatching(/^error: scenario aa4-blackhole-hold-timer failed: \d of \d+ checks failed$/)],
    summary: 'shown on failure',
  });

  const r = first.report;
  expect(r.liveness).toBe('off');
  const failed = r.checks.filter((c) => !c.ok).map((c) => c.check);
  expect(failed).toContain('outage-max-ms');
  // The why, from the data plane: the flows on t1 went about the hold time (9 s) without a packet.
  const f = r.faults[0]!;
  expect(f.affected.length).toBeGreaterThan(0);
  expect(f.affectedLongestGapMs).toBeGreaterThan(6000);
  expect(f.unaffectedLost).toBe(0);
  // ... and the daemon's own account beside it: the session went down on the hold timer.
  expect(f.detectionBy).toMatch(/hold timer/i);
  expect(out).toContain('FAIL failover (line');
  expect(out).toMatch(/outage-max-ms: expected an outage of at most detection 300 \+ 25 = 325 ms .*; measured outage \d{4,5}(\.\d)? ms/);
  expect(existsSync(join(dir, 'timeline.svg'))).toBe(true);
  expect(readFileSync(join(dir, 'summary.txt'), 'utf8')).toContain('scenario aa4-blackhole-hold-timer');
});
