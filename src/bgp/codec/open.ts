// OPEN message (RFC 4271 §4.2, §6.2) with capability parameters (RFC 5492 §4) and the extended
// optional parameters length of RFC 9072; AS 0 rejection per RFC 7607, identifier per RFC 6286.

import { BgpMessageError, OpenSubcode } from '../errors';
import type { Capability, CodecContext, OpenMessage } from '../types';
import { HEADER_LENGTH } from '../types';
import { EncodeError, checkUint, ipv4Bytes, putU16, u16 } from './bytes';
import { decodeCapabilities, encodeCapability } from './capabilities';
import { allocMessage, TYPE_OPEN } from './header';
import { formatIpv4 } from '../prefix';

//  Version (1) | My Autonomous System (2) | Hold Time (2) | BGP Identifier (4) | Opt Parm Len (1)
//  then Optional Parameters: Parm. Type (1) | Parm. Length (1) | Parameter Value (variable)
//
//  RFC 9072 extended form, used when the parameters exceed 255 bytes:
//  Non-Ext OP Len (1) = 255 | Non-Ext OP Type (1) = 255 | Extended Opt. Parm. Length (2)
//  then each parameter: Parm. Type (1) | Parm. Length (2) | Parameter Value (variable)

const OPEN_UNSPECIFIC = 0;
const PARAM_CAPABILITIES = 2;

function malformed(why: string): BgpMessageError {
  return new BgpMessageError(2, OPEN_UNSPECIFIC, `malformed OPEN: ${why}`);
}

/** `b` is the whole message (header checked); `length` its length. */
export function decodeOpen(b: Uint8Array, length: number, _ctx: CodecContext): OpenMessage {
  const version = b[19];
  if (version !== 4) {
    // RFC 4271 §6.2: the data is the largest locally supported version number, 2 octets.
    throw new BgpMessageError(2, OpenSubcode.UnsupportedVersion, `unsupported BGP version ${version}`, Uint8Array.of(0, 4));
  }
  const myAsn = u16(b, 20);
  if (myAsn === 0) throw new BgpMessageError(2, OpenSubcode.BadPeerAs, 'My Autonomous System is 0 (RFC 7607)');
  const holdTime = u16(b, 22);
  if (holdTime === 1 || holdTime === 2) {
    throw new BgpMessageError(2, OpenSubcode.UnacceptableHoldTime, `hold time ${holdTime} (must be 0 or at least 3)`);
  }
  if (b[24] === 0 && b[25] === 0 && b[26] === 0 && b[27] === 0) {
    throw new BgpMessageError(2, OpenSubcode.BadBgpIdentifier, 'BGP identifier 0.0.0.0 (RFC 6286 §2.2)');
  }
  const routerId = formatIpv4(b, 24);

  let p = 29;
  let end = 29 + b[28];
  let extended = false;
  if (b[28] === 255 && length > 29 && b[29] === 255) {
    // RFC 9072 §2: the real length follows the 255/255 pair, and parameter lengths are 2 octets.
    if (length < 32) throw malformed('truncated extended optional parameters length');
    extended = true;
    end = 32 + u16(b, 30);
    p = 32;
  }
  if (end !== length) throw malformed(`optional parameters end at ${end}, message length is ${length}`);

  const capabilities: Capability[] = [];
  const hdr = extended ? 3 : 2;
  while (p < end) {
    if (end - p < hdr) throw malformed('truncated optional parameter header');
    const type = b[p];
    const len = extended ? u16(b, p + 1) : b[p + 1];
    const v = p + hdr;
    if (v + len > end) throw malformed(`optional parameter ${type} overruns the parameters field`);
    if (type !== PARAM_CAPABILITIES) {
      throw new BgpMessageError(2, OpenSubcode.UnsupportedOptionalParameter, `unsupported optional parameter type ${type}`);
    }
    decodeCapabilities(b, v, v + len, capabilities);
    p = v + len;
  }
  return { type: 'open', version, myAsn, holdTime, routerId, capabilities };
}

export function encodeOpen(m: OpenMessage, _ctx: CodecContext): Buffer {
  checkUint(m.myAsn, 16, 'OPEN My Autonomous System (use AS_TRANS 23456 for a 4-octet AS)');
  checkUint(m.holdTime, 16, 'hold time');
  const id = ipv4Bytes(m.routerId, 'BGP identifier');
  const caps = m.capabilities.map(encodeCapability);
  const capBytes = caps.reduce((n, c) => n + c.length, 0);

  // Classic form: one type-2 parameter holding every capability, while it fits the 1-octet length;
  // beyond that, RFC 9072's extended form (255, 255, 2-octet length) with 2-octet parameter lengths.
  const classicLen = caps.length === 0 ? 0 : 2 + capBytes;
  const extended = classicLen > 255;
  const paramsLen = extended ? 3 + 3 + capBytes : classicLen;
  if (HEADER_LENGTH + 10 + paramsLen > 4096) throw new EncodeError(`OPEN would be ${HEADER_LENGTH + 10 + paramsLen} bytes`);

  const buf = allocMessage(TYPE_OPEN, 10 + paramsLen);
  buf[19] = checkUint(m.version, 8, 'version');
  putU16(buf, 20, m.myAsn);
  putU16(buf, 22, m.holdTime);
  buf.set(id, 24);
  let p = 29;
  if (extended) {
    buf[28] = 255;
    buf[29] = 255;
    putU16(buf, 30, capBytes + 3);
    buf[32] = PARAM_CAPABILITIES;
    putU16(buf, 33, capBytes);
    p = 35;
  } else if (classicLen > 0) {
    buf[28] = classicLen;
    buf[29] = PARAM_CAPABILITIES;
    buf[30] = capBytes;
    p = 31;
  }
  for (const c of caps) {
    buf.set(c, p);
    p += c.length;
  }
  return buf;
}
