// What the lab reads back from the daemons and the kernel, parsed from real output captured in a lab:
// `birdc show protocols`, FRR's summary JSON, `nft -j list table`, `ip -j -s link`.

import { birdProtocolName, notEstablished, parseBirdProtocols, parseFrrSummary, type SessionEndState } from '../../../src/lab/sessions';
import { parseNftCounters, dropRules, countRules, nftTable } from '../../../src/lab/nft';
import { parseLinkStats } from '../../../src/lab/counters';

const BIRD = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     13:19:11.253  
kernel1    Kernel     master4    up     13:19:11.253  
bfd1       BFD        ---        up     13:19:11.253  
bgp_gw1_isp1 BGP        ---        start  13:19:17.177  Active        Error: BFD session down
bgp_gw2_isp1 BGP        ---        up     13:19:16.501  Established   
bgp_ibgp_r2 BGP        ---        up     13:19:15.496  Established   
bgp_hq_lan BGP        ---        down   2026-11-21 13:19:15  
`;

describe('birdc show protocols', () => {
  const p = parseBirdProtocols(BIRD);
  it('reads each BGP protocol\'s state and the info after it, and skips other protocols', () => {
    expect([...p.keys()]).toEqual(['bgp_gw1_isp1', 'bgp_gw2_isp1', 'bgp_ibgp_r2', 'bgp_hq_lan']);
    expect(p.get('bgp_gw1_isp1')).toEqual({ state: 'Active', info: 'Error: BFD session down' });
    expect(p.get('bgp_gw2_isp1')).toEqual({ state: 'Established', info: '' });
  });
  it('a disabled protocol (two-word Since, no state in Info) counts as Idle', () => {
    expect(p.get('bgp_hq_lan')!.state).toBe('Idle');
  });
  it('maps plan neighbor names to the protocol names the BIRD renderer gives them', () => {
    expect(birdProtocolName('gw1-isp1')).toBe('bgp_gw1_isp1');
    expect(birdProtocolName('hq-lan')).toBe('bgp_hq_lan');
  });
});

describe('FRR summary JSON', () => {
  it('gives peer address -> state', () => {
    const j = JSON.stringify({ routerId: '10.255.0.10', peers: { '10.255.0.9': { state: 'Established', pfxRcd: 1 }, '169.254.21.2': { state: 'Connect' } } });
    expect([...parseFrrSummary(j)]).toEqual([
      ['10.255.0.9', 'Established'],
      ['169.254.21.2', 'Connect'],
    ]);
    expect(parseFrrSummary('{}').size).toBe(0);
  });
});

describe('notEstablished', () => {
  const end = (session: string, node: string, state: string, info?: string): SessionEndState => ({ session, kind: 'tunnel', node, daemon: 'bgpfo', neighbor: `${node}-n`, peer: '169.254.21.1', state, ...(info ? { info } : {}) });
  it('names each session that is not Established at both ends, with both ends\' view', () => {
    const lines = notEstablished([end('t1', 'r1', 'Established'), end('t1', 'gw1', 'Established'), end('t2', 'r1', 'Active', 'TCP connection failed: ECONNREFUSED'), end('t2', 'gw2', 'down')]);
    expect(lines).toEqual(['t2: r1 (bgpfo, neighbor r1-n 169.254.21.1) Active [TCP connection failed: ECONNREFUSED]; gw2 (bgpfo, neighbor gw2-n 169.254.21.1) down']);
  });
});

describe('nftables', () => {
  it('a blackhole drops all of an interface\'s traffic in, out and through, in a table of its own', () => {
    const r = dropRules('aa4-t1o');
    expect(r).toContain(`table inet ${nftTable('blackhole', 'aa4-t1o')} {`);
    expect(nftTable('blackhole', 'aa4-t1o')).toBe('bgpfo_lab_blackhole_aa4_t1o');
    expect(r).toContain('hook input priority -300; policy accept; iifname "aa4-t1o" drop;');
    expect(r).toContain('hook output priority -300; policy accept; oifname "aa4-t1o" drop;');
    expect(r).toContain('iifname "aa4-t1o" drop; oifname "aa4-t1o" drop;');
    // chain names must not be nft keywords ("fwd" is one).
    expect(r).not.toMatch(/chain (in|out|fwd) /);
  });
  it('loss drops a random share with numgen (there is no netem here)', () => {
    const r = dropRules('aa4-t2o', 20);
    expect(r).toContain('table inet bgpfo_lab_loss_aa4_t2o');
    expect(r).toContain('iifname "aa4-t2o" numgen random mod 100 < 20 drop;');
    expect(() => dropRules('x', 0)).toThrow(/1\.\.100/);
    expect(() => dropRules('x', 101)).toThrow(/1\.\.100/);
  });
  it('counts one UDP port per interface and direction, and reads the counters back by comment', () => {
    expect(countRules(['a-t1o'], 47000)).toContain('oifname "a-t1o" udp dport 47000 counter comment "a-t1o/out"');
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { table: { family: 'inet', name: 'bgpfo_lab_count' } },
        { rule: { comment: 'lx5-t1o/out', expr: [{ match: {} }, { counter: { packets: 1116, bytes: 71424 } }] } },
        { rule: { comment: 'lx5-t1o/in', expr: [{ counter: { packets: 3, bytes: 192 } }] } },
        { rule: { expr: [{ counter: { packets: 9, bytes: 1 } }] } },
      ],
    });
    expect([...parseNftCounters(json)]).toEqual([
      ['lx5-t1o/out', 1116],
      ['lx5-t1o/in', 3],
    ]);
  });
});

describe('ip -j -s link', () => {
  it('gives up (UP and LOWER_UP) and the packet counters per interface', () => {
    const j = JSON.stringify([
      { ifname: 'lx5-t1o', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UP', stats64: { rx: { bytes: 5655, packets: 80 }, tx: { bytes: 4779, packets: 68 } } },
      { ifname: 'aa4-t1o', flags: ['POINTOPOINT', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN', stats64: { rx: { bytes: 0, packets: 0 }, tx: { bytes: 0, packets: 0 } } },
      { ifname: 'lan', flags: ['NO-CARRIER', 'BROADCAST', 'UP'], operstate: 'DOWN' },
    ]);
    const s = parseLinkStats(j);
    expect(s.get('lx5-t1o')).toEqual({ up: true, rxPackets: 80, txPackets: 68, rxBytes: 5655, txBytes: 4779 });
    expect(s.get('aa4-t1o')!.up).toBe(true);
    expect(s.get('lan')).toEqual({ up: false, rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0 });
  });
});
