// The BGP wire codec's public face: encodeMessage/decodeMessage over the BgpMessage union (RFC 4271 §4),
// UPDATE packing and End-of-RIB (RFC 4724 §2), and the framer (re-exported for the session runner).

import { BgpMessageError } from '../errors';
import type { BgpMessage, CodecContext } from '../types';
import { allocMessage, checkHeader, TYPE_KEEPALIVE, TYPE_NOTIFICATION, TYPE_OPEN, TYPE_ROUTE_REFRESH, TYPE_UPDATE } from './header';
import { decodeNotification, encodeNotification } from './notification';
import { decodeOpen, encodeOpen } from './open';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh';
import { decodeUpdate, encodeUpdate } from './update';

export { packUpdates, encodeEndOfRib } from './pack';
export { isEndOfRib } from './eor';
export type { PackInput } from './pack';
export { Framer } from '../framer';
export { EncodeError } from './bytes';
export { maxMessageLength } from './header';

/** Encodes one whole message, header included. Throws EncodeError when `msg` cannot be put on the wire. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Buffer {
  switch (msg.type) {
    case 'open':
      return encodeOpen(msg, ctx);
    case 'update':
      return encodeUpdate(msg, ctx);
    case 'notification':
      return encodeNotification(msg, ctx);
    case 'keepalive':
      return allocMessage(TYPE_KEEPALIVE, 0);
    case 'route-refresh':
      return encodeRouteRefresh(msg, ctx);
  }
}

/**
 * Decodes one whole message. Exported separately from decodeMessage so the property tests can
 * see a bug as the exception it is, instead of the safety net's NOTIFICATION.
 */
export function decodeMessageUnguarded(bytes: Uint8Array, ctx: CodecContext): BgpMessage {
  const type = checkHeader(bytes, ctx);
  const length = bytes.length;
  switch (type) {
    case TYPE_OPEN:
      return decodeOpen(bytes, length, ctx);
    case TYPE_UPDATE:
      return decodeUpdate(bytes, length, ctx);
    case TYPE_NOTIFICATION:
      return decodeNotification(bytes, length, ctx);
    case TYPE_ROUTE_REFRESH:
      return decodeRouteRefresh(bytes, length, ctx);
    default:
      return { type: 'keepalive' };
  }
}

/**
 * Decodes one whole message (`bytes` starts at the marker and holds exactly one message).
 * Throws BgpMessageError, carrying the NOTIFICATION to send, whenever RFC 4271/7606 require a
 * session reset; RFC 7606 soft errors come back in UpdateMessage.softErrors. Never throws anything else.
 */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext): BgpMessage {
  try {
    return decodeMessageUnguarded(bytes, ctx);
  } catch (e) {
    if (e instanceof BgpMessageError) throw e;
    // A decoder bug must still end in a NOTIFICATION, not a crashed daemon: report it against the
    // message type with subcode 0 ("unspecific").
    const type = bytes.length > 18 ? bytes[18] : 0;
    const code = type === TYPE_OPEN ? 2 : type === TYPE_UPDATE ? 3 : 1;
    throw new BgpMessageError(code, 0, `internal decoder error: ${(e as Error)?.message ?? String(e)}`);
  }
}
