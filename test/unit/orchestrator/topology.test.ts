// Topology file loading: defaults, and every kind of error naming the line, the field and the fix.

import { join } from 'node:path';
import { loadTopology, parseTopology } from '../../../src/orchestrator/topology/load';
import { classifyAsn } from '../../../src/orchestrator/topology/normalize';
import { BASE, edit, lineOf, ROOT, topologyError } from './helpers';

const parse = (text: string) => parseTopology(text, 'topo.yaml');
const only = (text: string) => {
  const e = topologyError(() => parse(text));
  expect(e.issues).toHaveLength(1);
  return e.issues[0];
};

describe('valid topologies', () => {
  it('fills in every default', () => {
    const t = parse(BASE);
    expect(t.tunnel).toEqual({ type: 'wireguard', mtu: 1420, listenPort: 51820 });
    expect(t.liveness).toEqual({ method: 'bfd', intervalMs: 100, multiplier: 3 });
    expect(t.bgp).toEqual({ holdTime: 30, keepalive: 10, maxPrefixes: 1000, backupPrepend: 2, backupLocalPref: 50, gracefulRestart: false });
    expect(t.addressing.innerPool).toEqual(['169.254.21.0/24', '169.254.22.0/24']);
    expect(t.onprem.lanRouter).toEqual({ name: 'hq-lan', asn: 65100, runs: 'bird' });
    expect(t.far.lanRouter).toEqual({ name: 'dc-lan', asn: 65200, runs: 'bird' });
    expect(t.onprem.hosts).toBe(1);
    expect(t.warnings).toEqual([]);
  });

  it('defaults a cloud far side to probe liveness and an FRR stand-in', () => {
    const t = parse(edit(BASE, 'runs: bgpfo', 'runs: cloud'));
    expect(t.liveness.method).toBe('probe');
    expect(t.far.standIn).toBe('frr');
  });

  it('steps LAN router ASNs around the ones the file uses', () => {
    const t = parse(edit(edit(BASE, 'asn: 65010', 'asn: 65100'), 'asn: 65020', 'asn: 65101'));
    expect(t.onprem.lanRouter.asn).toBe(65102);
    expect(t.far.lanRouter.asn).toBe(65200);
  });

  it.each(['four-tunnel-active-active', 'eight-tunnel-active-passive', 'cloud-gateway'])('loads topologies/%s.yaml without warnings', (name) => {
    const t = loadTopology(join(ROOT, 'topologies', `${name}.yaml`));
    expect(t.warnings).toEqual([]);
  });
});

