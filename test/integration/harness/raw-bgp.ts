// A raw BGP connection opened from inside a namespace: a second connection from a peer's address that sends
// an OPEN while the peer's session is Established (connection collisions, RFC 4271 §6.8). Runs dist/ code.

import { join } from 'node:path';
import { ensureBuilt, REPO } from './bgpfo';
import type { Netns } from './lab';

export interface RawBgpOptions {
  /** Address to bind (the peer's address on the link) and the address to connect to (port 179). */
  from: string;
  to: string;
  asn: number;
  routerId: string;
  holdTime: number;
  /**
   * What to do once the other end answered our OPEN with its KEEPALIVE: 'cease' sends Cease/7 and closes (what
   * BIRD and FRR do with a new connection while their session is Established), 'keepalive' answers with a
   * KEEPALIVE (a peer that kept this connection), 'silent' says nothing more.
   */
  then: 'cease' | 'keepalive' | 'silent';
  /** Give up (close) after this long, in ms. */
  timeoutMs: number;
}

export interface RawBgpResult {
  /** Every message received, in order: 'open', 'keepalive', 'notification 6/7', ... and 'closed' at the end if the other end closed. */
  received: string[];
}

// Plain CommonJS run by node inside the namespace; prints one JSON line per event.
const SCRIPT = `
const net = require('node:net');
const dist = process.argv[1];
const o = JSON.parse(process.argv[2]);
const { encodeMessage, decodeMessage, Framer } = require(dist + '/bgp/codec/index.js');
const ctx = { fourOctetAs: true, extendedMessage: false, ebgp: true };
const out = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
const s = net.connect({ host: o.to, port: 179, localAddress: o.from });
const framer = new Framer(() => 4096);
let answered = false;
s.on('connect', () => {
  out({ event: 'connected' });
  s.write(encodeMessage({ type: 'open', version: 4, myAsn: o.asn > 65535 ? 23456 : o.asn, holdTime: o.holdTime, routerId: o.routerId,
    capabilities: [{ code: 1, kind: 'multiprotocol', afi: 1, safi: 1 }, { code: 2, kind: 'route-refresh' }, { code: 65, kind: 'four-octet-as', asn: o.asn }] }, ctx));
});
s.on('data', (chunk) => {
  for (const bytes of framer.push(chunk)) {
    const m = decodeMessage(bytes, ctx);
    out({ event: m.type === 'notification' ? 'notification ' + m.code + '/' + m.subcode : m.type });
    if (m.type === 'keepalive' && !answered) {
      answered = true;
      if (o.then === 'cease') { s.write(encodeMessage({ type: 'notification', code: 6, subcode: 7, data: new Uint8Array(0) }, ctx)); s.end(); }
      if (o.then === 'keepalive') s.write(encodeMessage({ type: 'keepalive' }, ctx));
    }
  }
});
s.on('error', (e) => out({ event: 'error ' + e.code }));
s.on('close', () => { out({ event: 'closed' }); process.exit(0); });
setTimeout(() => { out({ event: 'timeout' }); s.destroy(); process.exit(0); }, o.timeoutMs);
`;

/** Opens the connection from inside `ns`, runs the exchange to its end, and returns what was received. */
export async function rawBgp(ns: Netns, o: RawBgpOptions): Promise<RawBgpResult> {
  ensureBuilt();
  const stdout = await ns.exec(['node', '-e', SCRIPT, join(REPO, 'dist'), JSON.stringify(o)], { timeoutMs: o.timeoutMs + 10_000 });
  const events = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { event: string }).event);
  return { received: events.filter((e) => e !== 'connected' && e !== 'timeout') };
}
