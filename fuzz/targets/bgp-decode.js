// BGP decoder in every negotiated context: byte 0 picks the context (4-octet AS, extended messages, eBGP, extended
// next hop: 16 of them), the rest is one message. Only BgpMessageError may escape decoding (RFC 4271/7606); a message
// decoded without soft errors must encode, and decode again to the same message; isEndOfRib must not throw.
'use strict';
const { dist, target, expectOnly, same } = require('./common');
const codec = dist('bgp/codec/index.js');
const { BgpMessageError } = dist('bgp/errors.js');

/** The codec context a fuzz input's first byte names (also used by seed.js). */
function contextOf(b) {
  return { fourOctetAs: (b & 1) !== 0, extendedMessage: (b & 2) !== 0, ebgp: (b & 4) !== 0, extendedNextHop: (b & 8) !== 0 };
}

/**
 * What re-encoding rightly changes: an unrecognized optional transitive attribute is passed on with Partial set
 * (RFC 4271 §5) in ascending type order, and Extended Length is chosen by size.
 */
function withPartial(msg) {
  if (msg.type !== 'update' || !msg.attributes.unknown) return msg;
  const unknown = msg.attributes.unknown
    .map((u) => ({ ...u, flags: (u.flags & 0xe0) | ((u.flags & 0xc0) === 0xc0 ? 0x20 : 0) | (u.value.length > 255 ? 0x10 : 0) }))
    .sort((a, b) => a.type - b.type); // the encoder writes attributes in ascending type order (RFC 4271 §5)
  return { ...msg, attributes: { ...msg.attributes, unknown } };
}

module.exports.contextOf = contextOf;
function check(data) {
  if (data.length < 1) return;
  const ctx = contextOf(data[0]);
  const bytes = data.subarray(1);
  let msg;
  try {
    msg = codec.decodeMessageUnguarded(bytes, ctx);
  } catch (e) {
    expectOnly(e, BgpMessageError);
    if (!(e.rule && /^RFC \d+ §/.test(e.rule))) throw new Error(`a reset without a rule: ${e.message}`);
    return;
  }
  if (msg.type === 'update') {
    codec.isEndOfRib(msg);
    for (const s of msg.softErrors || []) if (!s.rule) throw new Error(`soft error without a rule: ${s.reason}`);
    if (msg.softErrors) return; // repaired messages need not round-trip
  }
  let again;
  try {
    again = codec.decodeMessageUnguarded(codec.encodeMessage(msg, ctx), ctx);
  } catch (e) {
    // Some valid inputs have no canonical encoding within this context's size (e.g. re-encoding adds AS4_PATH).
    if (e instanceof codec.EncodeError) return;
    throw e;
  }
  if (!same(again, withPartial(msg))) throw new Error('decode(encode(decode(x))) differs from decode(x)');
}

module.exports.check = check;
module.exports.fuzz = target('bgp-decode', check);