describe('schema errors name the line, the field and what to write', () => {
  it('an unknown key, with the key it resembles', () => {
    const text = edit(BASE, 'prefixes: [10.10.0.0/16]', 'prefix: [10.10.0.0/16]');
    const e = topologyError(() => parse(text));
    const unknown = e.issues.find((i) => i.path === 'onprem.prefix')!;
    expect(unknown.line).toBe(lineOf(text, 'prefix: [10.10'));
    expect(unknown.message).toBe('unknown key "prefix"');
    expect(unknown.fix).toBe('did you mean "prefixes"?');
    // ...and the key it replaced is now missing.
    expect(e.issues.find((i) => i.path === 'onprem.prefixes')?.message).toBe('required but missing');
  });

  it('a wrong type, quoting what was found', () => {
    const text = edit(BASE, 'asn: 65020', 'asn: "65a"');
    const i = only(text);
    expect(i).toMatchObject({ line: lineOf(text, '"65a"'), path: 'far.asn' });
    expect(i.message).toMatch(/^expected an AS number.*\(got "65a"\)$/);
  });

  it('a missing required field, pointing at its parent', () => {
    const text = BASE.replace('  runs: bgpfo\n', '');
    const i = only(text);
    expect(i).toMatchObject({ path: 'far.runs', message: 'required but missing', line: lineOf(text, 'far:') });
    expect(i.fix).toMatch(/^add runs: \(expected one of bgpfo, frr, bird, cloud\)$/);
  });

  it('a prefix with host bits, suggesting the network', () => {
    const text = edit(BASE, 'prefixes: [10.20.0.0/16]', 'prefixes: [10.20.1.0/16]');
    expect(only(text)).toMatchObject({ path: 'far.prefixes[0]', line: lineOf(text, '10.20.1.0/16'), message: 'host bits are set; did you mean 10.20.0.0/16?' });
  });

  it('an enum value out of range', () => {
    const text = edit(BASE, 'type: wireguard', 'type: gre');
    expect(only(text)).toMatchObject({ path: 'tunnel.type', line: 4, message: 'expected wireguard, veth or ipsec (got "gre")' });
  });

  it('a name Linux tools would choke on', () => {
    const text = edit(BASE, '- name: r2', '- name: R_2');
    expect(only(text)).toMatchObject({ path: 'onprem.routers[1].name', line: lineOf(text, 'R_2') });
  });

  it('YAML syntax and duplicate keys', () => {
    expect(only('lab: t\nmode: [unclosed\n').message).toMatch(/^YAML syntax/);
    const dup = only(`${BASE}lab: again\n`);
    expect(dup).toMatchObject({ message: 'duplicate key', line: lineOf(`${BASE}lab: again\n`, 'lab: again') });
    expect(dup.fix).toMatch(/once per mapping/);
  });

  it('an empty file and an unreadable one', () => {
    expect(only('').message).toBe('the file is empty');
    const e = topologyError(() => loadTopology('/nonexistent/topo.yaml'));
    expect(e.message).toBe('/nonexistent/topo.yaml: cannot read the topology file: no such file');
  });

  it('formats issues as file:line: field: message; fix: ...', () => {
    const e = topologyError(() => parse(edit(BASE, 'asn: 65010', 'asn: 0')));
    expect(e.code).toBe('ERR_TOPOLOGY');
    expect(e.message).toBe(`topo.yaml:${lineOf(BASE, 'asn: 65010')}: onprem.asn: AS 0 is reserved (RFC 7607) and cannot be used in a session; fix: use a private ASN (64512..65534 or 4200000000..4294967294) or your registered one`);
  });
});

describe('AS numbers', () => {
  it.each([
    [0, /RFC 7607/],
    [23456, /AS_TRANS/],
    [65535, /RFC 7300/],
    [4294967295, /RFC 7300/],
    [70000, /IANA reserved/],
  ])('refuses AS %d', (asn, why) => {
    const text = edit(BASE, 'asn: 65020', `asn: ${asn}`);
    expect(only(text)).toMatchObject({ path: 'far.asn', line: lineOf(text, `asn: ${asn}`), message: expect.stringMatching(why) });
  });

  it.each([64496, 64511, 65536, 65551])('warns about documentation AS %d', (asn) => {
    const t = parse(edit(BASE, 'asn: 65020', `asn: ${asn}`));
    expect(t.warnings).toEqual([expect.objectContaining({ path: 'far.asn', message: expect.stringMatching(/RFC 5398/) })]);
  });

  it('accepts private and public ASNs silently', () => {
    for (const asn of [1, 64512, 65534, 131072, 4200000000, 4294967294]) expect(classifyAsn(asn)).toEqual({});
  });

  it('refuses the same ASN on both sites', () => {
    const text = edit(BASE, 'asn: 65020', 'asn: 65010');
    expect(only(text)).toMatchObject({ path: 'far.asn', message: expect.stringMatching(/already used by onprem.asn/) });
  });

  it('warns when the on-prem ASN is one Azure reserves', () => {
    const t = parse(edit(edit(BASE, 'runs: bgpfo', 'runs: cloud'), 'asn: 65010', 'asn: 65517'));
    expect(t.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/Azure/)]);
  });
});

