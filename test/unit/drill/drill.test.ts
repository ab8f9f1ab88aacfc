// The drill's decisions without a router: when it refuses to start, how probe transcripts and interface
// counters become loss, gaps and "traffic moved" times, and the nftables it would use for --blackhole.

import type { AdjRibInResponse, RoutesResponse, SessionStatus, StatusResponse } from '../../../src/api/types';
import { drillBlackholeRules, drillPreflight, quietAfter, recordPingLine, summarizeProbe, txRate, type ProbeRecord, type RateSample } from '../../../src/drill';

function session(name: string, o: Partial<SessionStatus> = {}): SessionStatus {
  return { name, peer: `169.254.21.${name.length}`, peerAsn: 65020, role: 'primary', state: 'Established', uptime: 10, families: ['ipv4-unicast'], prefixes: { received: 1, accepted: 1, advertised: 1 }, lastError: null, flaps: 0, ...o };
}

const bfdUp = { mode: 'bfd' as const, state: 'up', verdict: 'up' as const };
const status = (sessions: SessionStatus[]): StatusResponse => ({ router: { asn: 65010, routerId: '10.255.0.2', version: 'x', pid: 1, uptime: 1, listen: [], locRibPrefixes: 1 }, sessions });
const path = (peer: string) => ({ peer, nextHop: null, asPath: [65020], origin: 'igp' as const });
const routes = (prefix: string, peers: string[]): RoutesResponse => ({ routes: [{ prefix, family: 'ipv4-unicast', best: path(peers[0]!), ecmp: peers.map(path), reason: 'ecmp' }], total: 1 });
const adj = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([n, prefixes]): [string, AdjRibInResponse] => [n, { neighbor: n, policy: 'post', routes: prefixes.map((p) => ({ prefix: p, path: path(n) })), total: prefixes.length }]));

const gw1 = session('gw1-isp1', { liveness: bfdUp });
const gw2 = session('gw2-isp1', { peer: '169.254.21.5', liveness: bfdUp });
const ibgp = session('ibgp-r2', { peerAsn: 65010 });
const lan = session('hq-lan', { peerAsn: 65100 });

describe('drill preflight', () => {
  it('lets a drill start when the other tunnel is healthy and offers every prefix', () => {
    const r = drillPreflight({ status: status([gw1, gw2, ibgp, lan]), routes: routes('10.20.0.0/16', ['gw1-isp1', 'gw2-isp1']), adjRibIn: adj({ 'gw2-isp1': ['10.20.0.0/16'], 'ibgp-r2': ['10.20.0.0/16'], 'hq-lan': ['10.10.0.0/16'] }), target: 'gw1-isp1' });
    expect(r).toMatchObject({ ok: true, refusals: [], prefixes: [{ prefix: '10.20.0.0/16', alternatives: ['gw2-isp1', 'ibgp-r2'] }] });
    expect(r.peers.map((p) => p.name)).toEqual(['gw2-isp1']);
  });

  it('refuses when another tunnel is down, demoted or drained, naming it and why', () => {
    const down = session('gw2-isp1', { state: 'Active', lastError: 'hold timer expired' });
    const r = drillPreflight({ status: status([gw1, down, ibgp]), routes: routes('10.20.0.0/16', ['gw1-isp1']), adjRibIn: adj({ 'ibgp-r2': ['10.20.0.0/16'] }), target: 'gw1-isp1' });
    expect(r.ok).toBe(false);
    expect(r.refusals).toEqual(['1 of the other 1 tunnel(s) not healthy: gw2-isp1 is Active (hold timer expired)']);
    const demoted = session('gw2-isp1', { liveness: { ...bfdUp, verdict: 'demoted', verdictDetail: 'loss 20 % > 5 %' } });
    expect(drillPreflight({ status: status([gw1, demoted]), routes: routes('10.20.0.0/16', ['gw1-isp1']), adjRibIn: adj({ 'gw2-isp1': ['10.20.0.0/16'] }), target: 'gw1-isp1' }).refusals[0]).toContain('gw2-isp1 is demoted (loss 20 % > 5 %)');
    const bfdDown = session('gw2-isp1', { liveness: { mode: 'bfd', state: 'down', detail: 'Control Detection Time Expired' } });
    expect(drillPreflight({ status: status([gw1, bfdDown]), routes: routes('p', []), adjRibIn: adj({}), target: 'gw1-isp1' }).refusals[0]).toContain('gw2-isp1: bfd down (Control Detection Time Expired)');
    const drained = session('gw2-isp1', { drain: { target: 'gw2-isp1', since: 3, phase: 'moved', shutdown: false } });
    expect(drillPreflight({ status: status([gw1, drained]), routes: routes('p', []), adjRibIn: adj({}), target: 'gw1-isp1' }).refusals).toContain('another drain is in place (gw2-isp1): one drill or maintenance at a time');
  });

  it('with --allow-degraded still refuses when a prefix would have no healthy path at all', () => {
    const down = session('gw2-isp1', { state: 'Idle' });
    const ok = drillPreflight({ status: status([gw1, down, ibgp]), routes: routes('10.20.0.0/16', ['gw1-isp1']), adjRibIn: adj({ 'ibgp-r2': ['10.20.0.0/16'] }), target: 'gw1-isp1', allowDegraded: true });
    expect(ok).toMatchObject({ ok: true, warnings: ['1 of the other 1 tunnel(s) not healthy: gw2-isp1 is Idle'] });
    const orphan = drillPreflight({ status: status([gw1, down]), routes: routes('10.20.0.0/16', ['gw1-isp1']), adjRibIn: adj({}), target: 'gw1-isp1', allowDegraded: true });
    expect(orphan.refusals).toEqual(['1 prefix(es) would have no healthy path without gw1-isp1: 10.20.0.0/16']);
  });

  it('refuses an unknown or unhealthy target, and a target that is the only tunnel', () => {
    expect(drillPreflight({ status: status([gw1]), routes: routes('p', []), adjRibIn: adj({}), target: 'gw9' }).refusals[0]).toBe('no neighbor gw9; neighbors: gw1-isp1');
    const r = drillPreflight({ status: status([session('gw1-isp1', { state: 'Connect' }), lan]), routes: routes('p', []), adjRibIn: adj({}), target: '169.254.21.8' });
    expect(r.refusals).toEqual(['the drilled neighbor is not healthy: gw1-isp1 is Connect', 'no other tunnel to AS 65020: draining gw1-isp1 would leave no path at all']);
    expect(drillPreflight({ status: status([gw1, gw2]), routes: routes('p', []), adjRibIn: adj({}), target: 'gw1-isp1', peers: ['gw7'] }).refusals).toContain('no neighbor gw7 (--peer)');
  });
});

