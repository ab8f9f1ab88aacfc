// NOTIFICATIONs the FSM sends and the FSM events for what arrives from the wire: decoded messages and
// decode errors. RFC 4271 §4.5/§8.1.5, RFC 8203/9003 (shutdown communication), RFC 4486 (Cease).

import type { ProtocolError } from './capabilities';
import { CeaseSubcode } from './errors';
import type { FsmEvent, StopNotification } from './fsm-types';
import type { BgpMessage, NotificationMessage } from './types';

const CEASE = 6;

/** RFC 8203/9003 shutdown communication: a length octet and at most 255 octets of UTF-8. */
export function shutdownCommunication(message: string): Uint8Array {
  let bytes = Buffer.from(message, 'utf8');
  if (bytes.length > 255) {
    // Cut at a character boundary: drop continuation bytes (10xxxxxx) and the lead byte they belong to.
    let end = 255;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function notification(code: number, subcode: number, data?: Uint8Array, shutdownMessage?: string): NotificationMessage {
  const n: NotificationMessage = { type: 'notification', code, subcode, data: data ?? new Uint8Array(0) };
  if (shutdownMessage !== undefined) n.shutdownMessage = shutdownMessage;
  return n;
}

/** The NOTIFICATION for a stop request, with the shutdown communication where RFC 9003 allows one. */
export function fromStop(n: StopNotification): NotificationMessage {
  const communication = n.code === CEASE && (n.subcode === CeaseSubcode.AdministrativeShutdown || n.subcode === CeaseSubcode.AdministrativeReset);
  if (n.data) return notification(n.code, n.subcode, n.data);
  if (communication && n.message !== undefined) return notification(n.code, n.subcode, shutdownCommunication(n.message), n.message);
  return notification(n.code, n.subcode);
}

export function fromError(e: ProtocolError): NotificationMessage {
  return notification(e.code, e.subcode, e.data);
}

/** The FSM event for a decoded message (RFC 4271 §8.1.5). */
export function eventForMessage(msg: BgpMessage): FsmEvent {
  switch (msg.type) {
    case 'open':
      return { type: 'BGPOpen', open: msg };
    case 'keepalive':
      return { type: 'KeepAliveMsg' };
    case 'update':
      return { type: 'UpdateMsg', update: msg };
    case 'route-refresh':
      return { type: 'RouteRefreshMsg', refresh: msg };
    case 'notification':
      return msg.code === 2 && msg.subcode === 1 ? { type: 'NotifMsgVerErr', notification: msg } : { type: 'NotifMsg', notification: msg };
  }
}

/** The FSM event for a decode error that resets the session, by its NOTIFICATION code. */
export function eventForError(error: ProtocolError): FsmEvent {
  if (error.code === 1) return { type: 'BGPHeaderErr', error };
  if (error.code === 2) return { type: 'BGPOpenMsgErr', error };
  return { type: 'UpdateMsgErr', error };
}
