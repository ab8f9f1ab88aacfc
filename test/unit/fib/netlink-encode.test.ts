// The netlink writer's requests, byte for byte (golden bytes written from the kernel's structs: nlmsghdr, rtmsg,
// nhmsg, rtattr), and what is refused before reaching the kernel. The integration test fib-netlink.test.ts shows the
// kernel accepts them and reads them back as `ip` shows its own.

import fc from 'fast-check';
import { ipv4KeyString, ipv6WordsPrefix } from '../../../src/bgp/codec/nlri';
import { encodeIfindexQuery, encodeOps, parsePrefixInto, type EncodeContext } from '../../../src/fib/netlink-encode';
import type { KernelOp } from '../../../src/fib/dataplane';

const hex = (...parts: string[]): string => parts.join('').replace(/\s+/g, '');
const ctx = { table: 100, protocol: 201, metric: 20 };

describe('encodeOps golden bytes (x86-64, little-endian)', () => {
  it('route add: CREATE|EXCL, the table in rtmsg below 256, metric and nhid; the last request asks for an ack', () => {
    const e = encodeOps([{ kind: 'route-add', prefix: '16.0.0.0/24', nhid: 0x0f000020 }], ctx, 7);
    expect(e.bytes.toString('hex')).toBe(
      hex(
        '34000000 1800 0506 07000000 00000000', // len 52, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE, seq 7, port 0
        '02 18 00 00 64 c9 00 01 00000000', // AF_INET /24, table 100, proto 201, scope universe, unicast
        '0800 0100 10000000', // RTA_DST 16.0.0.0
        '0800 0600 14000000', // RTA_PRIORITY 20
        '0800 1e00 2000000f', // RTA_NH_ID 0x0f000020
      ),
    );
    expect(e.lastSeq).toBe(7);
    expect(e.failures).toEqual([]);
  });

  it('route replace and delete: REPLACE; a delete matches any scope, our protocol and the given metric; RTA_TABLE above 255', () => {
    const ops: KernelOp[] = [
      { kind: 'route-replace', prefix: '10.1.2.0/23', nhid: 5 },
      { kind: 'route-del', prefix: '2001:db8::/32', metric: 0 },
    ];
    const e = encodeOps(ops, { ...ctx, table: 1000 }, 0xfffffffe);
    expect(e.bytes.toString('hex')).toBe(
      hex(
        '3c000000 1800 0105 feffffff 00000000', // len 60, NEWROUTE, REQUEST|REPLACE|CREATE, no ack (not last)
        '02 17 00 00 00 c9 00 01 00000000', // table UNSPEC in rtmsg...
        '0800 0100 0a010200',
        '0800 0f00 e8030000', // ...and 1000 in RTA_TABLE
        '0800 0600 14000000',
        '0800 1e00 05000000',
        '40000000 1900 0500 ffffffff 00000000', // len 64, RTM_DELROUTE, REQUEST|ACK, seq 2^32-1
        '0a 20 00 00 00 c9 ff 00 00000000', // AF_INET6 /32, scope nowhere, type unspec
        '1400 0100 20010db8 00000000 00000000 00000000',
        '0800 0f00 e8030000',
        '0800 0600 00000000', // the stale route's metric 0
      ),
    );
  });

  it('nexthop objects: gateway with its interface index, blackholes by family, groups without family, deletes', () => {
    const ops: KernelOp[] = [
      { kind: 'nh', id: 0x0f000002, gateway: '10.255.1.2', ifname: 't1' },
      { kind: 'nh', id: 0x0f000004, gateway: 'fd00::2', ifname: 't2' },
      { kind: 'blackhole', id: 0x0f000001, family: 6 },
      { kind: 'group', id: 0x0f000010, members: [0x0f000002, 0x0f000003] },
      { kind: 'nh-del', id: 0x0f000010 },
    ];
    const e = encodeOps(ops, ctx, 1, new Map([['t1', 3], ['t2', 260]]));
    expect(e.bytes.toString('hex')).toBe(
      hex(
        '30000000 6800 0105 01000000 00000000', // len 48, RTM_NEWNEXTHOP, REQUEST|REPLACE|CREATE
        '02 00 c9 00 00000000', // nhmsg: AF_INET, proto 201
        '0800 0100 0200000f', // NHA_ID
        '0800 0600 0aff0102', // NHA_GATEWAY 10.255.1.2
        '0800 0500 03000000', // NHA_OIF 3
        '3c000000 6800 0105 02000000 00000000',
        '0a 00 c9 00 00000000',
        '0800 0100 0400000f',
        '1400 0600 fd000000 00000000 00000000 00000002',
        '0800 0500 04010000', // NHA_OIF 260
        '24000000 6800 0105 03000000 00000000', // len 36
        '0a 00 c9 00 00000000', // an IPv6 blackhole
        '0800 0100 0100000f',
        '0400 0400', // NHA_BLACKHOLE (flag)
        '34000000 6800 0105 04000000 00000000',
        '00 00 c9 00 00000000', // AF_UNSPEC: the kernel takes groups only so
        '0800 0100 1000000f',
        '1400 0200 0200000f 00000000 0300000f 00000000', // NHA_GROUP: { id, weight-1 = 0, reserved }
        '20000000 6900 0500 05000000 00000000', // RTM_DELNEXTHOP, REQUEST|ACK (last)
        '00 00 00 00 00000000',
        '0800 0100 1000000f',
      ),
    );
  });

  it('an interface that does not exist fails its op as ip words it, sends nothing for it, and the ack moves to the last sent', () => {
    const ops: KernelOp[] = [
      { kind: 'group', id: 9, members: [8] },
      { kind: 'nh', id: 8, gateway: '10.0.0.2', ifname: 'gone0' },
    ];
    const e = encodeOps(ops, ctx, 40, new Map([['gone0', 0]]));
    expect(e.failures).toEqual([{ index: 1, message: 'Cannot find device "gone0"' }]);
    expect(e.lastSeq).toBe(40);
    expect(e.bytes.length).toBe(16 + 8 + 8 + 4 + 8);
    expect(e.bytes.readUInt16LE(6)).toBe(0x505); // the group request carries the ack now
    const none = encodeOps([{ kind: 'route-add', prefix: '10.0.0.0/33', nhid: 1 }], ctx, 1);
    expect(none).toEqual({ bytes: Buffer.alloc(0), lastSeq: undefined, failures: [{ index: 0, message: 'Error: "10.0.0.0/33" is not a prefix.' }] });
  });

  it('the ifindex question is a private message type with the name, NUL-terminated and padded', () => {
    expect(encodeIfindexQuery('wg-a', 3).toString('hex')).toBe(hex('18000000 01b6 0100 03000000 00000000', '77672d61 00000000'));
  });
});

