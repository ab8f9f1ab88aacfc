// Capabilities advertisement (RFC 5492 §4): multiprotocol (RFC 4760 §8), route refresh (RFC 2918, 7313),
// graceful restart (RFC 4724 §3), 4-octet AS (RFC 6793 §3), extended message (RFC 8654); others kept raw.

import { BgpMessageError, OpenSubcode } from '../errors';
import type { Capability } from '../types';
import { EncodeError, checkUint, copyBytes, putU16, putU32, u16, u32 } from './bytes';

// Each capability inside an Optional Parameter of type 2:
// +------------------------------+
// | Capability Code (1 octet)    |
// +------------------------------+
// | Capability Length (1 octet)  |
// +------------------------------+
// | Capability Value (variable)  |
// +------------------------------+

/** Subcode 0 of OPEN Message Error: a malformed OPEN that no specific subcode names (FRR and BIRD use it). */
const OPEN_UNSPECIFIC = 0;

function malformed(what: string): BgpMessageError {
  return new BgpMessageError(2, OPEN_UNSPECIFIC, `malformed capability: ${what}`);
}

/** Decodes the capabilities in one Optional Parameter value, appending to `out`. */
export function decodeCapabilities(b: Uint8Array, start: number, end: number, out: Capability[]): void {
  let p = start;
  while (p < end) {
    if (end - p < 2) throw malformed('truncated capability header');
    const code = b[p];
    const len = b[p + 1];
    const v = p + 2;
    if (v + len > end) throw malformed(`capability ${code} length ${len} overruns its parameter`);
    out.push(decodeOne(code, b, v, len));
    p = v + len;
  }
}

function expectLength(code: number, len: number, want: number): void {
  if (len !== want) throw malformed(`capability ${code} has length ${len}, expected ${want}`);
}

function decodeOne(code: number, b: Uint8Array, v: number, len: number): Capability {
  switch (code) {
    case 1:
      // AFI (2) | Reserved (1) | SAFI (1)
      expectLength(code, len, 4);
      return { code: 1, kind: 'multiprotocol', afi: u16(b, v), safi: b[v + 3] };
    case 2:
      expectLength(code, len, 0);
      return { code: 2, kind: 'route-refresh' };
    case 70:
      expectLength(code, len, 0);
      return { code: 70, kind: 'enhanced-route-refresh' };
    case 6:
      expectLength(code, len, 0);
      return { code: 6, kind: 'extended-message' };
    case 65: {
      expectLength(code, len, 4);
      const asn = u32(b, v);
      // RFC 7607 §2: AS 0 in the 4-octet AS capability is a Bad Peer AS.
      if (asn === 0) throw new BgpMessageError(2, OpenSubcode.BadPeerAs, 'four-octet AS capability carries AS 0');
      return { code: 65, kind: 'four-octet-as', asn };
    }
    case 64: {
      // Restart Flags (4 bits: R N . .) | Restart Time (12 bits) | { AFI (2) SAFI (1) Flags (1: F . . .) }*
      if (len < 2 || (len - 2) % 4 !== 0) throw malformed(`graceful restart capability has length ${len}`);
      const families: { afi: number; safi: number; forwardingPreserved: boolean }[] = [];
      for (let p = v + 2; p < v + len; p += 4) {
        families.push({ afi: u16(b, p), safi: b[p + 2], forwardingPreserved: (b[p + 3] & 0x80) !== 0 });
      }
      return {
        code: 64,
        kind: 'graceful-restart',
        restarting: (b[v] & 0x80) !== 0,
        notification: (b[v] & 0x40) !== 0,
        restartTime: ((b[v] & 0x0f) << 8) | b[v + 1],
        families,
      };
    }
    default:
      return { code, kind: 'unknown', value: copyBytes(b, v, v + len) };
  }
}

/** The wire form (code, length, value) of one capability. */
export function encodeCapability(c: Capability): Uint8Array {
  let value: Uint8Array;
  switch (c.kind) {
    case 'multiprotocol':
      value = new Uint8Array(4);
      putU16(value, 0, checkUint(c.afi, 16, 'multiprotocol AFI'));
      value[3] = checkUint(c.safi, 8, 'multiprotocol SAFI');
      break;
    case 'route-refresh':
    case 'enhanced-route-refresh':
    case 'extended-message':
      value = new Uint8Array(0);
      break;
    case 'four-octet-as':
      value = new Uint8Array(4);
      putU32(value, 0, checkUint(c.asn, 32, 'four-octet AS'));
      break;
    case 'graceful-restart': {
      value = new Uint8Array(2 + 4 * c.families.length);
      const t = checkUint(c.restartTime, 16, 'restart time');
      if (t > 0xfff) throw new EncodeError(`restart time ${t} does not fit 12 bits`);
      value[0] = (c.restarting ? 0x80 : 0) | (c.notification ? 0x40 : 0) | (t >> 8);
      value[1] = t & 0xff;
      c.families.forEach((f, i) => {
        putU16(value, 2 + i * 4, checkUint(f.afi, 16, 'graceful restart AFI'));
        value[4 + i * 4] = checkUint(f.safi, 8, 'graceful restart SAFI');
        value[5 + i * 4] = f.forwardingPreserved ? 0x80 : 0;
      });
      break;
    }
    default:
      value = c.value;
  }
  checkUint(c.code, 8, 'capability code');
  if (value.length > 255) throw new EncodeError(`capability ${c.code} value is ${value.length} bytes (max 255)`);
  const out = new Uint8Array(2 + value.length);
  out[0] = c.code;
  out[1] = value.length;
  out.set(value, 2);
  return out;
}
