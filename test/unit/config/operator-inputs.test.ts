// What a new operator writes: ASNs the config and the topology judge alike (asdot unquoted included), a backup
// neighbor that is backup in both directions, odd inputs refused with the fix, and every problem reported at once.

import fc from 'fast-check';
import { ConfigError, parseConfig } from '../../../src/config';
import type { NeighborPolicyConfig } from '../../../src/policy/config';
import { ImportPolicy } from '../../../src/policy/import';
import { attrs } from '../rib/helpers';
import { parseTopology } from '../../../src/orchestrator/topology/load';
import { TopologyError } from '../../../src/orchestrator/topology/errors';
import { parseAsn } from '../../../src/util/asn';
import { BASE as TOPOLOGY, edit } from '../orchestrator/helpers';

const HEAD = 'router: { asn: 65001, router-id: 10.0.0.1 }\n';

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'bgpfo.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

/** Does the daemon config accept `asn` as the router's ASN? */
function configTakes(asn: string): boolean {
  try {
    parseConfig(`router: { asn: ${asn}, router-id: 10.0.0.1 }\n`, 'c.yaml');
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.issues.map((i) => i.path)).toEqual(['router.asn']);
    return false;
  }
}

/** Does the topology accept `asn` as the on-prem site's ASN? */
function topologyTakes(asn: string): boolean {
  try {
    parseTopology(edit(TOPOLOGY, 'asn: 65010', `asn: ${asn}`), 't.yaml');
    return true;
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    expect(e.issues.map((i) => i.path)).toEqual(['onprem.asn']);
    return false;
  }
}

describe('ASNs: one parser for the daemon config and the topology', () => {
  test.each([
    ['0', false],
    ['23456', false],
    ['65535', false],
    ['4294967295', false],
    ['70000', false],
    ['4294967296', false],
    ['"65a"', false],
    ['-1', false],
    ['65534', true],
    ['64512', true],
    ['4200000000', true],
    ['4294967294', true],
    ['131072', true],
    ['"65001"', true],
    ['1.10', true],
    ['"1.10"', true],
    ['65535.65535', false],
    ['65536.1', false],
  ])('AS %s: both accept it, or both refuse it', (asn, ok) => {
    expect(configTakes(asn)).toBe(ok);
    expect(topologyTakes(asn)).toBe(ok);
  });

  test('any integer: the two files agree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 140000 }), fc.integer({ min: 4294900000, max: 4294967296 })), (n) => {
        expect(configTakes(String(n))).toBe(topologyTakes(String(n)));
      }),
      { numRuns: 60 },
    );
  });

  test('a reserved ASN is refused with the reason and what to use instead', () => {
    expect(errorsOf(`router: { asn: 65535, router-id: 10.0.0.1 }\n`)).toEqual([
      'bgpfo.yaml:1: router.asn: AS 65535 is the last of its range, reserved (RFC 7300); use a private ASN (64512..65534 or 4200000000..4294967294) or your registered one',
    ]);
    expect(parseAsn(4294967295)).toEqual({ error: expect.stringContaining('RFC 7300') });
  });
});

describe('asdot written without quotes (YAML would read 1.10 as the float 1.1)', () => {
  test('asn: 1.10 is AS 65546, not 1.1 (65537) and not refused', () => {
    const c = parseConfig(`router: { asn: 1.10, router-id: 10.0.0.1 }\nneighbors:\n  - name: a\n    address: 10.0.0.2\n    remote-asn: 1.1\n`, 'c.yaml');
    expect(c.router.asn).toBe(65546);
    expect(c.neighbors[0].remoteAsn).toBe(65537);
    expect(parseTopology(edit(TOPOLOGY, 'asn: 65010', 'asn: 3.100'), 't.yaml').onprem.asn).toBe(3 * 65536 + 100);
  });

  test('other floats stay floats (refused), and the source text only matters for ASN keys', () => {
    expect(errorsOf(`router: { asn: 1.5e3x, router-id: 10.0.0.1 }\n`)[0]).toMatch(/router\.asn: expected an AS number/);
    expect(errorsOf(`${HEAD}neighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65002, hold-time: 1.10 }\n`)[0]).toMatch(/hold-time: .*\(got 1\.1\)/);
  });
});