describe('parsePrefixInto', () => {
  it('parses both families and refuses what is not a prefix', () => {
    const b = new Uint8Array(16);
    expect(parsePrefixInto('0.0.0.0/0', b, 0)).toEqual({ family: 2, len: 0 });
    expect(parsePrefixInto('255.254.3.0/24', b, 0)).toEqual({ family: 2, len: 24 });
    expect([...b.slice(0, 4)]).toEqual([255, 254, 3, 0]);
    expect(parsePrefixInto('fd00:1::/48', b, 0)).toEqual({ family: 10, len: 48 });
    expect(Buffer.from(b).toString('hex')).toBe('fd000001000000000000000000000000');
    for (const bad of ['10.0.0.0', '10.0.0/8', '10.0.0.256/8', '10.0.0.0/', '10.0.0.0/1234', '1.2.3.4.5/8', 'fd00::/129', '10..0.0/8']) {
      expect({ bad, parsed: parsePrefixInto(bad, b, 0) }).toEqual({ bad, parsed: undefined });
    }
  });
});

describe('a route write given as numbers', () => {
  const word = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }));
  /** Host bits cleared, as the RIB holds prefixes. */
  const masked = (w: number[], len: number) => w.map((x, i) => (len >= 32 * (i + 1) ? x : len <= 32 * i ? 0 : (x & ~(0xffffffff >>> (len - 32 * i))) >>> 0));

  /** Any table (main, or one past 255 that goes in RTA_TABLE), protocol and metric. */
  const anyCtx = fc.record({
    table: fc.oneof(fc.constant(254), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 256, max: 0xffffffff })),
    protocol: fc.integer({ min: 0, max: 255 }),
    metric: fc.integer({ min: 0, max: 0xffffffff }),
  });
  const nhidArb = fc.integer({ min: 1, max: 0xffffffff });
  /** The op with a prefix getter that throws (not spread again after: spreading reads a getter). */
  const unreadableText = <T extends object>(op: T): T & { readonly prefix: string } =>
    Object.defineProperty({ ...op }, 'prefix', {
      enumerable: true,
      get(): string {
        throw new Error('the text was read');
      },
    }) as T & { readonly prefix: string };

  it('is the request its text makes, IPv4 key or IPv6 words, in any table (the text is not read)', () => {
    const textOnly = (c: EncodeContext, prefix: string, kind: 'route-add' | 'route-replace', nhid: number) => encodeOps([{ kind, prefix, nhid }], c, 9).bytes.toString('hex');
    const unreadable = (c: EncodeContext, numbers: { key?: number; words6?: Uint32Array; index6?: number }, kind: 'route-add' | 'route-replace', nhid: number) =>
      encodeOps([unreadableText({ kind, nhid, ...numbers })], c, 9).bytes.toString('hex');
    fc.assert(
      fc.property(anyCtx, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.boolean(), nhidArb, (c, a, len, add, nhid) => {
        const [addr] = masked([a], len);
        const key = addr * 64 + len;
        const kind = add ? 'route-add' : 'route-replace';
        expect(unreadable(c, { key }, kind, nhid)).toBe(textOnly(c, ipv4KeyString(key), kind, nhid));
      }),
    );
    fc.assert(
      fc.property(anyCtx, fc.tuple(word, word, word, word), fc.integer({ min: 0, max: 128 }), fc.nat({ max: 3 }), fc.boolean(), nhidArb, (c, w, len, index6, add, nhid) => {
        const m = masked(w, len);
        // The prefix is one of several in the batch's words.
        const words6 = new Uint32Array(20);
        words6.set([...m, len], 5 * index6);
        const kind = add ? 'route-add' : 'route-replace';
        expect(unreadable(c, { words6, index6, key: -1 }, kind, nhid)).toBe(textOnly(c, ipv6WordsPrefix(m[0], m[1], m[2], m[3], len), kind, nhid));
      }),
    );
  });

  it('in a batch among other requests: the same bytes, sequence numbers and refusals as the batch given as text', () => {
    type Item = { numbers: boolean; op: KernelOp };
    const item: fc.Arbitrary<Item> = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.boolean(), nhidArb, fc.boolean()).map(([a, len, add, nhid, numbers]) => {
        const key = masked([a], len)[0] * 64 + len;
        const kind: 'route-add' | 'route-replace' = add ? 'route-add' : 'route-replace';
        return { numbers, op: { kind, nhid, key, prefix: ipv4KeyString(key) } };
      }),
      fc.tuple(fc.tuple(word, word, word, word), fc.integer({ min: 0, max: 128 }), nhidArb, fc.boolean()).map(([w, len, nhid, numbers]) => {
        const m = masked(w, len);
        return { numbers, op: { kind: 'route-replace' as const, nhid, words6: Uint32Array.from([...m, len]), index6: 0, prefix: ipv6WordsPrefix(m[0], m[1], m[2], m[3], len) } };
      }),
      fc.constant<Item>({ numbers: false, op: { kind: 'route-del', prefix: '10.1.0.0/16' } }),
      fc.constant<Item>({ numbers: false, op: { kind: 'route-add', prefix: 'not-a-prefix', nhid: 5 } }),
      fc.constant<Item>({ numbers: false, op: { kind: 'nh-del', id: 77 } }),
      fc.constant<Item>({ numbers: false, op: { kind: 'group', id: 0x0f000010, members: [0x0f000002, 0x0f000003] } }),
    );
    fc.assert(
      fc.property(anyCtx, fc.array(item, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 0xffffffff }), (c, items, first) => {
        // As numbers: a route's text cannot be read. As text: no numbers at all (the encoder's slow path).
        const asNumbers = items.map(({ numbers, op }) => {
          if (!numbers || (op.kind !== 'route-add' && op.kind !== 'route-replace')) return op;
          const { prefix: _text, ...rest } = op;
          return unreadableText(rest) as KernelOp;
        });
        const asText = items.map(({ op }) => {
          if (op.kind !== 'route-add' && op.kind !== 'route-replace') return op;
          return { kind: op.kind, nhid: op.nhid, prefix: op.prefix } as KernelOp;
        });
        const a = encodeOps(asNumbers, c, first);
        const b = encodeOps(asText, c, first);
        expect(a.bytes.toString('hex')).toBe(b.bytes.toString('hex'));
        expect(a.lastSeq).toBe(b.lastSeq);
        expect(a.failures).toEqual(b.failures);
      }),
    );
  });
});
