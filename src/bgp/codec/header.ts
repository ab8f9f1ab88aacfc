// The 19-byte BGP message header: marker, length, type (RFC 4271 §4.1), length limits (RFC 8654 §4).
// Header errors map to NOTIFICATION code 1 (Message Header Error, RFC 4271 §6.1).

import { BgpMessageError, HeaderSubcode } from '../errors';
import type { CodecContext } from '../types';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../types';
import { putU16, u16 } from './bytes';

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                                                               |
// +                        Marker (16 x 0xff)                     +
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Length               |      Type     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export const MARKER_LENGTH = 16;
export const TYPE_OPEN = 1;
export const TYPE_UPDATE = 2;
export const TYPE_NOTIFICATION = 3;
export const TYPE_KEEPALIVE = 4;
export const TYPE_ROUTE_REFRESH = 5;

/** Minimum whole-message length per type (RFC 4271 §4.2-4.5, RFC 2918 §3). */
export const MIN_LENGTH: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

/** The largest message this session may carry (RFC 8654 raises 4096 to 65535 once both sides agree). */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Bad Message Length: RFC 4271 §6.1 puts the erroneous Length field in the data. */
export function badLength(length: number, why: string): BgpMessageError {
  const data = new Uint8Array(2);
  putU16(data, 0, length & 0xffff);
  return new BgpMessageError(1, HeaderSubcode.BadMessageLength, `bad message length ${length}: ${why}`, data);
}

export function markerIsValid(b: Uint8Array, offset = 0): boolean {
  for (let i = offset; i < offset + MARKER_LENGTH; i++) if (b[i] !== 0xff) return false;
  return true;
}

/**
 * Checks the header of one whole message and returns its type. The framer has normally done
 * the marker and length checks already; decodeMessage repeats them because it accepts any bytes.
 */
export function checkHeader(b: Uint8Array, ctx: CodecContext): number {
  if (b.length < HEADER_LENGTH) throw badLength(b.length, `shorter than the ${HEADER_LENGTH}-byte header`);
  if (!markerIsValid(b)) {
    throw new BgpMessageError(1, HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
  }
  const length = u16(b, 16);
  const type = b[18];
  if (length !== b.length) throw badLength(length, `length field says ${length} but ${b.length} bytes were given`);
  if (length > maxMessageLength(ctx)) throw badLength(length, `exceeds the maximum of ${maxMessageLength(ctx)}`);
  if (type < TYPE_OPEN || type > TYPE_ROUTE_REFRESH) {
    throw new BgpMessageError(1, HeaderSubcode.BadMessageType, `unknown message type ${type}`, Uint8Array.of(type));
  }
  if (length < MIN_LENGTH[type]) throw badLength(length, `too short for message type ${type}`);
  // RFC 8654 §4: OPEN and KEEPALIVE never grow beyond 4096, extended or not.
  if (type === TYPE_OPEN && length > MAX_MESSAGE_LENGTH) throw badLength(length, 'OPEN longer than 4096');
  if (type === TYPE_KEEPALIVE && length !== HEADER_LENGTH) throw badLength(length, 'KEEPALIVE must be 19 bytes');
  return type;
}

/** A zero-filled message buffer of `bodyLength` bytes after a complete header. */
export function allocMessage(type: number, bodyLength: number): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + bodyLength);
  writeHeader(buf, type, HEADER_LENGTH + bodyLength);
  return buf;
}

export function writeHeader(buf: Uint8Array, type: number, length: number): void {
  buf.fill(0xff, 0, MARKER_LENGTH);
  putU16(buf, 16, length);
  buf[18] = type;
}
