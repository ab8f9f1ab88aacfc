// Test helpers: hex text <-> bytes. Hex text may carry whitespace and "#" comments to the end of a
// line, so fixtures can annotate each field next to its bytes.

export function hexToBytes(text: string | string[]): Buffer {
  const lines = Array.isArray(text) ? text : text.split('\n');
  const clean = lines.map((l) => l.replace(/#.*$/, '')).join('').replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${clean.slice(0, 60)}`);
  return Buffer.from(clean, 'hex');
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A BGP header for a body of `bodyLength` bytes, as hex. */
export function headerHex(type: number, bodyLength: number): string {
  const len = 19 + bodyLength;
  return 'ff'.repeat(16) + len.toString(16).padStart(4, '0') + type.toString(16).padStart(2, '0');
}

/** A whole message from a body given in hex: the header is computed, so fixtures only spell out the body. */
export function messageHex(type: number, bodyHex: string | string[]): Buffer {
  const body = hexToBytes(bodyHex);
  return Buffer.concat([Buffer.from(headerHex(type, body.length), 'hex'), body]);
}
