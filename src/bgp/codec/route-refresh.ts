// ROUTE-REFRESH message (RFC 2918 §3) with the Enhanced Route Refresh subtypes of RFC 7313 §3
// (0 normal request, 1 BoRR, 2 EoRR) and its Invalid Message Length error (RFC 7313 §5).

import { BgpMessageError } from '../errors';
import type { CodecContext, RouteRefreshMessage } from '../types';
import { checkUint, copyBytes, putU16, u16 } from './bytes';
import { allocMessage, TYPE_ROUTE_REFRESH } from './header';

//  AFI (2) | Message Subtype (1, "Reserved" in RFC 2918) | SAFI (1)

const ROUTE_REFRESH_ERROR = 7;
const INVALID_MESSAGE_LENGTH = 1;

/**
 * `b` is one whole ROUTE-REFRESH (header checked, length >= 23). Subtypes above 2 are returned
 * as they are: RFC 7313 §5 says the receiver ignores them, which is the session's decision.
 */
export function decodeRouteRefresh(b: Uint8Array, length: number, _ctx: CodecContext): RouteRefreshMessage {
  const subtype = b[21];
  if (length !== 23 && subtype <= 2) {
    // RFC 7313 §5: the data is the complete ROUTE-REFRESH message.
    throw new BgpMessageError(
      ROUTE_REFRESH_ERROR,
      INVALID_MESSAGE_LENGTH,
      `ROUTE-REFRESH of ${length} bytes (must be 23)`,
      copyBytes(b, 0, length),
    );
  }
  return { type: 'route-refresh', afi: u16(b, 19), safi: b[22], subtype };
}

export function encodeRouteRefresh(m: RouteRefreshMessage, _ctx: CodecContext): Buffer {
  const buf = allocMessage(TYPE_ROUTE_REFRESH, 4);
  putU16(buf, 19, checkUint(m.afi, 16, 'AFI'));
  buf[21] = checkUint(m.subtype, 8, 'ROUTE-REFRESH subtype');
  buf[22] = checkUint(m.safi, 8, 'SAFI');
  return buf;
}
