// Import policy: LOCAL_PREF, loop detection, default and own-prefix refusal, filters, graceful shutdown,
// and max-prefix through the Adj-RIB-In.

import fc from 'fast-check';
import { ipv6WordsPrefix } from '../../../src/bgp/codec/nlri';
import { bindIpv6Words, ipv6Ref } from '../../../src/bgp/prefix-table';
import { AsPathSegmentType } from '../../../src/bgp/types';
import type { NeighborPolicyConfig, RouterPolicyConfig } from '../../../src/policy/config';
import { ImportPolicy, REFUSED_DEFAULT, REFUSED_NOT_ALLOWED } from '../../../src/policy/import';
import { AdjRibIn } from '../../../src/rib/adj-rib-in';
import { COMMUNITY_GRACEFUL_SHUTDOWN, internAttrs } from '../../../src/rib/attrs';
import { LocRib } from '../../../src/rib/loc-rib';
import { attrs, LOCAL_ASN, localPeer, peer } from '../rib/helpers';

const router: RouterPolicyConfig = { asn: LOCAL_ASN, originate: ['10.1.0.0/16', '2001:db8:1::/48'] };
const isp = (over: Partial<NeighborPolicyConfig> = {}): NeighborPolicyConfig => ({ name: 'isp1', remoteAsn: 65100, ...over });
const accepted = (r: unknown) => {
  if (typeof r === 'string') throw new Error(`refused: ${r}`);
  return r as ReturnType<typeof attrs>;
};

describe('ImportPolicy', () => {
  it('sets LOCAL_PREF 100 by default and the configured value otherwise, overriding what an eBGP peer sent', () => {
    expect(accepted(new ImportPolicy(isp(), router).importRoute('10.9.0.0/16', attrs())).localPref).toBe(100);
    const r = accepted(new ImportPolicy(isp({ localPref: 250 }), router).importRoute('10.9.0.0/16', attrs([65100], { localPref: 5 })));
    expect(r.localPref).toBe(250);
    expect(r).toBe(internAttrs({ ...attrs([65100]), localPref: 250 }));
  });

  it('keeps an iBGP twin\'s LOCAL_PREF, filling it in only when missing', () => {
    const twin = new ImportPolicy({ name: 'twin', remoteAsn: LOCAL_ASN, localPref: 120 }, router);
    expect(accepted(twin.importRoute('10.9.0.0/16', attrs([65100], { localPref: 80 }))).localPref).toBe(80);
    expect(accepted(twin.importRoute('10.9.0.0/16', attrs([65100]))).localPref).toBe(120);
  });

  it('refuses routes whose AS_PATH holds our AS, in any segment', () => {
    const pol = new ImportPolicy(isp(), router);
    expect(pol.importRoute('10.9.0.0/16', attrs([65100, LOCAL_ASN, 65300]))).toBe(`AS_PATH contains our AS ${LOCAL_ASN} (loop)`);
    const inSet = internAttrs({ asPath: [{ type: AsPathSegmentType.AsSequence, asns: [65100] }, { type: AsPathSegmentType.AsSet, asns: [7, LOCAL_ASN] }] });
    expect(pol.importRoute('10.9.0.0/16', inSet)).toMatch(/loop/);
    expect(typeof pol.importRoute('10.9.0.0/16', attrs([65100, 65300]))).toBe('object');
  });

  it('refuses the default route unless allow-default', () => {
    expect(new ImportPolicy(isp(), router).importRoute('0.0.0.0/0', attrs())).toBe(REFUSED_DEFAULT);
    expect(new ImportPolicy(isp(), router).importRoute('::/0', attrs())).toBe(REFUSED_DEFAULT);
    // allow-default alone is enough, although the default route covers our own prefixes.
    expect(typeof new ImportPolicy(isp({ import: { allowDefault: true } }), router).importRoute('0.0.0.0/0', attrs())).toBe('object');
  });

  it('refuses routes equal to or covering our own prefixes unless allow-own', () => {
    const pol = new ImportPolicy(isp(), router);
    expect(pol.importRoute('10.1.0.0/16', attrs())).toBe('equals or covers our own prefix 10.1.0.0/16 (allow-own is off)');
    expect(pol.importRoute('10.0.0.0/8', attrs())).toMatch(/covers our own prefix 10.1.0.0\/16/);
    expect(pol.importRoute('2001:db8::/32', attrs())).toMatch(/2001:db8:1::\/48/);
    expect(typeof pol.importRoute('10.2.0.0/16', attrs())).toBe('object');
    expect(typeof new ImportPolicy(isp({ import: { allowOwn: true } }), router).importRoute('10.1.0.0/16', attrs())).toBe('object');
  });

  it('applies deny before allow, and allow only when it has entries', () => {
    const pol = new ImportPolicy(isp({ import: { allow: ['10.0.0.0/8 le 24'], deny: [{ prefix: '10.66.0.0/16', le: 32 }] } }), router);
    expect(typeof pol.importRoute('10.9.0.0/16', attrs())).toBe('object');
    expect(pol.importRoute('10.9.9.128/25', attrs())).toBe(REFUSED_NOT_ALLOWED);
    expect(pol.importRoute('192.168.0.0/16', attrs())).toBe(REFUSED_NOT_ALLOWED);
    expect(pol.importRoute('10.66.1.0/24', attrs())).toBe('denied by import filter "10.66.0.0/16 le 32"');
    expect(typeof new ImportPolicy(isp(), router).importRoute('192.168.0.0/16', attrs())).toBe('object');
  });

  it('lowers LOCAL_PREF to 0 on GRACEFUL_SHUTDOWN routes (RFC 8326) unless told not to', () => {
    const a = attrs([65100], { communities: [COMMUNITY_GRACEFUL_SHUTDOWN] });
    expect(accepted(new ImportPolicy(isp(), router).importRoute('10.9.0.0/16', a)).localPref).toBe(0);
    expect(accepted(new ImportPolicy(isp({ import: { honorGracefulShutdown: false } }), router).importRoute('10.9.0.0/16', a)).localPref).toBe(100);
  });

  it('exposes max-prefix settings, with a 75% warning by default', () => {
    const pol = new ImportPolicy(isp({ import: { maxPrefixes: 1000 } }), router);
    expect(pol.maxPrefixes).toBe(1000);
    expect(pol.maxPrefixesWarning).toBe(75);
    expect(new ImportPolicy(isp(), router).maxPrefixesWarning).toBeUndefined();
  });

  it('drives the Adj-RIB-In max-prefix signal', () => {
    const adj = new AdjRibIn(peer(), new LocRib(localPeer), new ImportPolicy(isp({ import: { maxPrefixes: 2, maxPrefixesWarning: 50 } }), router));
    expect(adj.apply({ family: 'ipv4-unicast', attributes: attrs(), announce: ['10.9.0.0/16'], withdraw: [] })?.kind).toBe('max-prefix-warning');
    // Refused (own) prefixes do not count.
    expect(adj.apply({ family: 'ipv4-unicast', attributes: attrs(), announce: ['10.1.0.0/16', '10.8.0.0/16'], withdraw: [] })).toBeUndefined();
    const s = adj.apply({ family: 'ipv4-unicast', attributes: attrs(), announce: ['10.7.0.0/16'], withdraw: [] });
    expect(s?.kind).toBe('max-prefix-exceeded');
  });
});

