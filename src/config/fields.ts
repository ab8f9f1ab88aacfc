// Zod field types for the config file: integers with ranges, addresses, prefixes, prefix filters, communities.
// Each says what it expects in the words the error message will use; values come out canonical (RFC 5952 text).

import { z } from 'zod';
import { Address4, Address6 } from 'ip-address';
import { canonicalAddress, canonicalPrefix, parsePrefix, PrefixError } from '../bgp/prefix';
import { asnField } from '../util/asn';
import type { PrefixFilter } from './types';

/** Adds a custom issue and returns z.NEVER, for use inside transforms. */
function fail(ctx: z.RefinementCtx, message: string, input: unknown): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
}

export function int(min: number, max: number, what = `an integer ${min}..${max}`) {
  return z.number({ error: `expected ${what}` }).int().min(min).max(max);
}

export const bool = () => z.boolean({ error: 'expected true or false' });

export const text = (what = 'a string') => z.string({ error: `expected ${what}` });

/** An ASN as a number, a string of digits, or asdot ("1.10" = 65546, RFC 5396); the same rules as the topology's. */
export const asn = () => asnField();

export type AddressFamilyName = 'ipv4' | 'ipv6';

export function addressFamily(addr: string): AddressFamilyName {
  return addr.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * An IP address (no prefix length, no zone), returned canonical. `family` restricts it; `usable`
 * refuses unspecified, multicast and broadcast addresses, which can never be a BGP peer or source. An
 * IPv4-mapped IPv6 address (::ffff:10.0.0.1) is refused with the IPv4 address to write unless `allowMapped`.
 */
export function ipAddress(opts: { family?: AddressFamilyName; usable?: boolean; allowMapped?: boolean } = {}) {
  const what =
    opts.family === 'ipv4' ? 'an IPv4 address' : opts.family === 'ipv6' ? 'an IPv6 address' : 'an IPv4 or IPv6 address';
  return z.string({ error: `expected ${what}` }).transform((raw, ctx) => {
    const v = raw.trim();
    if (v.includes('%')) return fail(ctx, `expected ${what} without a zone index ("%..."): link-local peers are not supported`, raw);
    if (v.includes('/')) return fail(ctx, `expected ${what}, not a prefix`, raw);
    const isV4 = Address4.isValid(v);
    const isV6 = !isV4 && Address6.isValid(v);
    if ((!isV4 && !isV6) || (opts.family === 'ipv4' && !isV4) || (opts.family === 'ipv6' && !isV6)) {
      return fail(ctx, `expected ${what}`, raw);
    }
    let canon: string;
    try {
      canon = canonicalAddress(v);
    } catch {
      return fail(ctx, `expected ${what}`, raw);
    }
    // ::ffff:a.b.c.d is how an IPv6 socket shows an IPv4 peer, not an address of its own: name the IPv4 address.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canon);
    if (isV6 && mapped && !opts.allowMapped) {
      const hi = parseInt(mapped[1], 16);
      const lo = parseInt(mapped[2], 16);
      const v4 = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
      return fail(ctx, `${v} is an IPv4-mapped IPv6 address (the form an IPv6 socket shows an IPv4 peer in); write the IPv4 address ${v4}`, raw);
    }
    if (opts.usable) {
      const bytes = parsePrefix(canon).bytes;
      if (bytes.every((b) => b === 0)) return fail(ctx, `expected a usable address, not the unspecified address ${canon}`, raw);
      if (isV4 && bytes[0] >= 224) return fail(ctx, `expected a unicast address (${canon} is multicast or reserved)`, raw);
      if (isV6 && bytes[0] === 0xff) return fail(ctx, `expected a unicast address (${canon} is multicast)`, raw);
    }
    return canon;
  });
}

/** A BGP identifier: a dotted quad other than 0.0.0.0 (RFC 4271 §4.2, RFC 6286 §2.1). */
export function routerId() {
  return z.string({ error: 'expected an IPv4 dotted quad such as 10.0.0.1' }).transform((raw, ctx) => {
    const v = raw.trim();
    if (!Address4.isValid(v) || v.includes('/')) return fail(ctx, 'expected an IPv4 dotted quad such as 10.0.0.1', raw);
    let canon: string;
    try {
      canon = canonicalAddress(v);
    } catch {
      return fail(ctx, 'expected an IPv4 dotted quad such as 10.0.0.1', raw);
    }
    if (canon === '0.0.0.0') return fail(ctx, 'the router id must not be 0.0.0.0 (RFC 6286 §2.1)', raw);
    return canon;
  });
}

/** A prefix "10.1.0.0/16" or "2001:db8::/32", canonical; host bits set below the length are an error. */
export function prefix() {
  return z.string({ error: 'expected a prefix such as 10.1.0.0/16 or 2001:db8::/32' }).transform((raw, ctx) => {
    if (!raw.includes('/')) return fail(ctx, 'expected a prefix with a length, such as 10.1.0.0/16', raw);
    try {
      return canonicalPrefix(raw);
    } catch (e) {
      return fail(ctx, e instanceof PrefixError ? e.message : String(e), raw);
    }
  });
}

const FILTER_HELP = 'expected a prefix filter such as "10.0.0.0/8", "10.0.0.0/8 le 24" or "10.0.0.0/8 ge 16 le 24"';

function checkFilter(ctx: z.RefinementCtx, raw: unknown, pfx: string, ge?: number, le?: number): PrefixFilter {
  let canon: string;
  try {
    canon = canonicalPrefix(pfx);
  } catch (e) {
    return fail(ctx, e instanceof PrefixError ? e.message : String(e), raw);
  }
  const p = parsePrefix(canon);
  const max = p.bytes.length * 8;
  for (const [word, n] of [['ge', ge], ['le', le]] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < p.length || n > max)) {
      return fail(ctx, `"${word} ${n}" must lie in ${p.length}..${max} (the prefix length up to the family's maximum)`, raw);
    }
  }
  if (ge !== undefined && le !== undefined && ge > le) return fail(ctx, `ge ${ge} is greater than le ${le}`, raw);
  const out: PrefixFilter = { prefix: canon };
  if (ge !== undefined) out.ge = ge;
  if (le !== undefined) out.le = le;
  return out;
}

