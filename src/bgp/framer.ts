// Splits a BGP TCP byte stream into whole messages (RFC 4271 §4.1 header: marker, length) and checks
// the header errors a stream reader can see (RFC 4271 §6.1: Connection Not Synchronized, Bad Message Length).

import { BgpMessageError, HeaderSubcode } from './errors';
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH } from './types';
import { badLength, markerIsValid } from './codec/header';

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Feed it TCP chunks split or coalesced anywhere; it returns the whole messages they complete.
 * A message that lies inside one chunk comes back as a view of that chunk (no copy), so chunks
 * must not be modified after being pushed (socket 'data' buffers never are). Only a message that
 * spans chunks is assembled in its own buffer, and only its own bytes are copied.
 *
 * Errors never depend on segmentation: the complete messages before a bad header are always delivered
 * first. When a push finds a bad header after returning messages, the error waits in `failed` (check it
 * once those messages are handled); when it has nothing to return, push throws it. Either way the
 * framer is then dead (every later push throws the same error): the stream is no longer synchronized.
 */
export class Framer {
  /** The message being assembled across chunks: a header scratch until its length is known, then the whole message. */
  private partial: Buffer | null = null;
  /** Bytes of `partial` filled so far. */
  private have = 0;
  /** Length of the message in `partial` once its header is complete, else 0. */
  private need = 0;

  /** `maxLength` is asked per message: 4096, or 65535 once extended messages are negotiated (RFC 8654). */
  constructor(private readonly maxLength: () => number = () => MAX_MESSAGE_LENGTH) {}

  /** The header error found after the messages the last push returned; they come first, then this. */
  private failure: BgpMessageError | null = null;

  get failed(): BgpMessageError | null {
    return this.failure;
  }

  /** Bytes received but not yet part of a returned message. */
  get buffered(): number {
    return this.have;
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const out: Buffer[] = [];
    try {
      this.collect(chunk, out);
    } catch (e) {
      if (!(e instanceof BgpMessageError)) throw e;
      this.failure = e;
      if (out.length === 0) throw e;
    }
    return out;
  }

  private collect(chunk: Uint8Array, out: Buffer[]): void {
    const buf = asBuffer(chunk);
    let p = 0;
    if (this.partial) {
      if (this.need === 0) {
        const t = Math.min(HEADER_LENGTH - this.have, buf.length);
        buf.copy(this.partial, this.have, 0, t);
        this.have += t;
        p = t;
        if (this.have < HEADER_LENGTH) return;
        this.need = this.messageLength(this.partial, 0);
        const whole = Buffer.allocUnsafe(this.need);
        this.partial.copy(whole, 0, 0, HEADER_LENGTH);
        this.partial = whole;
      }
      const t = Math.min(this.need - this.have, buf.length - p);
      buf.copy(this.partial, this.have, p, p + t);
      this.have += t;
      p += t;
      if (this.have < this.need) return;
      out.push(this.partial);
      this.reset();
    }
    let len = 0;
    while (buf.length - p >= HEADER_LENGTH) {
      len = this.messageLength(buf, p);
      if (buf.length - p < len) break;
      out.push(buf.subarray(p, p + len));
      p += len;
      len = 0;
    }
    if (p < buf.length) {
      // Keep only the tail: the chunk itself is not retained once its whole messages are returned.
      this.need = len;
      this.partial = Buffer.allocUnsafe(len || HEADER_LENGTH);
      this.have = buf.copy(this.partial, 0, p);
    }
  }

  /** Validates the header at `p` (at least 19 bytes available) and returns the message length. */
  private messageLength(b: Buffer, p: number): number {
    if (!markerIsValid(b, p)) {
      this.reset();
      throw new BgpMessageError(1, HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
    }
    const len = (b[p + 16] << 8) | b[p + 17];
    const max = this.maxLength();
    if (len < HEADER_LENGTH || len > max) {
      this.reset();
      throw badLength(len, len < HEADER_LENGTH ? 'shorter than the header' : `exceeds the maximum of ${max}`);
    }
    return len;
  }

  private reset(): void {
    this.partial = null;
    this.have = 0;
    this.need = 0;
  }
}