describe('cross-field rules', () => {
  const twoIsps = BASE.replace('  - name: isp1\n    role: primary\n', '  - name: isp1\n    role: primary\n  - name: isp2\n    role: backup\n');

  it('active-active takes exactly one ISP', () => {
    const i = only(twoIsps);
    expect(i).toMatchObject({ path: 'isps', line: lineOf(BASE, '- name: isp1'), message: expect.stringMatching(/exactly one ISP.*\(got 1 primary, 1 backup\)/) });
    expect(i.fix).toMatch(/active-passive/);
  });

  it('active-passive needs a primary and a backup ISP', () => {
    const i = only(edit(BASE, 'mode: active-active', 'mode: active-passive'));
    expect(i.message).toMatch(/one primary and one backup ISP \(got 1 primary, 0 backup\)/);
    expect(() => parse(edit(twoIsps, 'mode: active-active', 'mode: active-passive'))).not.toThrow();
  });

  it('one on-prem router is a single point of failure', () => {
    const i = only(BASE.replace('    - name: r2\n', ''));
    expect(i).toMatchObject({ path: 'onprem.routers', message: expect.stringMatching(/single point of failure/) });
  });

  it('cloud gateways cannot do BFD', () => {
    const text = edit(edit(BASE, 'runs: bgpfo', 'runs: cloud'), 'isps:', 'liveness:\n  method: bfd\nisps:');
    const i = only(text);
    expect(i).toMatchObject({ path: 'liveness.method', line: lineOf(text, 'method: bfd') });
    expect(i.fix).toMatch(/method: probe/);
  });

  it('warns that cloud tunnels ignore our BGP timers', () => {
    const t = parse(edit(edit(BASE, 'runs: bgpfo', 'runs: cloud'), 'isps:', 'bgp:\n  hold-time: 9\nisps:'));
    expect(t.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/fixed 60\/180 s/)]);
  });

  it('stand-in only with runs: cloud', () => {
    expect(only(edit(BASE, 'runs: bgpfo', 'runs: bgpfo\nstand-in: bird')).path).toBe('far.stand-in');
  });

  it('keepalive must be shorter than the hold time', () => {
    expect(only(edit(BASE, 'isps:', 'bgp:\n  hold-time: 9\n  keepalive: 9\nisps:')).fix).toBe('use at most 3 (hold-time / 3)');
  });

  it('site prefixes and pools must not overlap', () => {
    const text = edit(BASE, 'prefixes: [10.20.0.0/16]', 'prefixes: [10.0.0.0/8]');
    const e = topologyError(() => parse(text));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['addressing.transit-pool', 'far.prefixes[0]']);
    const pool = e.issues.find((i) => i.path === 'addressing.transit-pool')!;
    expect(pool.message).toMatch(/\(the default addressing.transit-pool\) overlaps far prefix 10.0.0.0\/8/);
    expect(pool.fix).toMatch(/^set addressing.transit-pool to a range outside/);
  });

  it('node names must be unique', () => {
    const i = only(edit(BASE, '- name: gw2', '- name: r1'));
    expect(i).toMatchObject({ path: 'far.gateways[1].name', message: expect.stringMatching(/already taken by onprem.routers\[0\].name/) });
  });

  it('uplinks must name a known ISP and a gateway on their subnet', () => {
    const text = edit(BASE, '- name: r1', '- name: r1\n  uplinks:\n    - { isp: isp9, address: 203.0.113.2/30, gateway: 203.0.114.1 }');
    const e = topologyError(() => parse(text));
    expect(e.issues.map((i) => i.path).sort()).toEqual(['onprem.routers[0].uplinks[0].gateway', 'onprem.routers[0].uplinks[0].isp']);
  });

  it('reports the schema errors and the cross-field ones at once (a refused mtu does not hide a reserved ASN)', () => {
    const both = edit(edit(BASE, 'asn: 65010', 'asn: 23456'), 'type: wireguard', 'type: wireguard\nmtu: 100');
    expect(topologyError(() => parse(both)).issues.map((i) => i.path)).toEqual(['tunnel.mtu', 'onprem.asn']);
    // A rule that would judge a refused value's default is not reported: hold-time 2 refused, keepalive 40 not compared with the default 30.
    const timers = edit(BASE, 'mode: active-active', 'mode: active-active\nbgp: { hold-time: 2, keepalive: 40 }');
    expect(topologyError(() => parse(timers)).issues.map((i) => i.path)).toEqual(['bgp.hold-time']);
    expect(only(edit(BASE, 'asn: 65010', 'asn: 23456')).path).toBe('onprem.asn');
  });
});
