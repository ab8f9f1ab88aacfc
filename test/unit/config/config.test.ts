// Config loading: defaults, canonical values, and that every error names file, line, field path and the expectation.
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { ConfigError, loadConfig, parseConfig, type DaemonConfig } from '../../../src/config';

const FULL = join(__dirname, 'fixtures', 'full.yaml');

const MIN = `router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: tun-a1, address: 169.254.21.1, remote-asn: 64512 }
`;

/** The error lines of a config that must fail. */
function errorsOf(text: string, file = 'bgpfo.yaml'): string[] {
  try {
    parseConfig(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

/** One neighbor entry (YAML lines, indented 4) appended to a minimal valid header. */
function withNeighbor(lines: string, header = 'router: { asn: 65001, router-id: 10.0.0.1 }'): string {
  return `${header}\nneighbors:\n  - name: n1\n    address: 10.0.0.2\n    remote-asn: 65002\n${lines}`;
}

describe('valid configs', () => {
  test('the documented full example loads with every value as written, canonical and camelCase', () => {
    const c = loadConfig(FULL);
    expect(c.router).toEqual({ asn: 65001, routerId: '10.0.0.1', listen: ['169.254.21.2'], listenDefaulted: false, port: 179 });
    expect(c.originate).toEqual(['10.1.0.0/16', '2001:db8:1::/48']);
    expect(c.control).toEqual({ socket: '/run/bgpfo/bgpfo.sock', group: 'bgpfo' });
    expect(c.rib).toEqual({ maxPaths: 8, keepPrePolicy: true });
    const n = c.neighbors[0];
    expect(n).toMatchObject({
      name: 'tun-a1',
      address: '169.254.21.1',
      localAddress: '169.254.21.2',
      remoteAsn: 64512,
      ibgp: false,
      holdTime: 90,
      keepalive: 30,
      role: 'primary',
      prepend: 0,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      nextHopIpv6: '2001:db8::2',
      shutdownMessage: 'maintenance',
    });
    expect(n.import).toEqual({ allow: [{ prefix: '10.0.0.0/8', le: 24 }], deny: [], allowDefault: false, allowOwn: false, maxPrefixes: 100000, maxPrefixesWarning: 75 });
    expect(n.export).toEqual({ learned: [], communities: [65000 * 65536 + 100], largeCommunities: [[65000, 1, 2]] });
    expect(c.neighbors[1]).toMatchObject({ name: 'tun-b1', role: 'backup', prepend: 2 });
  });

  test('a minimal config gets every default', () => {
    const c: DaemonConfig = parseConfig(MIN, 'min.yaml');
    expect(c.router).toEqual({ asn: 65001, routerId: '10.0.0.1', listen: ['0.0.0.0', '::'], listenDefaulted: true, port: 179 });
    expect(c.originate).toEqual([]);
    expect(c.control).toEqual({ socket: '/run/bgpfo/bgpfo.sock' });
    expect(c.log).toEqual({ level: 'info' });
    expect(c.rib).toEqual({ maxPaths: 8, keepPrePolicy: true });
    expect(c.neighbors[0]).toEqual({
      name: 'tun-a1',
      address: '169.254.21.1',
      addressFamily: 'ipv4',
      remoteAsn: 64512,
      ibgp: false,
      passive: false,
      port: 179,
      holdTime: 90,
      keepalive: 30,
      connectRetry: 5,
      role: 'primary',
      prepend: 0,
      localPref: 100,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      import: { allow: [], deny: [], allowDefault: false, allowOwn: false },
      export: { learned: [], communities: [], largeCommunities: [] },
      gracefulRestart: { enabled: false, restartTime: 120 },
    });
  });

  test('listen defaults to the neighbors\' local addresses when every neighbor has one', () => {
    const c = parseConfig(
      `router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: a, address: 169.254.21.1, local-address: 169.254.21.2, remote-asn: 64512 }
  - { name: b, address: 169.254.21.5, local-address: 169.254.21.6, remote-asn: 64512 }
  - { name: c, address: "2001:db8::1", local-address: "2001:DB8:0::2", remote-asn: 64512 }
`,
      'x.yaml',
    );
    expect(c.router.listen).toEqual(['169.254.21.2', '169.254.21.6', '2001:db8::2']);
    expect(c.neighbors[2]).toMatchObject({ addressFamily: 'ipv6', localAddress: '2001:db8::2' });
  });

  test('keepalive defaults to a third of the hold time; hold-time 0 means no keepalives', () => {
    const c = parseConfig(withNeighbor('    hold-time: 10\n  - { name: n2, address: 10.0.0.3, remote-asn: 65002, hold-time: 0 }\n'), 'x');
    expect(c.neighbors.map((n) => [n.holdTime, n.keepalive])).toEqual([[10, 3], [0, 0]]);
  });

  test('ASNs accept asdot and digit strings; iBGP is detected; a backup iBGP neighbor is not prepended', () => {
    const c = parseConfig(
      `router: { asn: "1.10", router-id: 10.0.0.1 }
neighbors:
  - { name: a, address: 10.0.0.2, remote-asn: 65546, role: backup }
  - { name: b, address: 10.0.0.3, remote-asn: "4200000000" }
`,
      'x',
    );
    expect(c.router.asn).toBe(65546);
    expect(c.neighbors[0]).toMatchObject({ ibgp: true, prepend: 0, role: 'backup' });
    expect(c.neighbors[1]).toMatchObject({ remoteAsn: 4200000000, ibgp: false });
  });

  test('communities by name, filters in text and object form, empty values treated as unset', () => {
    const c = parseConfig(
      withNeighbor(`    local-address:
    import:
      allow: ["10.0.0.0/8 ge 16 le 24", { prefix: "2001:db8::/32", le: 48 }, 192.0.2.0/24]
    export: { communities: [graceful-shutdown, NO-EXPORT, "0:0"] }
`),
      'x',
    );
    const n = c.neighbors[0];
    expect(n.localAddress).toBeUndefined();
    expect(n.import.allow).toEqual([{ prefix: '10.0.0.0/8', ge: 16, le: 24 }, { prefix: '2001:db8::/32', le: 48 }, { prefix: '192.0.2.0/24' }]);
    expect(n.export.communities).toEqual([0xffff0000, 0xffffff01, 0]);
  });
});

describe('errors name the file, the line, the field and what is expected', () => {
  test('the example from the brief: a bad remote-asn on line 14', () => {
    const text = `router:
  asn: 65001
  router-id: 10.0.0.1
neighbors:
  - name: tun-a1
    address: 169.254.21.1
    remote-asn: 64512
  - name: tun-a2
    address: 169.254.21.5
    local-address: 169.254.21.6
    role: backup
    passive: true
    hold-time: 9
    remote-asn: 65a
`;
    expect(errorsOf(text)).toEqual(['bgpfo.yaml:14: neighbors[1].remote-asn: expected an AS number: an integer 1..4294967294 or asdot X.Y such as 1.10 (RFC 5396) (got "65a")']);
  });

  test('ConfigError carries structured issues', () => {
    try {
      parseConfig(withNeighbor('    port: 0\n'), 'f.yaml');
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.code).toBe('ERR_CONFIG');
      expect(err.file).toBe('f.yaml');
      expect(err.issues).toEqual([{ line: 6, path: 'neighbors[0].port', message: 'expected an integer 1..65535 (got 0)' }]);
    }
  });

  test('unknown keys are errors, at the key\'s line, with a suggestion', () => {
    expect(errorsOf(withNeighbor('    remote-as: 1\n    hold_time: 3\n    import: { alow: [] }\n'))).toEqual([
      'bgpfo.yaml:6: neighbors[0].remote-as: unknown key "remote-as"; did you mean "remote-asn"?',
      'bgpfo.yaml:7: neighbors[0].hold_time: unknown key "hold_time"; did you mean "hold-time"?',
      'bgpfo.yaml:8: neighbors[0].import.alow: unknown key "alow"; did you mean "allow"?',
    ]);
    expect(errorsOf(`${MIN}routers: {}\n`)).toEqual(['bgpfo.yaml:4: routers: unknown key "routers"; did you mean "router"?']);
    expect(errorsOf(`${MIN}zzz: 1\n`)[0]).toMatch(/^bgpfo.yaml:4: zzz: unknown key "zzz"; expected one of router, originate, originate-allow-default, control, log, rib, neighbors\b/);
  });

  test('missing required fields point at the enclosing entry', () => {
    expect(errorsOf('router: { asn: 65001 }\nneighbors:\n  - name: a\n    address: 10.0.0.2\n')).toEqual([
      'bgpfo.yaml:1: router.router-id: required, expected an IPv4 dotted quad such as 10.0.0.1',
      'bgpfo.yaml:3: neighbors[0].remote-asn: required, expected an AS number: an integer 1..4294967294 or asdot X.Y such as 1.10 (RFC 5396)',
    ]);
    expect(errorsOf('neighbors: []\n')).toEqual(['bgpfo.yaml:1: router: required, expected a mapping (key: value lines)']);
  });

  test('hold-time 1 and 2 are refused with the reason; keepalive must fit the hold time', () => {
    for (const h of [1, 2]) {
      expect(errorsOf(withNeighbor(`    hold-time: ${h}\n`))).toEqual([
        'bgpfo.yaml:6: neighbors[0].hold-time: hold-time 1 and 2 are not allowed: use 0 (no keepalives, no hold timer) or 3..65535 seconds (RFC 4271 §4.2)',
      ]);
    }
    expect(errorsOf(withNeighbor('    hold-time: 65536\n'))[0]).toContain('expected an integer 0 or 3..65535 (got 65536)');
    expect(errorsOf(withNeighbor('    hold-time: 9\n    keepalive: 9\n'))).toEqual([
      'bgpfo.yaml:7: neighbors[0].keepalive: keepalive 9 must be less than hold-time 9 (one third of it is usual, RFC 4271 §10)',
    ]);
    expect(errorsOf(withNeighbor('    hold-time: 0\n    keepalive: 3\n'))[0]).toContain('hold-time 0 turns keepalives off');
  });

  test('router-id must be a dotted quad other than 0.0.0.0', () => {
    const hdr = (id: string) => `router: { asn: 65001, router-id: "${id}" }\nneighbors: []\n`;
    expect(errorsOf(hdr('2001:db8::1'))).toEqual(['bgpfo.yaml:1: router.router-id: expected an IPv4 dotted quad such as 10.0.0.1 (got "2001:db8::1")']);
    expect(errorsOf(hdr('10.0.0')).length).toBe(1);
    expect(errorsOf(hdr('0.0.0.0'))[0]).toContain('must not be 0.0.0.0');
  });

  test('duplicate neighbor names and addresses are refused at the second one', () => {
    const text = `router: { asn: 65001, router-id: 10.0.0.1 }
neighbors:
  - { name: a, address: 10.0.0.2, remote-asn: 65002 }
  - { name: a, address: 10.0.0.3, remote-asn: 65002 }
  - { name: d, address: "2001:db8::1", remote-asn: 65002 }
  - { name: e, address: "2001:DB8:0:0::1", remote-asn: 65002 }
`;
    expect(errorsOf(text)).toEqual([
      'bgpfo.yaml:4: neighbors[1].name: duplicate neighbor name "a" (also neighbors[0])',
      'bgpfo.yaml:6: neighbors[3].address: duplicate neighbor address 2001:db8::1 (also neighbors[2]); an incoming connection could not be told apart',
    ]);
    // Leading zeros are ambiguous (octal in some parsers), so they are refused rather than guessed.
    expect(errorsOf(withNeighbor('    local-address: 10.0.0.01\n'))[0]).toContain('expected an IPv4 or IPv6 address (got "10.0.0.01")');
  });

  test('local-address must be of the neighbor address family and not the peer itself', () => {
    expect(errorsOf(withNeighbor('    local-address: "2001:db8::2"\n'))).toEqual([
      'bgpfo.yaml:6: neighbors[0].local-address: 2001:db8::2 is ipv6 but the neighbor address 10.0.0.2 is ipv4; they must be of one family',
    ]);
    expect(errorsOf(withNeighbor('    local-address: 10.0.0.2\n'))[0]).toContain("is the neighbor's own address");
  });

  test('unusable addresses are refused', () => {
    for (const [addr, why] of [
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.5', 'multicast'],
      ['"ff02::1"', 'multicast'],
      ['"fe80::1%eth0"', 'zone index'],
      ['10.0.0.0/24', 'not a prefix'],
    ]) {
      const text = `router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n  - { name: a, address: ${addr}, remote-asn: 65002 }\n`;
      expect(errorsOf(text)[0]).toContain(why);
    }
  });

  test('ASN 0, 23456, too large, and bad asdot are refused', () => {
    for (const asn of ['0', '23456', '65535', '4294967295', '70000', '4294967296', '"65536.1"', '65536.1', '-5', '1.5.1', '99999.1']) {
      const errs = errorsOf(withNeighbor('', `router: { asn: ${asn}, router-id: 10.0.0.1 }`));
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(/^bgpfo.yaml:1: router.asn: /);
    }
    expect(errorsOf(withNeighbor('', 'router: { asn: 23456, router-id: 10.0.0.1 }'))[0]).toContain('AS_TRANS');
  });

  test('prefixes with host bits, bad lengths, and bad filters say what to write', () => {
    expect(errorsOf(`${MIN}originate: [10.1.2.3/16, 10.1.0.0/16, 10.1.0.0/16, "2001:db8::/129", 10.2.0.0]\n`)).toEqual([
      'bgpfo.yaml:4: originate[0]: "10.1.2.3/16" has host bits set below /16; did you mean 10.1.0.0/16?',
      'bgpfo.yaml:4: originate[3]: "2001:db8::/129" is not a prefix: the length must be 0..128',
      'bgpfo.yaml:4: originate[4]: expected a prefix with a length, such as 10.1.0.0/16 (got "10.2.0.0")',
    ]);
    expect(errorsOf(`${MIN}originate: [10.1.0.0/16, 10.1.0.0/16]\n`)).toEqual(['bgpfo.yaml:4: originate[1]: 10.1.0.0/16 is listed twice (also originate[0])']);
    const f = (s: string) => errorsOf(withNeighbor(`    import: { allow: [${s}] }\n`))[0];
    expect(f('"10.0.0.0/8 le 4"')).toContain('"le 4" must lie in 8..32');
    expect(f('"10.0.0.0/8 ge 24 le 16"')).toContain('ge 24 is greater than le 16');
    expect(f('"10.0.0.0/8 lt 16"')).toContain('expected a prefix filter such as');
    expect(f('{ prefix: 10.0.0.0/8, gt: 16 }')).toContain('unknown key "gt"; did you mean "ge"?');
  });

  test('communities, large communities and the shutdown message are checked', () => {
    expect(errorsOf(withNeighbor('    export: { communities: ["65536:1"] }\n'))[0]).toContain('expected a community "ASN:VALUE" (each 0..65535)');
    expect(errorsOf(withNeighbor('    export: { large-communities: ["1:2"] }\n'))[0]).toContain('expected a large community');
    expect(errorsOf(withNeighbor(`    shutdown-message: "${'é'.repeat(128)}"\n`))[0]).toContain('at most 255 bytes');
  });

  test('export med: a 32-bit MED, kept as given; absent means none', () => {
    expect(parseConfig(withNeighbor('    export: { med: 200 }\n'), 'bgpfo.yaml').neighbors[0]!.export.med).toBe(200);
    expect(parseConfig(withNeighbor('    export: { communities: [] }\n'), 'bgpfo.yaml').neighbors[0]!.export.med).toBeUndefined();
    expect(errorsOf(withNeighbor('    export: { med: 4294967296 }\n'))[0]).toBe("bgpfo.yaml:6: neighbors[0].export.med: expected an integer 0..4294967295 (got 4294967296)");
  });

  test('types: booleans, lists and mappings', () => {
    expect(errorsOf(withNeighbor('    passive: yes\n'))).toEqual(['bgpfo.yaml:6: neighbors[0].passive: expected true or false (got "yes")']);
    expect(errorsOf(withNeighbor('    families: ipv4-unicast\n'))[0]).toContain('expected a list of ipv4-unicast / ipv6-unicast (got "ipv4-unicast")');
    expect(errorsOf(withNeighbor('    families: [ipv4-multicast]\n'))[0]).toContain('expected ipv4-unicast or ipv6-unicast (got "ipv4-multicast")');
    expect(errorsOf(withNeighbor('    families: []\n'))[0]).toContain('expected at least one family');
    expect(errorsOf(withNeighbor('    families: [ipv4-unicast, ipv4-unicast]\n'))[0]).toContain('families[1]: ipv4-unicast is listed twice');
    expect(errorsOf(withNeighbor('    import: [1]\n'))[0]).toContain('expected a mapping (key: value lines) (got a list)');
    expect(errorsOf('- 1\n- 2\n')[0]).toContain('expected a mapping with at least router: and neighbors:');
  });

  test('cross-field rules: next-hop-ipv6, max-prefixes-warning, prepend on iBGP, passive and listen', () => {
    expect(errorsOf(withNeighbor('    families: [ipv4-unicast]\n    next-hop-ipv6: "2001:db8::1"\n'))[0]).toContain(
      'next-hop-ipv6 is set but ipv6-unicast is not in families',
    );
    expect(errorsOf(withNeighbor('    next-hop-ipv6: 10.0.0.1\n'))[0]).toContain('expected an IPv6 address (got "10.0.0.1")');
    expect(errorsOf(withNeighbor('    import: { max-prefixes-warning: 80 }\n'))[0]).toContain('needs import.max-prefixes');
    expect(errorsOf(withNeighbor('    prepend: 2\n', 'router: { asn: 65002, router-id: 10.0.0.1 }'))[0]).toContain(
      'bgpfo.yaml:6: neighbors[0].prepend: remote-asn 65002 is our own AS (iBGP)',
    );
    expect(errorsOf(withNeighbor('    passive: true\n', 'router: { asn: 65001, router-id: 10.0.0.1, listen: ["2001:db8::1", 10.9.9.9] }'))).toEqual([
      'bgpfo.yaml:6: neighbors[0].passive: a passive neighbor waits for 10.0.0.2 to connect, but router.listen has neither its local-address nor 0.0.0.0',
    ]);
    expect(() => parseConfig(withNeighbor('    passive: true\n', 'router: { asn: 65001, router-id: 10.0.0.1, listen: [0.0.0.0] }'), 'x')).not.toThrow();
  });

  test('control socket path must be absolute and fit a Unix socket address', () => {
    expect(errorsOf(`${MIN}control: { socket: run/bgpfo.sock }\n`)[0]).toContain('expected an absolute path');
    expect(errorsOf(`${MIN}control: { socket: /${'x'.repeat(120)} }\n`)[0]).toContain('at most 107 bytes');
    expect(errorsOf(`${MIN}control: { group: "bad group" }\n`)[0]).toContain('expected a group name or number');
    expect(errorsOf(`${MIN}log: { level: verbose }\n`)[0]).toContain('expected one of trace, debug, info, warn, error, fatal, silent (got "verbose")');
  });

  test('YAML syntax errors, duplicate keys and an empty file are reported with their line', () => {
    expect(errorsOf('router: { asn: 65001, router-id: 10.0.0.1 }\nneighbors:\n  - name: a\n    name: b\n')).toEqual([
      'bgpfo.yaml:4: duplicate key: each key may appear once per mapping',
    ]);
    expect(errorsOf('router: { asn: 65001\nneighbors: []\n')[0]).toMatch(/^bgpfo.yaml:\d+: YAML syntax: /);
    expect(errorsOf('')).toEqual(['bgpfo.yaml:1: the file is empty; expected at least router: and neighbors:']);
    expect(errorsOf('# only a comment\n')).toEqual(['bgpfo.yaml:1: the file is empty; expected at least router: and neighbors:']);
  });
});

describe('loadConfig', () => {
  test('names the file as given in errors; a missing file is a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgpfo-cfg-'));
    try {
      const p = join(dir, 'b.yaml');
      writeFileSync(p, withNeighbor('    port: x\n'));
      expect(() => loadConfig(p)).toThrow(`${p}:6: neighbors[0].port: expected an integer 1..65535 (got "x")`);
      expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/nope.yaml: cannot read the config file: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('robustness', () => {
  const full = readFileSync(FULL, 'utf8');
  const lines = full.split('\n');

  test('arbitrary text either parses or throws a ConfigError whose lines exist', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseConfig(text, 'x');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          const n = text.split('\n').length;
          for (const i of e.issues) if (i.line < 0 || i.line > n + 1) throw new Error(`line ${i.line} out of range`);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('deleting or corrupting any line of the full example never crashes the loader', () => {
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.constantFrom('', '    bogus: 1', 'x: [', '  - 7', '    hold-time: -1'), (i, junk) => {
        const text = [...lines.slice(0, i), junk, ...lines.slice(i + 1)].join('\n');
        try {
          parseConfig(text, 'x');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