describe('role: backup is backup in both directions', () => {
  const two = (b: string) =>
    parseConfig(`${HEAD}neighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65002 }\n  - { name: b, address: 10.0.1.2, remote-asn: 65002, role: backup${b} }\n`, 'c.yaml');

  test('a backup neighbor gets LOCAL_PREF 50 (and 2 prepends) unless local-pref is set; a primary 100', () => {
    const c = two('');
    expect(c.neighbors.map((n) => [n.name, n.localPref, n.prepend])).toEqual([
      ['a', 100, 0],
      ['b', 50, 2],
    ]);
    expect(two(', local-pref: 100').neighbors[1].localPref).toBe(100);
    expect(two(', local-pref: 0').neighbors[1].localPref).toBe(0);
  });

  test('the import policy applies it: a backup route loses to the primary one on LOCAL_PREF', () => {
    const router = { asn: 65001, originate: [] };
    const lp = (cfg: NeighborPolicyConfig) => {
      const r = new ImportPolicy(cfg, router).importRoute('10.50.0.0/16', attrs([65002]));
      if (typeof r === 'string') throw new Error(r);
      return r.localPref;
    };
    expect(lp({ name: 'a', remoteAsn: 65002 })).toBe(100);
    expect(lp({ name: 'b', remoteAsn: 65002, role: 'backup' })).toBe(50);
    expect(lp({ name: 'c', remoteAsn: 65002, role: 'backup', localPref: 100 })).toBe(100);
  });
});

describe('odd inputs are refused with the fix', () => {
  test('an IPv6 session offering only ipv4-unicast can never carry a route', () => {
    expect(errorsOf(`${HEAD}neighbors:\n  - { name: a, address: "2001:db8::2", remote-asn: 65002, families: [ipv4-unicast] }\n`)).toEqual([
      'bgpfo.yaml:3: neighbors[0].families: an IPv6 session with only ipv4-unicast can never carry a route (IPv4 routes need an IPv4 next hop); add ipv6-unicast, or peer over IPv4 for IPv4 routes',
    ]);
    // IPv6 over IPv4 works (next-hop-ipv6 or the mapped form), so that is not refused.
    expect(() => parseConfig(`${HEAD}neighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65002, families: [ipv6-unicast] }\n`, 'c.yaml')).not.toThrow();
  });

  test('originating a default route must be meant: originate-allow-default', () => {
    expect(errorsOf(`${HEAD}originate: ["::/0", 10.1.0.0/16, 0.0.0.0/0]\n`)).toEqual([
      'bgpfo.yaml:2: originate[0]: ::/0 is the default route: every neighbor would send us all its IPv6 traffic; if that is meant, add originate-allow-default: true',
      'bgpfo.yaml:2: originate[2]: 0.0.0.0/0 is the default route: every neighbor would send us all its IPv4 traffic; if that is meant, add originate-allow-default: true',
    ]);
    const c = parseConfig(`${HEAD}originate: ["::/0"]\noriginate-allow-default: true\n`, 'c.yaml');
    expect(c.originate).toEqual(['::/0']);
    expect(errorsOf(`${HEAD}originate: [10.1.0.0/16]\noriginate-allow-default: true\n`)[0]).toMatch(/originate-allow-default: .*has no default route/);
  });

  test('an IPv4-mapped IPv6 address is refused with the IPv4 address to write', () => {
    expect(errorsOf(`router: { asn: 65001, router-id: 10.0.0.1, listen: ["::ffff:10.0.0.1"] }\n`)).toEqual([
      'bgpfo.yaml:1: router.listen[0]: ::ffff:10.0.0.1 is an IPv4-mapped IPv6 address (the form an IPv6 socket shows an IPv4 peer in); write the IPv4 address 10.0.0.1',
    ]);
    expect(errorsOf(`${HEAD}neighbors:\n  - { name: a, address: "::ffff:a00:2", remote-asn: 65002 }\n`)[0]).toContain('write the IPv4 address 10.0.0.2');
    // As a next hop it is what we send by default over IPv4: writing it out is allowed.
    const c = parseConfig(`${HEAD}neighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65002, next-hop-ipv6: "::ffff:10.0.0.1" }\n`, 'c.yaml');
    expect(c.neighbors[0].nextHopIpv6).toBe('::ffff:a00:1');
  });
});

