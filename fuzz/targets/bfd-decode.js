// BFD Control packet decoder (RFC 5880 §4, §6.8.6): only BfdDecodeError may escape; a decoded packet must encode
// and decode again to the same packet.
'use strict';
const { dist, target, expectOnly, same } = require('./common');
const { decodeControl, encodeControl } = dist('bfd/codec.js');
const { BfdDecodeError } = dist('bfd/errors.js');

function check(data) {
  let pkt;
  try {
    pkt = decodeControl(data);
  } catch (e) {
    expectOnly(e, BfdDecodeError);
    return;
  }
  const again = decodeControl(encodeControl(pkt));
  if (!same(again, pkt)) throw new Error('decode(encode(decode(x))) differs from decode(x)');
}

module.exports.check = check;
module.exports.fuzz = target('bfd-decode', check);
