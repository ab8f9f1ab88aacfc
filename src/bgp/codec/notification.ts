// NOTIFICATION message (RFC 4271 §4.5) with the Cease subcodes of RFC 4486 and the shutdown
// communication of RFC 9003 (length-prefixed UTF-8 of up to 255 octets in Cease 2 and 4).

import type { CodecContext, NotificationMessage } from '../types';
import { HEADER_LENGTH } from '../types';
import { checkUint, copyBytes } from './bytes';
import { allocMessage, maxMessageLength, TYPE_NOTIFICATION } from './header';

//  Error code (1) | Error subcode (1) | Data (variable)
//  RFC 9003 data for Cease / Administrative Shutdown (2) and Administrative Reset (4):
//  Length (1) | Shutdown Communication (Length octets of UTF-8) | (anything after is ignored)

const CEASE = 6;
const ADMIN_SHUTDOWN = 2;
const ADMIN_RESET = 4;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function carriesShutdownMessage(code: number, subcode: number): boolean {
  return code === CEASE && (subcode === ADMIN_SHUTDOWN || subcode === ADMIN_RESET);
}

/** `b` is one whole NOTIFICATION (header checked, length >= 21). */
export function decodeNotification(b: Uint8Array, length: number, _ctx: CodecContext): NotificationMessage {
  const code = b[19];
  const subcode = b[20];
  const data = copyBytes(b, 21, length);
  const msg: NotificationMessage = { type: 'notification', code, subcode, data };
  if (carriesShutdownMessage(code, subcode) && data.length > 1 && data[0] > 0 && 1 + data[0] <= data.length) {
    try {
      msg.shutdownMessage = utf8.decode(data.subarray(1, 1 + data[0]));
    } catch {
      // RFC 9003 §2: an invalid communication is ignored, the NOTIFICATION itself still stands.
    }
  }
  return msg;
}

/** UTF-8 bytes of `text`, cut at a character boundary to at most `max` octets. */
export function utf8Truncate(text: string, max: number): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return new Uint8Array(bytes);
  let end = max;
  // Step back over continuation octets (10xxxxxx) so no character is split.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new Uint8Array(bytes.subarray(0, end));
}

export function encodeNotification(m: NotificationMessage, ctx: CodecContext): Buffer {
  checkUint(m.code, 8, 'error code');
  checkUint(m.subcode, 8, 'error subcode');
  let data = m.data;
  if (data.length === 0 && m.shutdownMessage !== undefined && carriesShutdownMessage(m.code, m.subcode)) {
    const text = utf8Truncate(m.shutdownMessage, 255);
    data = new Uint8Array(1 + text.length);
    data[0] = text.length;
    data.set(text, 1);
  }
  // Data that would not fit (an echoed oversized attribute, say) is cut; the code/subcode are what count.
  const room = maxMessageLength(ctx) - HEADER_LENGTH - 2;
  if (data.length > room) data = data.subarray(0, room);
  const buf = allocMessage(TYPE_NOTIFICATION, 2 + data.length);
  buf[19] = m.code;
  buf[20] = m.subcode;
  buf.set(data, 21);
  return buf;
}