describe('every problem at once', () => {
  test('interval-ms: 5 no longer hides a 19-byte MD5 key and a missing local-address', () => {
    const text = `${HEAD}neighbors:
  - name: a
    address: 10.0.0.2
    remote-asn: 65002
    liveness:
      mode: bfd
      interval-ms: 5
      bfd: { auth: { type: keyed-md5, key-id: 1, key: "1234567890123456789" } }
`;
    expect(errorsOf(text)).toEqual([
      "bgpfo.yaml:7: neighbors[0].liveness.mode: liveness mode bfd needs the neighbor's local-address: the BFD session is bound to the tunnel's local address",
      'bgpfo.yaml:8: neighbors[0].liveness.interval-ms: expected an integer 10..60000 (got 5)',
      'bgpfo.yaml:9: neighbors[0].liveness.bfd.auth.key: BFD keyed-md5 secret must be 1-16 bytes, got 19',
    ]);
  });

  test('a bad required field (remote-asn) does not hide the rest of its neighbor, nor the other neighbors', () => {
    const text = `${HEAD}neighbors:
  - { name: a, address: 10.0.0.2, remote-asn: 65535, keepalive: 30, hold-time: 20 }
  - { name: b, address: 10.0.0.2, remote-asn: 65002 }
`;
    expect(errorsOf(text)).toEqual([
      'bgpfo.yaml:3: neighbors[0].remote-asn: AS 65535 is the last of its range, reserved (RFC 7300); use a private ASN (64512..65534 or 4200000000..4294967294) or your registered one',
      'bgpfo.yaml:3: neighbors[0].keepalive: keepalive 30 must be less than hold-time 20 (one third of it is usual, RFC 4271 §10)',
      'bgpfo.yaml:4: neighbors[1].address: duplicate neighbor address 10.0.0.2 (also neighbors[0]); an incoming connection could not be told apart',
    ]);
  });

  test('a neighbor that cannot be checked at all is left out, and the others keep their own index', () => {
    const text = `${HEAD}neighbors:
  - just-a-name
  - { name: b, address: 10.0.0.2, remote-asn: 65002, keepalive: 90 }
`;
    const errs = errorsOf(text);
    expect(errs[0]).toMatch(/^bgpfo.yaml:3: neighbors\[0\]: expected a mapping/);
    expect(errs[1]).toBe('bgpfo.yaml:4: neighbors[1].keepalive: keepalive 90 must be less than hold-time 90 (one third of it is usual, RFC 4271 §10)');
    expect(errs).toHaveLength(2);
  });

  test('a cross-field rule that would be judged against a default in place of a refused value is not reported', () => {
    // hold-time 1 is refused; keepalive 60 must not be compared with the default 90 (or anything else).
    expect(errorsOf(`${HEAD}neighbors:\n  - { name: a, address: 10.0.0.2, remote-asn: 65002, hold-time: 1, keepalive: 60 }\n`)).toEqual([
      'bgpfo.yaml:3: neighbors[0].hold-time: hold-time 1 and 2 are not allowed: use 0 (no keepalives, no hold timer) or 3..65535 seconds (RFC 4271 §4.2)',
    ]);
  });
});
