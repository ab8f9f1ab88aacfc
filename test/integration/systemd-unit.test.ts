// The rendered systemd unit's capability set is enough for everything the daemon does on a router: the daemon run
// with exactly those capabilities (setpriv, as systemd's CapabilityBoundingSet and NoNewPrivileges would) against
// BIRD with BFD: port 179, BFD, routes and nexthop groups in the kernel, and the BFD process at real-time priority.

import { join } from 'node:path';
import { buildPlan, loadTopology } from '../../src/orchestrator';
import { renderSystemdUnit } from '../../src/orchestrator/render/systemd';
import { Bird, FAR, FAR_ASN, LINKS, OURS, REPO, twoLinkLab, US_ASN, waitFor, BgpfoDaemon, type TwoLinkLab } from './harness';

jest.setTimeout(90_000);

const BIRD_CONF = `router id 10.255.0.1;
log stderr all;
protocol device { scan time 10; }
protocol static s4 { ipv4; route ${FAR.ecmp4} blackhole; }
protocol bfd { interface "to-us-*" { interval 100 ms; multiplier 3; }; }
template bgp lab { local as ${FAR_ASN}; hold time 9; keepalive time 3; error wait time 1,5; connect retry time 1; bfd on; }
protocol bgp a1 from lab { neighbor ${LINKS.a.us4} as ${US_ASN}; source address ${LINKS.a.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
protocol bgp b1 from lab { neighbor ${LINKS.b.us4} as ${US_ASN}; source address ${LINKS.b.far4}; ipv4 { import all; export where source = RTS_STATIC; }; }
`;

/** The unit bgpfo renders for a router, and the setpriv command line that gives a process what it allows. */
function unitSandbox(): { unit: string; setpriv: string[] } {
  const plan = buildPlan(loadTopology(join(REPO, 'topologies', 'four-tunnel-active-active.yaml')));
  const unit = renderSystemdUnit(plan, 'r1');
  const caps = /^CapabilityBoundingSet=(.+)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  const bounding = ['-all', ...caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
  return { unit, setpriv: ['setpriv', `--bounding-set=${bounding}`, ...(/^NoNewPrivileges=yes$/m.test(unit) ? ['--no-new-privs'] : [])] };
}

describe('the daemon with exactly the systemd unit’s capabilities', () => {
  let t: TwoLinkLab;
  let bgpfo: BgpfoDaemon;
  const { unit, setpriv } = unitSandbox();

  beforeAll(async () => {
    t = await twoLinkLab('sdunit');
    await Bird.start(t.far, 'bird', BIRD_CONF);
    const liveness = { mode: 'bfd', 'interval-ms': 100, multiplier: 3, quality: false };
    const common = { 'remote-asn': FAR_ASN, families: ['ipv4-unicast'], 'hold-time': 9, 'connect-retry': 1, liveness };
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', {
      wrap: setpriv,
      config: {
        router: { asn: US_ASN, 'router-id': '10.255.0.2' },
        fib: { mode: 'kernel' },
        originate: [OURS.v4],
        neighbors: [
          { name: 'tun-a1', address: LINKS.a.far4, 'local-address': LINKS.a.us4, ...common },
          { name: 'tun-b1', address: LINKS.b.far4, 'local-address': LINKS.b.us4, ...common },
        ],
      },
    });
  });

  afterAll(async () => {
    await t?.lab.cleanup();
  });

  test('the unit runs as root with a reduced capability set and no new privileges', () => {
    expect(unit).not.toMatch(/^User=/m);
    expect(setpriv[1]).toBe('--bounding-set=-all,+net_admin,+net_bind_service,+net_raw,+chown,+sys_nice');
    expect(setpriv).toContain('--no-new-privs');
  });

  test('BFD Up and both sessions Established, the routes in the kernel over both tunnels, the BFD process at SCHED_RR', async () => {
    await waitFor(async () => (await bgpfo.statusJson()).sessions.every((s) => s.state === 'Established' && s.liveness?.verdict === 'up'), 30_000, {
      what: 'both sessions Established with BFD up',
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(await bgpfo.statusJson(), null, 1)}\n${bgpfo.process.log().slice(-3000)}`);
    });
    const st = await bgpfo.statusJson();
    expect(st.router.fibWriter).toBe('netlink');
    // Without CAP_SYS_NICE both chrt and nice are refused and this reads "normal (could not set nice -10 ...)".
    expect(st.bfd?.priority).toBe(`SCHED_RR 10`);
    // Established says nothing of the UPDATEs yet to come: the route may first go in over one tunnel (a plain next
    // hop), then over both (a group of two). Wait for the group, and say what the kernel held if it never came.
    let last = '';
    await waitFor(
      async () => {
        const out = await t.us.exec(['ip', '-j', 'route', 'show', FAR.ecmp4, 'proto', '201']);
        const r = (JSON.parse(out || '[]') as { nhid?: number }[])[0];
        if (!r?.nhid) return undefined;
        const nh = await t.us.exec(['ip', '-j', 'nexthop', 'show', 'id', String(r.nhid)]);
        last = `${out.trim()} ${nh.trim()}`;
        const group = (JSON.parse(nh || '[]') as { group?: unknown[] }[])[0]?.group;
        return group?.length === 2 ? group : undefined;
      },
      20_000,
      { what: `${FAR.ecmp4} in the kernel through a nexthop group of both tunnels` },
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the kernel held: ${last || 'no route'}`);
    });
  });
});