/** "P", "P le N", "P ge N", "P ge N le M", or { prefix, ge?, le? }. */
export function prefixFilter() {
  const obj = z.strictObject({
    prefix: z.string({ error: 'expected a prefix such as 10.0.0.0/8' }),
    ge: int(0, 128, 'an integer prefix length').optional(),
    le: int(0, 128, 'an integer prefix length').optional(),
  });
  return z.union([z.string(), obj], { error: FILTER_HELP }).transform((v, ctx) => {
    if (typeof v !== 'string') return checkFilter(ctx, v, v.prefix, v.ge, v.le);
    const m = /^\s*(\S+)(?:\s+ge\s+(\d+))?(?:\s+le\s+(\d+))?\s*$/.exec(v);
    if (!m) return fail(ctx, FILTER_HELP, v);
    if (!m[1].includes('/')) return fail(ctx, FILTER_HELP, v);
    return checkFilter(ctx, v, m[1], m[2] === undefined ? undefined : Number(m[2]), m[3] === undefined ? undefined : Number(m[3]));
  });
}

/** Well-known communities by name (RFC 1997, RFC 8326 graceful-shutdown, RFC 7999 blackhole). */
export const WELL_KNOWN_COMMUNITIES: Record<string, number> = {
  'graceful-shutdown': 0xffff0000,
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
};

/** "65000:100" or a well-known name; returns the 32-bit wire value. */
export function community() {
  const help = `expected a community "ASN:VALUE" (each 0..65535) or one of ${Object.keys(WELL_KNOWN_COMMUNITIES).join(', ')}`;
  return z.string({ error: help }).transform((raw, ctx) => {
    const v = raw.trim().toLowerCase();
    if (v in WELL_KNOWN_COMMUNITIES) return WELL_KNOWN_COMMUNITIES[v];
    const m = /^(\d{1,5}):(\d{1,5})$/.exec(v);
    if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) return fail(ctx, help, raw);
    return Number(m[1]) * 65536 + Number(m[2]);
  });
}

/** "GLOBAL:LOCAL1:LOCAL2" (RFC 8092), each 0..4294967295. */
export function largeCommunity() {
  const help = 'expected a large community "ASN:X:Y" (each 0..4294967295)';
  return z.string({ error: help }).transform((raw, ctx): [number, number, number] => {
    const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(raw.trim());
    if (!m) return fail(ctx, help, raw);
    const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (parts.some((n) => n > 4294967295)) return fail(ctx, help, raw);
    return parts as [number, number, number];
  });
}

/** RFC 9003: the shutdown communication is at most 255 octets of UTF-8. */
export function shutdownMessage() {
  return z.string({ error: 'expected a text of at most 255 bytes' }).refine((s) => Buffer.byteLength(s, 'utf8') <= 255, {
    error: 'expected a text of at most 255 bytes of UTF-8 (RFC 9003)',
  });
}

/** "127.0.0.1:9469" or "[::1]:9469": a TCP listen address with a port (ops: the metrics endpoint). */
export function hostPort() {
  const help = 'expected ADDRESS:PORT such as 127.0.0.1:9469 or [::1]:9469';
  return z.string({ error: help }).transform((raw, ctx): { host: string; port: number } => {
    const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(raw.trim()) ?? /^([0-9.]+):(\d{1,5})$/.exec(raw.trim());
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return fail(ctx, help, raw);
    const isV6 = raw.trim().startsWith('[');
    if (isV6 ? !Address6.isValid(m[1]) : !Address4.isValid(m[1])) return fail(ctx, help, raw);
    return { host: canonicalAddress(m[1]), port: Number(m[2]) };
  });
}

/** An http:// or https:// URL (ops: the alert webhook). */
export function httpUrl() {
  const help = 'expected an http:// or https:// URL';
  return z.string({ error: help }).refine(
    (raw) => {
      try {
        const u = new URL(raw);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: help },
  );
}

/** A Linux interface name: 1..15 characters, no "/", whitespace or ":" tricks beyond what the kernel allows. */
export function ifname() {
  return text('an interface name').regex(/^[A-Za-z0-9_.+-]{1,15}$/, {
    error: 'expected an interface name of 1..15 letters, digits, "_", ".", "+" or "-"',
  });
}