describe('drill probes', () => {
  const rec = (): ProbeRecord => ({ target: '169.254.21.1', role: 'drilled', intervalMs: 10, replies: [], missed: [], errors: [] });

  it('turn ping -D -O lines into replies and misses, a late reply cancelling its miss', () => {
    const r = rec();
    const lines = [
      'PING 169.254.21.1 (169.254.21.1) 56(84) bytes of data.',
      '[1000.000000] 64 bytes from 169.254.21.1: icmp_seq=1 ttl=64 time=0.05 ms',
      '[1000.020000] no answer yet for icmp_seq=2',
      '[1000.030000] no answer yet for icmp_seq=3',
      '[1000.031000] 64 bytes from 169.254.21.1: icmp_seq=3 ttl=64 time=11 ms',
      '[1000.040000] no answer yet for icmp_seq=4',
      '[1000.300000] 64 bytes from 169.254.21.1: icmp_seq=30 ttl=64 time=0.05 ms',
      '[1000.310000] 64 bytes from 169.254.21.1: icmp_seq=30 ttl=64 time=0.05 ms (DUP!)',
    ];
    for (const l of lines) recordPingLine(r, l);
    expect(r.replies.map((x) => x.seq)).toEqual([1, 3, 30]);
    expect(r.missed.map((x) => x.seq)).toEqual([2, 4]);
    const s = summarizeProbe(r, 1_000_000, 1_000_400);
    expect(s).toMatchObject({ replies: 3, lost: 2, firstMissAt: 1_000_010, recoveredAt: 1_000_300 });
    expect(s.longestGapMs).toBeCloseTo(269, 0);
  });

  it('find when a tunnel went quiet from its counters', () => {
    const samples: RateSample[] = [];
    for (let t = 0; t <= 1000; t += 10) samples.push({ at: t, tx: new Map([['t1', t < 400 ? t * 5 : 2000 + (t - 400) * 0.05]]), rx: new Map() });
    expect(Math.round(txRate(samples, 't1', 0, 300))).toBe(5000);
    expect(quietAfter(samples, 't1', 200, 150)).toBe(400);
    expect(quietAfter(samples, 't1', 0, 1)).toBeUndefined();
  });

  it('blackholes with a table of its own that leaves the lab and the daemon alone', () => {
    const rules = drillBlackholeRules('aa4-t1o');
    expect(rules.split('\n')[0]).toBe('table inet bgpfo_drill_aa4_t1o {');
    expect(rules).toContain('oifname "aa4-t1o" drop;');
    expect(rules).toContain('chain drop_fwd { type filter hook forward priority -300;');
  });
});
