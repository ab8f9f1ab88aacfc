// OPEN parameter encoding (RFC 5492, RFC 9072), NOTIFICATION shutdown communications (RFC 9003),
// ROUTE-REFRESH subtypes (RFC 7313) and header checks done by decodeMessage itself.

import { decodeMessage, EncodeError, encodeMessage } from '../../../../src/bgp/codec';
import { utf8Truncate } from '../../../../src/bgp/codec/notification';
import { BgpMessageError } from '../../../../src/bgp/errors';
import type { Capability, NotificationMessage, OpenMessage } from '../../../../src/bgp/types';
import { DEFAULT_CODEC_CONTEXT as ctx } from '../../../../src/bgp/types';
import { messageHex } from './hex';

const open = (capabilities: Capability[]): OpenMessage => ({ type: 'open', version: 4, myAsn: 65001, holdTime: 90, routerId: '192.0.2.1', capabilities });
const unknownCap = (code: number, n: number): Capability => ({ code, kind: 'unknown', value: new Uint8Array(n).fill(code) });

function thrown(fn: () => unknown): BgpMessageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpMessageError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('OPEN optional parameters', () => {
  test('up to 255 octets: the classic form, one type-2 parameter holding all capabilities', () => {
    const caps = [unknownCap(200, 120), unknownCap(201, 120)];
    const b = encodeMessage(open(caps), ctx);
    expect(b[28]).toBe(2 + 122 + 122);
    expect([b[29], b[30]]).toEqual([2, 244]);
    expect((decodeMessage(b, ctx) as OpenMessage).capabilities).toEqual(caps);
  });

  test('beyond 255 octets: the RFC 9072 extended form, which decodes back', () => {
    const caps = [unknownCap(200, 200), unknownCap(201, 200), { code: 2 as const, kind: 'route-refresh' as const }];
    const b = encodeMessage(open(caps), ctx);
    expect([b[28], b[29]]).toEqual([255, 255]);
    expect((decodeMessage(b, ctx) as OpenMessage).capabilities).toEqual(caps);
  });

  test('an OPEN may not exceed 4096 octets, even with extended messages (RFC 8654 §4)', () => {
    const caps = Array.from({ length: 17 }, (_, i) => unknownCap(100 + i, 250));
    expect(() => encodeMessage(open(caps), { ...ctx, extendedMessage: true })).toThrow(EncodeError);
    // Build one by hand: extended parameters of 4100 octets.
    const params = Buffer.alloc(4100 - 32);
    params.writeUInt8(2, 0);
    params.writeUInt16BE(params.length - 3, 1);
    const body = Buffer.concat([Buffer.from('04fde9005ac0000201ffff', 'hex'), Buffer.from([params.length >> 8, params.length & 0xff]), params]);
    const e = thrown(() => decodeMessage(messageHex(1, body.toString('hex')), { ...ctx, extendedMessage: true }));
    expect([e.code, e.subcode]).toEqual([1, 2]);
  });

  test('My AS above 65535 is an encoder error: the caller must send AS_TRANS and the 4-octet capability', () => {
    expect(() => encodeMessage({ ...open([]), myAsn: 4200000000 }, ctx)).toThrow(EncodeError);
  });
});

describe('NOTIFICATION shutdown communication', () => {
  const cease = (subcode: number, dataHex: string) => decodeMessage(messageHex(3, '06' + subcode.toString(16).padStart(2, '0') + dataHex), ctx) as NotificationMessage;

  test('decoded for Cease 2 and 4 only', () => {
    expect(cease(2, '026869').shutdownMessage).toBe('hi');
    expect(cease(4, '026869').shutdownMessage).toBe('hi');
    expect(cease(3, '026869').shutdownMessage).toBeUndefined();
  });

  test('a length beyond the data, a zero length or invalid UTF-8 leave it out but keep the data', () => {
    expect(cease(2, '056869').shutdownMessage).toBeUndefined();
    expect(cease(2, '00').shutdownMessage).toBeUndefined();
    const bad = cease(2, '02c328');
    expect(bad.shutdownMessage).toBeUndefined();
    expect(Buffer.from(bad.data).toString('hex')).toBe('02c328');
  });

  test('encoded from the text, cut to 255 octets at a character boundary', () => {
    const text = 'ü'.repeat(200); // 400 octets of UTF-8
    const b = encodeMessage({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0), shutdownMessage: text }, ctx);
    const n = decodeMessage(b, ctx) as NotificationMessage;
    expect(n.data[0]).toBe(254);
    expect(n.shutdownMessage).toBe('ü'.repeat(127));
    expect(Buffer.from(utf8Truncate('a€', 3)).toString()).toBe('a');
  });

  test('explicit data wins over the text, and data too long for a message is cut', () => {
    const n = { type: 'notification' as const, code: 3, subcode: 1, data: new Uint8Array(5000), shutdownMessage: 'x' };
    const b = encodeMessage(n, ctx);
    expect(b.length).toBe(4096);
  });
});

describe('ROUTE-REFRESH', () => {
  test('an unknown subtype is returned for the session to ignore (RFC 7313 §5), even with a wrong length', () => {
    expect(decodeMessage(messageHex(5, '0001 03 01'), ctx)).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype: 3 });
    expect(decodeMessage(messageHex(5, '0001 03 01 00'), ctx)).toMatchObject({ subtype: 3 });
  });

  test('EoRR round-trips', () => {
    const m = { type: 'route-refresh' as const, afi: 2, safi: 1, subtype: 2 };
    expect(decodeMessage(encodeMessage(m, ctx), ctx)).toEqual(m);
  });
});

test('decodeMessage checks that it was given exactly one message', () => {
  const ka = encodeMessage({ type: 'keepalive' }, ctx);
  const two = Buffer.concat([ka, ka]);
  const e = thrown(() => decodeMessage(two, ctx));
  expect([e.code, e.subcode, Buffer.from(e.data).toString('hex')]).toEqual([1, 2, '0013']);
  const short = thrown(() => decodeMessage(ka.subarray(0, 10), ctx));
  expect([short.code, short.subcode]).toEqual([1, 2]);
});