describe('ImportPolicy on number refs', () => {
  it('gives every IPv4 prefix, as its key, the verdict its text gets (filters, default, own prefixes)', () => {
    const text = (a: number, len: number) => {
      const m = len === 0 ? 0 : (a >>> (32 - len)) << (32 - len) >>> 0;
      return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${len}`;
    };
    const key = (p: string) => {
      const [addr, len] = p.split('/');
      return addr.split('.').reduce((x, o) => x * 256 + Number(o), 0) * 64 + Number(len);
    };
    const configs: NeighborPolicyConfig[] = [
      isp(),
      isp({ import: { allow: ['10.0.0.0/8 le 24', '192.0.2.0/24'], deny: ['10.66.0.0/16 le 32'] } }),
      isp({ import: { allow: ['0.0.0.0/0 le 32'], allowDefault: true } }),
      isp({ import: { allowOwn: true, deny: ['10.1.0.0/16 ge 20'] } }),
    ];
    // Addresses near the configured ones, so every branch is met.
    const arbAddr = fc.oneof(fc.constantFrom(0x0a010000, 0x0a420000, 0xc0000200, 0x0a000000, 0), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(
      fc.property(fc.nat({ max: configs.length - 1 }), arbAddr, fc.integer({ min: 0, max: 32 }), fc.boolean(), (c, a, len, lp) => {
        const policy = new ImportPolicy(configs[c]!, router);
        const set = lp ? internAttrs({ ...attrs([65100]), localPref: 300 }) : attrs([65100]);
        const p = text(a, len);
        expect(policy.importRef(key(p), set)).toBe(policy.importRoute(p, set));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives every IPv6 prefix, as a ref into bound words, the verdict its text gets', () => {
    const configs: NeighborPolicyConfig[] = [
      isp(),
      isp({ import: { allow: ['2001:db8::/32 le 64', '2a00::/16 ge 48 le 48'], deny: ['2001:db8:66::/48 le 128'] } }),
      isp({ import: { allow: ['::/0 le 128'], allowDefault: true } }),
      isp({ import: { allowOwn: true, deny: ['2001:db8:1::/48 ge 56'], allow: ['10.0.0.0/8'] } }),
    ];
    // Words near the configured prefixes (2001:db8:1::, 2001:db8:66::, 2a00::), so every branch is met.
    const word0 = fc.oneof(fc.constantFrom(0x20010db8, 0x2a000000, 0), fc.integer({ min: 0, max: 0xffffffff }));
    const word1 = fc.oneof(fc.constantFrom(0x00010000, 0x00660000, 0), fc.integer({ min: 0, max: 0xffffffff }));
    const word = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(
      fc.property(fc.nat({ max: configs.length - 1 }), fc.tuple(word0, word1, word, word), fc.integer({ min: 0, max: 128 }), fc.boolean(), (c, w, len, lp) => {
        const policy = new ImportPolicy(configs[c]!, router);
        const set = lp ? internAttrs({ ...attrs([65100]), localPref: 300 }) : attrs([65100]);
        // Host bits cleared, as the codec leaves them.
        const words = Uint32Array.from(w.map((x, i) => (len >= 32 * (i + 1) ? x : len <= 32 * i ? 0 : (x & ~(0xffffffff >>> (len - 32 * i))) >>> 0)));
        const p = ipv6WordsPrefix(words[0], words[1], words[2], words[3], len);
        // The ref is the second prefix of the bound list, after an unrelated one.
        bindIpv6Words(Uint32Array.of(0xfc000000, 0, 0, 0, 7, ...words, len));
        expect(policy.importRef(ipv6Ref(1), set)).toBe(policy.importRoute(p, set));
      }),
      { numRuns: 5000 },
    );
  });
});
