// decodeMessage's safety net: should a decoder bug throw something other than BgpMessageError, the
// caller still gets a BgpMessageError (a NOTIFICATION to send), never a crash.

import { BgpMessageError } from '../../../../src/bgp/errors';

jest.mock('../../../../src/bgp/codec/update', () => ({
  ...jest.requireActual('../../../../src/bgp/codec/update'),
  decodeUpdate: () => {
    throw new TypeError('simulated decoder bug');
  },
}));

// Imported after the mock is registered.
import { decodeMessage, decodeMessageUnguarded } from '../../../../src/bgp/codec';
import { DEFAULT_CODEC_CONTEXT as ctx } from '../../../../src/bgp/types';

const eor = Buffer.from('ff'.repeat(16) + '00170200000000', 'hex');

test('a non-BgpMessageError from a decoder becomes UPDATE Message Error, subcode 0', () => {
  expect(() => decodeMessageUnguarded(eor, ctx)).toThrow(TypeError);
  let err: unknown;
  try {
    decodeMessage(eor, ctx);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BgpMessageError);
  expect([(err as BgpMessageError).code, (err as BgpMessageError).subcode]).toEqual([3, 0]);
  expect((err as BgpMessageError).message).toMatch(/simulated decoder bug/);
});
