// The four-tunnel active/active scenarios (bgpfo on routers and gateways, BIRD on the LAN routers): a blackholed
// tunnel; every kind of return (tunnel, undrain, router, gateway) at lost-max 0 over veth and over WireGuard; and a
// kill -9 of bgpfo with graceful restart. Each is judged from the measured traffic (src/scenario/expect.ts);
// the extra assertions here read the same measurements directly.

import { ScenarioLab, expectPassed } from './scenario-support';

jest.setTimeout(300_000);

describe('on the four-tunnel lab', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('aa4-blackhole.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('a blackholed tunnel: only its flows see an outage, at most detection + 25 ms; back after restore', async () => {
    const r = await lab.run('aa4-blackhole.yaml');
    expectPassed(r);
    const f = r.faults[0]!;
    expect(f.affected.length).toBeGreaterThan(0);
    expect(f.affectedLongestGapMs).toBeLessThanOrEqual(r.detectionMs + 25);
    expect(f.unaffectedLost).toBe(0);
  });

  // One run covers the router, gateway, tunnel and drain returns (aa4-router-down, aa4-gateway-crash and aa4-drain
  // are the same faults one at a time, kept as examples): each return must lose no packet at all.
  test('every return loses nothing: tunnel restored, undrain, router powered on, gateway restarted (veth, 1,000 pkt/s per flow)', async () => {
    const r = await lab.run('aa4-returns.yaml');
    expectPassed(r);
    expect(r.streams.length).toBeGreaterThan(0);
  });
});

describe('on the four-tunnel lab over WireGuard', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('aa4-returns-wg.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('every return loses nothing over WireGuard (100 pkt/s per flow)', async () => {
    const r = await lab.run('aa4-returns-wg.yaml');
    expectPassed(r);
  });
});

describe('on the four-tunnel lab with graceful restart', () => {
  let lab: ScenarioLab;
  beforeAll(async () => {
    lab = await ScenarioLab.up('aa4-graceful-restart.yaml');
  });
  afterAll(async () => {
    await lab?.down();
  });

  test('bgpfo killed with kill -9 and restarted: graceful restart keeps every packet flowing', async () => {
    const r = await lab.run('aa4-graceful-restart.yaml');
    expectPassed(r);
  });
});
