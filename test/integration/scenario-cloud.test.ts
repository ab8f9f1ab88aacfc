// A cloud-like far side without BFD (FRR standing in, 60/180 s timers): bgpfo's probe liveness detects the dead
// tunnel, and more-specific steering moves the far side's traffic off it as well, long before its hold timer.

import { ScenarioLab, expectPassed } from './scenario-support';

jest.setTimeout(300_000);

let lab: ScenarioLab;
beforeAll(async () => {
  lab = await ScenarioLab.up('cloud-probe-steering.yaml');
});
afterAll(async () => {
  await lab?.down();
});

test('probe mode and more-specific steering move both directions off a blackholed tunnel', async () => {
  const r = await lab.run('cloud-probe-steering.yaml');
  expectPassed(r);
  const f = r.faults[0]!;
  expect(f.affected.length).toBeGreaterThan(0);
  expect(f.movedAfterMs).toBeLessThan(180_000);
});
