// AS numbers as every input file of ours reads them: asplain or asdot text (RFC 5396), the reserved ranges
// (RFC 7607, 6793, 7300, 5398, IANA), and asdot kept intact where YAML would read "1.10" as the float 1.1.

import { isPair, isScalar, visit, type Document } from 'yaml';
import { z } from 'zod';

export const ASN_EXPECTED = 'expected an AS number: an integer 1..4294967294 or asdot X.Y such as 1.10 (RFC 5396)';
const PRIVATE_HINT = 'use a private ASN (64512..65534 or 4200000000..4294967294) or your registered one';

/** RFC 7607 (AS 0), RFC 6793 (AS_TRANS), RFC 7300 (last ASNs), RFC 5398 (documentation), IANA reserved block. */
export function classifyAsn(asn: number): { error?: string; warning?: string } {
  if (asn === 0) return { error: 'AS 0 is reserved (RFC 7607) and cannot be used in a session' };
  if (asn === 23456) return { error: 'AS 23456 is AS_TRANS (RFC 6793), a placeholder, not a real AS' };
  if (asn === 65535 || asn === 4294967295) return { error: `AS ${asn} is the last of its range, reserved (RFC 7300)` };
  if (asn >= 65552 && asn <= 131071) return { error: `AS ${asn} is in the IANA reserved block 65552..131071` };
  if ((asn >= 64496 && asn <= 64511) || (asn >= 65536 && asn <= 65551)) {
    return { warning: `AS ${asn} is reserved for documentation (RFC 5398); fine in a lab, not on a real network` };
  }
  return {};
}

/**
 * An ASN from a file: a number, a string of digits, or asdot "X.Y" (X*65536+Y, each 0..65535). Reserved
 * ASNs are errors that say why and what to use instead (unless `reserved: 'pass'`); documentation ASNs pass.
 */
export function parseAsn(v: unknown, opts: { reserved?: 'refuse' | 'pass' } = {}): { asn: number } | { error: string } {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v !== 'string') return { error: ASN_EXPECTED };
  else if (/^\d{1,10}$/.test(v.trim())) n = Number(v.trim());
  else {
    const m = /^(\d{1,5})\.(\d{1,5})$/.exec(v.trim());
    if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) return { error: ASN_EXPECTED };
    n = Number(m[1]) * 65536 + Number(m[2]);
  }
  if (!Number.isInteger(n) || n < 0 || n > 4294967295) return { error: ASN_EXPECTED };
  const c = classifyAsn(n);
  if (c.error && opts.reserved !== 'pass') return { error: `${c.error}; ${PRIVATE_HINT}` };
  return { asn: n };
}

/**
 * The zod field for an ASN, shared by the daemon config and the topology so that both accept the same ASNs.
 * `reserved: 'pass'` leaves reserved ASNs to a later stage that reports them with classifyAsn (and its fix).
 */
export function asnField(opts: { reserved?: 'refuse' | 'pass' } = {}) {
  return z.union([z.number(), z.string()], { error: ASN_EXPECTED }).transform((v, ctx) => {
    const r = parseAsn(v, opts);
    if ('error' in r) {
      ctx.issues.push({ code: 'custom', message: r.error, input: v });
      return z.NEVER;
    }
    return r.asn;
  });
}

/**
 * YAML 1.2 reads a plain `asn: 1.10` as the float 1.1, losing the asdot text. For the mapping keys that hold
 * an ASN, put the scalar's source text back as its value ("1.10"), so parseAsn sees what was written.
 */
export function keepAsdotText(doc: Document, asnKeys: ReadonlySet<string>): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !asnKeys.has(String(pair.key.value))) return;
      const value = pair.value;
      if (isScalar(value) && typeof value.value === 'number' && typeof value.source === 'string' && /^\d+\.\d+$/.test(value.source)) {
        value.value = value.source;
      }
    },
  });
}
