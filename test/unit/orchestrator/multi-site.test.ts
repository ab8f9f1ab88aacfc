// Multi-site topologies: hub-and-spoke (3 and 50 spokes), one on-prem site with several far sites of different
// kinds (AWS, Azure, GCP, BIRD), dual-stack addressing and sessions, the cloud providers' limits, and every new
// rule's error with its line, field and fix.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config';
import { buildPlan } from '../../../src/orchestrator/plan/build';
import { describePlan } from '../../../src/orchestrator/plan/describe';
import { sessionsOf } from '../../../src/orchestrator/plan/sessions';
import type { Plan } from '../../../src/orchestrator/plan/types';
import { renderBgpfoConfig } from '../../../src/orchestrator/render/bgpfo';
import { renderBirdConfig } from '../../../src/orchestrator/render/bird';
import { renderFrrConfig } from '../../../src/orchestrator/render/frr';
import { renderSvg } from '../../../src/orchestrator/render/svg';
import { renderWireguard } from '../../../src/orchestrator/render/wireguard';
import { fakeKeySource } from '../../../src/orchestrator/render/keys';
import { loadTopology, parseTopology } from '../../../src/orchestrator/topology/load';
import { edit, FIXTURES, lineOf, ROOT, topologyError } from './helpers';

const shipped = (name: string) => buildPlan(loadTopology(join(ROOT, 'topologies', `${name}.yaml`)));
const plan = (text: string) => buildPlan(parseTopology(text, 'topo.yaml'));
const only = (text: string) => {
  const e = topologyError(() => plan(text));
  expect(e.issues).toHaveLength(1);
  return e.issues[0];
};

/** A small hub-and-spoke file, one field per line. */
const HUB = `lab: hs
mode: active-active
tunnel:
  type: wireguard
isps:
  - name: isp1
    role: primary
hub:
  name: hub
  asn: 65000
  prefixes: [10.0.0.0/16]
  runs: bgpfo
  gateways:
    - name: hub1
    - name: hub2
spokes:
  - name: s1
    asn: 65001
    prefixes: [10.1.0.0/24]
  - name: s2
    asn: 65002
    prefixes: [10.2.0.0/24]
`;

/** Interface names fit Linux, addresses have one owner, sessions run between addresses of their nodes. */
function checkInvariants(p: Plan) {
  const owners = new Map<string, string>();
  for (const n of p.nodes) {
    const names = new Set<string>();
    for (const i of n.interfaces) {
      expect(i.name.length).toBeLessThanOrEqual(15);
      expect(names.has(i.name)).toBe(false);
      names.add(i.name);
      for (const a of i.addresses) {
        const ip = a.split('/')[0];
        if (n.name !== 'internet') expect({ ip, owner: owners.get(ip) }).toEqual({ ip, owner: undefined });
        owners.set(ip, n.name);
      }
    }
  }
  expect(new Set(p.nodes.map((n) => n.namespace)).size).toBe(p.nodes.length);
  for (const s of p.sessions) {
    for (const [end, other] of [
      [s.a, s.b],
      [s.b, s.a],
    ] as const) {
      expect(owners.get(end.address)).toBe(end.node);
      if (s.families) {
        expect(owners.get(end.address6!)).toBe(end.node);
        // The IPv6 next hop is on the same link as the IPv4 session: the peer can resolve it directly.
        const ifOf = (node: string, addr: string) => p.nodes.find((n) => n.name === node)!.interfaces.find((i) => i.addresses.some((a) => a.startsWith(`${addr}/`)))!;
        expect(ifOf(end.node, end.address6!).name).toBe(ifOf(end.node, end.address).name);
        expect(other.address6).toBeDefined();
      }
    }
  }
  for (const t of p.tunnels) expect(p.connections!.find((c) => c.name === t.connection)!.tunnels).toContain(t.name);
}

