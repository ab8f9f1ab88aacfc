// The eight-tunnel active/passive scenarios (BIRD on the far gateways): ISP 1 failing and returning on the
// shipped topology, every kind of return judged at lost-max 0 over veth and over WireGuard, and the primary tunnel losing 20 % of its packets while staying up (demoted) on the same
// topology with BFD at x 10 (at x 3 such a tunnel flaps instead: topologies/scenarios/ap8-primary-loss.yaml).

import { ScenarioLab, expectPassed } from './scenario-support';

jest.setTimeout(300_000);

describe('eight tunnels, active/passive', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('ap8-isp1-outage.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('ISP 1 fails: all traffic on ISP 2 within detection + 100 ms; ISP 1 returns: traffic back, no loss, no flapping', async () => {
    const r = await lab.run('ap8-isp1-outage.yaml');
    expectPassed(r);
    expect(r.faults[0]!.failed).toHaveLength(4);
    expect(r.faults[0]!.affected).toHaveLength(32);
  });

  test('every return loses nothing: tunnel restored, undrain, router powered on, gateway restarted (veth, 1,000 pkt/s per flow)', async () => {
    const r = await lab.run('ap8-returns.yaml');
    expectPassed(r);
  });
});

describe('eight tunnels, active/passive, over WireGuard', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('ap8-returns-wg.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('every return loses nothing over WireGuard (100 pkt/s per flow)', async () => {
    const r = await lab.run('ap8-returns-wg.yaml');
    expectPassed(r);
  });
});

describe('eight tunnels, active/passive, BFD x 10', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('ap8-primary-loss.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('the primary loses 20 % of its packets while staying up: demoted, traffic leaves it for good', async () => {
    const r = await lab.run('ap8-primary-loss.yaml');
    expectPassed(r);
  });
});
