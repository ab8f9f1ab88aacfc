// The four-tunnel active/active scenarios on one netns lab (veth tunnels, bgpfo on routers and gateways, BIRD on
// the LAN routers): a blackholed tunnel, an on-prem router powered off, a gateway's daemon killed, a drain, and a
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

  test('an on-prem router powered off: its flows move to the other router, the others lose nothing', async () => {
    const r = await lab.run('aa4-router-down.yaml');
    expectPassed(r);
    expect(r.faults[0]!.unaffectedLost).toBe(0);
  });

  test("a gateway's daemon crash (kill -9): traffic leaves its tunnels and comes back when it restarts", async () => {
    const r = await lab.run('aa4-gateway-crash.yaml');
    expectPassed(r);
    expect(r.faults[0]!.failed.length).toBe(2);
  });

  test('a drain moves the traffic off the tunnel and back without losing a packet', async () => {
    const r = await lab.run('aa4-drain.yaml');
    expectPassed(r);
    expect(r.streams.reduce((a, s) => a + s.lost, 0)).toBe(0);
  });
});

// Its own lab: the topology turns graceful restart on (topologies/scenarios/topologies/four-tunnel-active-active-gr.yaml).
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