describe('hub and spokes', () => {
  const p = buildPlan(loadTopology(join(FIXTURES, 'topologies', 'hub-3-spokes.yaml')));

  it('gives each spoke its own mesh to the hub, with its own mode, ISPs and liveness', () => {
    expect(p.layout).toBe('hub-and-spoke');
    expect(p.connections!.map((c) => [c.name, c.mode, c.isps, c.tunnels.length, c.liveness.method, c.liveness.intervalMs, c.ipv6])).toEqual([
      ['s1-hub', 'active-active', ['isp1'], 4, 'bfd', 100, true],
      ['s2-hub', 'active-passive', ['isp1', 'lte'], 8, 'bfd', 50, true],
      ['s3-hub', 'active-active', ['isp1'], 2, 'probe', 200, false],
    ]);
    // Tunnels are numbered across the whole lab, connection by connection.
    expect(p.tunnels.map((t) => t.id)).toEqual(Array.from({ length: 14 }, (_, i) => `t${i + 1}`));
    expect(p.tunnels.filter((t) => t.connection === 's2-hub' && t.role === 'backup').map((t) => t.isp)).toEqual(['lte', 'lte', 'lte', 'lte']);
    checkInvariants(p);
  });

  it('names spoke nodes after their spoke and keeps each node on its site', () => {
    expect(p.nodes.filter((n) => n.siteName === 's2').map((n) => [n.name, n.role, n.site])).toEqual([
      ['s2-r1', 'onprem-router', 'onprem'],
      ['s2-r2', 'onprem-router', 'onprem'],
      ['s2-lan', 'lan-router', 'onprem'],
      ['s2-h1', 'host', 'onprem'],
    ]);
    expect(p.sites.hub).toMatchObject({ side: 'far', edges: ['hub1', 'hub2'], lanSegment6: '2001:db8:50::/64' });
    expect(p.sites.s3).toMatchObject({ side: 'onprem', edges: ['s3-r1'], mode: 'active-active', isps: ['isp1'] });
    expect(p.sites.s3.lanSegment6).toBeUndefined();
  });

  it('routes each spoke to the hub only: a spoke accepts the hub\'s prefixes, the hub every spoke\'s', () => {
    const spokeEnd = sessionsOf(p.sessions, 's1-r1').find((e) => e.session.kind === 'tunnel')!.local;
    expect(spokeEnd.import).toEqual(['10.50.0.0/16 le 32', '2001:db8:50::/48 le 128']);
    expect(spokeEnd.exportLearned).toEqual(['10.61.0.0/24 le 32', '2001:db8:61::/48 le 128']);
    // The hub's LAN router learns every spoke's prefixes; s3 is IPv4 only, so only its IPv4 prefix.
    const hubLan = p.sessions.find((s) => s.name === 'hub-lan-hub1')!;
    expect(hubLan.a.import).toEqual([
      '10.61.0.0/24 le 32',
      '2001:db8:61::/48 le 128',
      '10.62.0.0/24 le 32',
      '10.62.1.0/24 le 32',
      '2001:db8:62::/48 le 128',
      '10.63.0.0/24 le 32',
    ]);
  });

  it('carries IPv6 inside the tunnels of dual-stack spokes: a /126 per tunnel, IPv6 unicast on the IPv4 session', () => {
    const t1 = p.tunnels[0];
    expect([t1.innerPrefix6, t1.far.inner6, t1.onprem.inner6]).toEqual(['fd00:a9fe::/126', 'fd00:a9fe::1/126', 'fd00:a9fe::2/126']);
    const s = p.sessions.find((x) => x.tunnel === t1.name)!;
    expect(s.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect([s.a.address6, s.b.address6]).toEqual(['fd00:a9fe::2', 'fd00:a9fe::1']);
    // s3 is IPv4 only: no IPv6 in its tunnels or sessions.
    const t13 = p.tunnels.find((t) => t.id === 't13')!;
    expect(t13.innerPrefix6).toBeUndefined();
    expect(p.sessions.find((x) => x.tunnel === t13.name)!.families).toBeUndefined();
    // Hosts: IPv4 and IPv6 defaults through the LAN router.
    expect(p.nodes.find((n) => n.name === 's1-h1')!.routes).toEqual([
      { to: 'default', via: '10.61.0.1', dev: 'lan' },
      { to: '::/0', via: '2001:db8:61::1', dev: 'lan' },
    ]);
    expect(p.testClients.filter((c) => c.connection === 's1-hub').map((c) => [c.name, c.from.address, c.to.address])).toEqual([
      ['s1-h1-to-hub-h1', '10.61.0.10', '10.50.0.10'],
      ['s1-h1-to-hub-h1-v6', '2001:db8:61::a', '2001:db8:50::a'],
      ['hub-h1-to-s1-h1', '10.50.0.10', '10.61.0.10'],
      ['hub-h1-to-s1-h1-v6', '2001:db8:50::a', '2001:db8:61::a'],
    ]);
  });

  it('renders IPv6 for each daemon: bgpfo next-hop-ipv6, FRR address-family ipv6 unicast, a BIRD ipv6 channel', () => {
    const r1 = parseConfig(renderBgpfoConfig(p, 's1-r1'), 's1-r1.yaml');
    const hubSession = r1.neighbors.find((n) => n.name === 'hub1-isp1')!;
    expect(hubSession.families).toEqual(['ipv4-unicast', 'ipv6-unicast']);
    expect(hubSession.nextHopIpv6).toBe('fd00:a9fe::2');
    const frr = renderFrrConfig(p, 'hub1');
    const v6 = frr.slice(frr.indexOf(' address-family ipv6 unicast'));
    // hub1's dual-stack neighbors (s1's two tunnels, s2's four, the twin, the LAN router) are activated for IPv6; s3's are not.
    expect(v6.match(/^ {2}neighbor \S+ activate$/gm)).toHaveLength(2 + 4 + 2);
    expect(v6).not.toMatch(/neighbor 169\.254\.64\.50 activate/);
    expect(frr).toContain('route-map s1-r1-isp1-out6 permit 10\n match ipv6 address prefix-list s1-r1-isp1-out6\n set ipv6 next-hop global fd00:a9fe::1\nexit');
    expect(renderFrrConfig(p, 'hub-lan')).toContain('ipv6 route 2001:db8:50::/48 blackhole');
    // Each spoke's BFD timers in their own profile.
    expect(frr).toContain(' profile tunnel-100x3\n  detect-multiplier 3\n  receive-interval 100');
    expect(frr).toContain(' profile tunnel-50x4\n  detect-multiplier 4\n  receive-interval 50');
    const bird = renderBirdConfig(p, 's1-lan');
    expect(bird).toContain('protocol kernel kernel6 {\n  ipv6 {');
    expect(bird).toContain('protocol static site_prefixes6 {\n  ipv6;\n  route 2001:db8:61::/48 blackhole;');
    expect(bird).toMatch(/ {2}ipv6 \{\n {4}import filter s1_r1_v6_in;\n {4}export filter s1_r1_v6_out;\n {4}import limit 1000 action restart;\n {4}next hop address fd00:aff::d;/);
    const wg = renderWireguard(p, 's1-r1', fakeKeySource()).find((f) => f.ifname === 'hub3-t1o')!.text;
    expect(wg).toContain('Address = 169.254.64.2/30, fd00:a9fe::2/126');
    expect(wg).toContain('AllowedIPs = 0.0.0.0/0, ::/0');
  });

  it('shows every site with its addresses in `bgpfo plan`', () => {
    const text = describePlan(p);
    expect(text).toMatch(/^lab hub3 \(hub-3-spokes\.yaml\): hub-and-spoke, 4 sites, 3 connections, 14 wireguard tunnels, 24 BGP sessions, dual-stack$/m);
    expect(text).toContain('site s2: AS64602 10.62.0.0/24 10.62.1.0/24 2001:db8:62::/48; bgpfo on s2-r1, s2-r2, active-passive over isp1, lte');
    expect(text).toContain('  tunnels to hub (active-passive, liveness bfd 50 ms x 4, IPv4+IPv6):');
    expect(text).toContain('    t9   s2-r1-hub1-lte   backup   hub3-t9o 169.254.64.34/30 fd00:a9fe::22/126   hub3-t9f 169.254.64.33/30 fd00:a9fe::21/126   3/9');
  });
});

describe('a hub with 50 spokes', () => {
  const p = shipped('hub-50-spokes');

  it('plans 200 tunnels with names inside 15 characters and every address once', () => {
    expect([p.connections!.length, p.tunnels.length, p.nodes.length]).toEqual([50, 200, 1 + 4 + 50 * 4]);
    checkInvariants(p);
    expect(p.tunnels[199]).toMatchObject({ id: 't200', name: 's50-r2-hub2-isp1', onprem: { ifname: 'hs50-t200o' }, far: { ifname: 'hs50-t200f' } });
    // Every spoke's LAN router gets its own free ASN, clear of the spokes' and the hub's.
    const asns = p.nodes.filter((n) => n.asn !== undefined && n.role === 'lan-router').map((n) => n.asn);
    expect(new Set(asns).size).toBe(51);
  });

  it('raises the import limit of the hub\'s own sessions with the number of spokes they carry', () => {
    const limits = (kind: string, node: string) => [...new Set(p.sessions.filter((s) => s.kind === kind && (s.a.node === node || s.b.node === node)).map((s) => s.maxPrefixes))];
    expect(limits('ibgp', 'hub1')).toEqual([50 * 1000]);
    expect(limits('lan', 'hub1')).toEqual([50 * 1000]);
    expect(limits('tunnel', 'hub1')).toEqual([1000]);
    expect(limits('ibgp', 's01-r1')).toEqual([1000]);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(shipped('hub-50-spokes'))).toBe(JSON.stringify(p));
  });

  it('gives the BIRD hub one BFD block for all 100 of its tunnels and a session per tunnel', () => {
    const bird = renderBirdConfig(p, 'hub1');
    expect(bird.match(/^protocol bgp /gm)).toHaveLength(100 + 2);
    expect(bird.match(/^ {2}interface /gm)).toHaveLength(1);
    expect(bird).toContain('    interval 300 ms;\n    multiplier 3;');
  });

  it('draws one card and one line per spoke, in two columns that do not overlap', () => {
    const svg = renderSvg(p);
    const cards = [...svg.matchAll(/<g class="site" id="site-(s\d\d)">\n<rect x="([\d.]+)" y="([\d.]+)"/g)].map((m) => ({ id: m[1], x: Number(m[2]), y: Number(m[3]) }));
    expect(cards).toHaveLength(50);
    expect(svg.match(/<line class="connection /g)).toHaveLength(50);
    for (const col of [cards.filter((c) => c.x < 600), cards.filter((c) => c.x >= 600)]) {
      expect(col).toHaveLength(25);
      for (let i = 1; i < col.length; i++) expect(col[i].y - col[i - 1].y).toBeGreaterThanOrEqual(44 + 8);
    }
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height).toBeLessThan(2600);
    // A tunnel down is marked on its bundle.
    const down = renderSvg(p, { tunnelState: { 's07-r1-hub1-isp1': 'down' } });
    expect(down).toContain('4 tunnels t25..t28 · 1 down ✕');
  });
});

describe('one on-prem site with several far sites of different kinds', () => {
  const p = shipped('multi-cloud');
  const conn = (name: string) => p.connections!.find((c) => c.name === name)!;
  const session = (tunnelId: string) => p.sessions.find((s) => s.tunnel === p.tunnels.find((t) => t.id === tunnelId)!.name)!;

  it('keeps each provider\'s timers, its address range and its liveness', () => {
    checkInvariants(p);
    expect([session('t1'), session('t9'), session('t17'), session('t25')].map((s) => `${s.keepalive}/${s.holdTime}${s.fixedTimers ? ' fixed' : ''}`)).toEqual(['10/30 fixed', '60/180 fixed', '20/60 fixed', '3/9']);
    // Azure's APIPA range for its tunnels; the others from the multi-site pool.
    expect(conn('dc-azure').tunnels.map((t) => p.tunnels.find((x) => x.name === t)!.innerPrefix).every((x) => /^169\.254\.2[12]\./.test(x))).toBe(true);
    expect(p.tunnels[0].innerPrefix).toBe('169.254.64.0/30');
    expect([conn('dc-aws'), conn('dc-gcp'), conn('dc-dc2')].map((c) => c.liveness.method)).toEqual(['probe', 'probe', 'bfd']);
    expect(p.warnings).toEqual([]);
  });

  it('carries IPv6 only where the far side can (GCP and the BIRD data centre, not AWS or Azure)', () => {
    expect(p.connections!.map((c) => [c.name, c.ipv6])).toEqual([
      ['dc-aws', false],
      ['dc-azure', false],
      ['dc-gcp', true],
      ['dc-dc2', true],
    ]);
  });

  it('steers each cloud with what it honours: prepends on backups, more-specifics on a dead tunnel, GCP\'s MED on its routes', () => {
    expect(p.sites.aws.cloud).toEqual({ provider: 'aws', keepalive: 10, holdTime: 30, maxRoutesIn: 100, honours: { asPath: true, med: true }, moreSpecifics: true });
    expect(p.sites.gcp.cloud!.honours).toEqual({ asPath: true, med: true });
    const r1 = parseConfig(renderBgpfoConfig(p, 'r1'), 'r1.yaml');
    const awsBackup = r1.neighbors.find((n) => n.name === 'aws-a-isp2')!;
    expect([awsBackup.prepend, awsBackup.holdTime]).toEqual([2, 30]);
    expect(renderBgpfoConfig(p, 'r1')).toMatch(/- name: aws-a-isp1\n(?: {4}.*\n)*? {6}steering: \{ more-specifics: true \}/);
    const gcp = renderFrrConfig(p, 'gcp-a');
    expect(gcp.match(/^ set metric 100$/gm)!.length).toBe(8);
    // A cloud gateway applies no policy of ours: no prepends on its side, no BFD.
    expect(gcp).not.toMatch(/as-path prepend|bfd/);
  });

  it('puts MED 200 on our routes over backup tunnels to a cloud that compares MED (GCP, AWS), none to Azure or on primaries', () => {
    const r1 = parseConfig(renderBgpfoConfig(p, 'r1'), 'r1.yaml');
    const med = (name: string) => r1.neighbors.find((n) => n.name === name)!.export.med;
    const names = r1.neighbors.map((n) => n.name);
    for (const [prefix, want] of [['gcp-', 200], ['aws-', 200], ['az-', undefined]] as const) {
      const backups = names.filter((n) => n.startsWith(prefix) && n.endsWith('-isp2'));
      const primaries = names.filter((n) => n.startsWith(prefix) && n.endsWith('-isp1'));
      expect(backups.length).toBeGreaterThan(0);
      expect(backups.map(med)).toEqual(backups.map(() => want));
      expect(primaries.map(med)).toEqual(primaries.map(() => undefined));
    }
  });
});

describe('cloud limits', () => {
  const AWS = edit(edit(HUB, 'runs: bgpfo', 'runs: cloud\ncloud: aws'), 'mode: active-active', 'mode: active-active');
  const prefixes = (n: number) => `[${Array.from({ length: n }, (_, i) => `10.${1 + (i >> 8)}.${i & 255}.0/24`).join(', ')}]`;

  it('refuses more prefixes than AWS accepts per session, at the spoke\'s prefixes', () => {
    const text = edit(AWS, 'prefixes: [10.1.0.0/24]', `prefixes: ${prefixes(101)}`);
    const i = only(text);
    expect(i).toMatchObject({ path: 'spokes[0].prefixes', line: lineOf(text, 'prefixes: [10.1.0.0/24, 10.1.1.0/24') });
    expect(i.message).toBe('101 prefixes, but AWS Site-to-Site VPN accepts at most 100 routes per BGP session (hub); the session would be torn down or routes dropped');
    expect(i.fix).toBe("summarize s1's prefixes into at most 100");
  });

  it('turns more-specifics steering off, with a warning, when they would not fit', () => {
    const p = plan(edit(AWS, 'prefixes: [10.1.0.0/24]', `prefixes: ${prefixes(40)}`));
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/^topo\.yaml:\d+: spokes\[0\]\.prefixes: 40 prefixes leave no room under AWS Site-to-Site VPN's 100-route limit .* fix: summarize into at most 33 prefixes$/);
    expect(renderBgpfoConfig(p, 's1-r1')).not.toContain('more-specifics');
    expect(renderBgpfoConfig(p, 's2-r1')).toContain('steering: { more-specifics: true }');
    expect(p.sites.hub.cloud!.moreSpecifics).toBe(false);
  });

  it('takes Azure tunnels from its APIPA range, and refuses a pool outside it', () => {
    const azure = edit(HUB, 'runs: bgpfo', 'runs: cloud\ncloud: azure');
    expect(plan(azure).tunnels.map((t) => t.innerPrefix.slice(0, 11))).toEqual(Array(8).fill('169.254.21.'));
    const text = edit(azure, 'cloud: azure', 'cloud: azure\ninner-pool: 169.254.64.0/24');
    expect(only(text)).toMatchObject({
      path: 'hub.inner-pool',
      line: lineOf(text, 'inner-pool: 169.254.64'),
      message: 'Azure VPN Gateway takes tunnel inside addresses from 169.254.21.0/24, 169.254.22.0/24 only',
      fix: 'use a pool inside 169.254.21.0/24, 169.254.22.0/24',
    });
  });

  it('says what can change when Azure\'s APIPA range runs out of /30s', () => {
    const many = HUB.replace(/spokes:[\s\S]*/, `spokes:\n${Array.from({ length: 33 }, (_, i) => `  - { name: s${i + 1}, asn: ${65101 + i}, prefixes: [10.${i + 1}.0.0/24] }`).join('\n')}\n`);
    const text = edit(many, 'runs: bgpfo', 'runs: cloud\ncloud: azure');
    expect(only(text)).toMatchObject({
      path: 'hub.cloud',
      line: lineOf(text, 'cloud: azure'),
      message: '169.254.21.0/24, 169.254.22.0/24 holds 128 /30 blocks but the plan needs 132 (one per tunnel: 132 tunnels to hub)',
      fix: 'Azure VPN Gateway takes tunnel inside addresses from 169.254.21.0/24, 169.254.22.0/24 only: plan fewer tunnels to hub (fewer sites, routers or ISPs on it)',
    });
  });

  it('warns that IPv6 does not cross an Azure gateway', () => {
    const text = edit(edit(edit(HUB, 'runs: bgpfo', 'runs: cloud\ncloud: azure'), 'prefixes: [10.0.0.0/16]', 'prefixes: [10.0.0.0/16, 2001:db8::/48]'), 'prefixes: [10.1.0.0/24]', 'prefixes: [10.1.0.0/24, 2001:db8:1::/48]');
    const p = plan(text);
    expect(p.warnings).toEqual([`topo.yaml:${lineOf(text, 'cloud: azure')}: hub.cloud: Azure VPN Gateway carries no IPv6 over these tunnels, so IPv6 between s1 and hub is not planned; fix: reach the IPv6 prefixes another way, or drop them from this site`]);
    expect(p.connections![0].ipv6).toBe(false);
  });

  it('refuses BFD towards a cloud hub and an ASN the provider reserves', () => {
    const bfd = edit(edit(HUB, 'runs: bgpfo', 'runs: cloud\ncloud: gcp'), 'isps:', 'liveness:\n  method: bfd\nisps:');
    expect(only(bfd)).toMatchObject({ path: 'liveness.method', message: 'cloud VPN gateways do not run BFD, so a BFD session to them would never come up' });
    const reserved = edit(edit(HUB, 'runs: bgpfo', 'runs: cloud\ncloud: aws'), 'asn: 65002', 'asn: 7224');
    expect(only(reserved)).toMatchObject({ path: 'spokes[1].asn', line: lineOf(reserved, 'asn: 7224'), message: 'AWS Site-to-Site VPN reserves AS 7224 and refuses it from its peers' });
  });

  it('refuses cloud: on a far side that runs its own daemon', () => {
    const text = edit(HUB, 'runs: bgpfo', 'runs: bgpfo\ncloud: gcp');
    expect(only(text)).toMatchObject({ path: 'hub.cloud', line: lineOf(text, 'cloud: gcp'), fix: 'remove cloud:, or set runs: cloud' });
  });
});

describe('errors in multi-site files name the line, the field and the fix', () => {
  it('a file that mixes layouts', () => {
    const text = HUB.replace('spokes:', 'far:\n  name: dc\n  asn: 65020\n  prefixes: [10.20.0.0/16]\n  runs: bird\n  gateways: [{ name: gw1 }]\nspokes:');
    expect(only(text)).toMatchObject({ path: 'far', line: lineOf(text, 'far:'), message: 'far: does not go with hub: and spokes:' });
  });

  it('spokes without a hub', () => {
    const text = HUB.replace(/hub:\n(?: {2}.*\n)+/, '');
    expect(only(text)).toMatchObject({ path: 'hub', message: 'required but missing', fix: expect.stringMatching(/^add hub:/) });
  });

  it('a spoke with no mode to take', () => {
    const text = HUB.replace('mode: active-active\n', '');
    const e = topologyError(() => plan(text));
    expect(e.issues.map((i) => [i.path, i.line, i.message, i.fix])).toEqual([
      ['spokes[0].name', lineOf(text, 'name: s1'), 'spoke "s1" has no mode', 'set mode: at the top (for every spoke) or in this spoke'],
      ['spokes[1].name', lineOf(text, 'name: s2'), 'spoke "s2" has no mode', 'set mode: at the top (for every spoke) or in this spoke'],
    ]);
  });

  it('one ISP name with two roles', () => {
    const text = edit(HUB, 'prefixes: [10.2.0.0/24]', 'prefixes: [10.2.0.0/24]\nmode: active-passive\nisps:\n  - { name: lte, role: primary }\n  - { name: isp1, role: backup }');
    const i = only(text);
    expect(i).toMatchObject({ path: 'spokes[1].isps[1].role', line: lineOf(text, '{ name: isp1, role: backup }'), fix: 'give the ISP another name at this site' });
    expect(i.message).toBe('ISP "isp1" is backup here but primary at another site; an ISP\'s role (and its routing table) is the same everywhere');
  });

  it('two spokes with one ASN, or one name', () => {
    const asn = edit(HUB, 'asn: 65002', 'asn: 65001');
    expect(only(asn)).toMatchObject({ path: 'spokes[1].asn', line: asn.split('\n').lastIndexOf('    asn: 65001') + 1, message: expect.stringMatching(/^AS 65001 is already used by spokes\[0\]\.asn/) });
    const name = edit(HUB, '- name: s2', '- name: s1');
    expect(topologyError(() => plan(name)).issues[0]).toMatchObject({ path: 'spokes[1].name', message: "site name \"s1\" is also spokes[0]'s name", fix: 'give every site its own name' });
  });

  it('a spoke whose node names would not fit Linux\'s 15 characters, naming both fields to shorten', () => {
    const text = edit(HUB, '- name: s1', '- name: branch01\n  routers: [{ name: edge-one }, { name: edge-two }]');
    const i = topologyError(() => plan(text)).issues[0];
    expect(i.path).toBe('spokes[0].name');
    expect(i.line).toBe(lineOf(text, 'name: branch01'));
    expect(i.message).toMatch(/^interface name "branch01-edge-one-isp1" on internet is 22 characters; Linux allows 15$/);
    expect(i.fix).toBe('shorten spokes[0].name ("branch01") or spokes[0].routers[0].name ("edge-one") or isps[0].name ("isp1") by 7 characters');
  });

  it('more tunnels than the inner pool holds, with the size that would do', () => {
    const text = HUB.replace('isps:', 'addressing:\n  inner-pool: 169.254.100.0/29\nisps:');
    expect(only(text)).toMatchObject({
      path: 'addressing.inner-pool',
      message: '169.254.100.0/29 holds 2 /30 blocks but the plan needs 8 (one per tunnel: 8 tunnels)',
      fix: 'use a pool of at least a /27 (8 /30s)',
    });
  });

  it('IPv6: a site without IPv4, a first IPv6 prefix smaller than a /64, host bits, an IPv6 pool in an IPv4 key', () => {
    const noV4 = edit(HUB, 'prefixes: [10.1.0.0/24]', 'prefixes: [2001:db8:1::/48]');
    expect(only(noV4)).toMatchObject({ path: 'spokes[0].prefixes', fix: "add the site's IPv4 LAN prefix first" });
    const small = edit(HUB, 'prefixes: [10.1.0.0/24]', 'prefixes: [10.1.0.0/24, 2001:db8:1::/80]');
    expect(only(small)).toMatchObject({ path: 'spokes[0].prefixes[1]', fix: 'make the first IPv6 prefix a /64 or larger' });
    const bits = edit(HUB, 'prefixes: [10.1.0.0/24]', 'prefixes: [10.1.0.0/24, 2001:db8:1::1/48]');
    expect(only(bits)).toMatchObject({ path: 'spokes[0].prefixes[1]', line: lineOf(bits, '2001:db8:1::1/48'), message: 'host bits are set; did you mean 2001:db8:1::/48?' });
    const pool = HUB.replace('isps:', 'addressing:\n  inner-pool: fd00::/64\nisps:');
    expect(only(pool).message).toMatch(/IPv6 pools have their own keys: inner-pool-v6, transit-pool-v6/);
    const overlap = edit(edit(HUB, 'prefixes: [10.1.0.0/24]', 'prefixes: [10.1.0.0/24, 2001:db8:1::/48]'), 'prefixes: [10.2.0.0/24]', 'prefixes: [10.2.0.0/24, 2001:db8::/32]');
    expect(only(overlap)).toMatchObject({ path: 'spokes[1].prefixes[1]', message: 's2 prefix 2001:db8::/32 overlaps s1 prefix 2001:db8:1::/48' });
  });

  it('accepts IPv6 site prefixes in a two-site file too (the loader refused them before)', () => {
    const text = edit(
      edit(HUB.replace(/hub:[\s\S]*/, ''), 'type: wireguard', 'type: wireguard'),
      'lab: hs',
      'lab: hs',
    ).concat('onprem:\n  name: hq\n  asn: 65010\n  prefixes: [10.10.0.0/16, 2001:db8:10::/48]\n  routers: [{ name: r1 }, { name: r2 }]\nfar:\n  name: dc\n  asn: 65020\n  prefixes: [10.20.0.0/16, 2001:db8:20::/48]\n  runs: bird\n  gateways: [{ name: gw1 }, { name: gw2 }]\n');
    const p = plan(text);
    expect(p.layout).toBeUndefined();
    expect(p.ipv6).toEqual({ innerPool: 'fd00:a9fe::/64', transitPool: 'fd00:aff::/64' });
    expect(p.tunnels.every((t) => t.innerPrefix6)).toBe(true);
    expect(p.sessions.every((s) => s.families)).toBe(true);
    checkInvariants({ ...p, connections: [{ name: 'x', onprem: 'onprem', far: 'far', mode: p.mode, isps: [], liveness: p.liveness, tunnels: p.tunnels.map((t) => t.name), ipv6: true }], tunnels: p.tunnels.map((t) => ({ ...t, connection: 'x' })) });
  });
});

describe('the hub-and-spoke examples in the docs plan as they say', () => {
  const yamlAfter = (file: string, heading: string) => {
    const doc = readFileSync(join(ROOT, file), 'utf8');
    return /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(heading)))![1];
  };

  it('README: two spokes, one dual-stack and active/active, one active/passive over two ISPs', () => {
    const p = plan(yamlAfter('README.md', '### Many sites'));
    expect(p.connections!.map((c) => [c.name, c.mode, c.tunnels.length, c.ipv6])).toEqual([
      ['s01-hub', 'active-active', 4, true],
      ['s02-hub', 'active-passive', 8, false],
    ]);
    expect(p.warnings).toEqual([]);
  });

  it('docs/topology.md: spokes with their own mode, ISPs, liveness and one router', () => {
    const p = plan(yamlAfter('docs/topology.md', '### Hub and spokes'));
    expect(p.connections!.map((c) => [c.name, c.mode, c.liveness.intervalMs, c.tunnels.length])).toEqual([
      ['s01-hub', 'active-active', 100, 4],
      ['s02-hub', 'active-passive', 50, 4],
    ]);
    expect(p.sites.s02.edges).toEqual(['s02-r1']);
  });
});
