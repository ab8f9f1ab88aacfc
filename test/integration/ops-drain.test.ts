// Drain for maintenance against FRR 8.4 with bgpfo's kernel FIB: UDP streams both ways over two ECMP tunnels move off
// the drained tunnel with no packet lost (FRR follows our prepends, our FIB follows LOCAL_PREF 0), FRR sees the
// GRACEFUL_SHUTDOWN community (RFC 8326), and undrain brings the traffic back.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrainResponse } from '../../src/api/types';
import { bgpfoConfig, BgpfoDaemon, farBgpd, Frr, LINKS, twoLinkLab, US_ASN, waitFor, type ManagedProcess, type Netns, type TwoLinkLab } from './harness';

jest.setTimeout(150_000);

const FAR_HOST = '10.50.0.1';
const OUR_HOST = '10.60.0.1';

// A paced multi-flow UDP sender (one socket, so one source port, per flow) and a receiver counting per flow.
const SENDER = `const dgram = require('dgram');
const [bind, to, port, flows, pps, seconds, out] = process.argv.slice(2);
const n = Number(flows), per = Number(pps) / n, sent = new Array(n).fill(0), socks = [];
let ready = 0;
for (let i = 0; i < n; i++) {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.bind({ address: bind, port: 0 }, () => { if (++ready === n) go(); });
  socks.push(s);
}
function go() {
  const t0 = Date.now();
  const timer = setInterval(() => {
    const el = Math.min((Date.now() - t0) / 1000, Number(seconds));
    for (let f = 0; f < n; f++) while (sent[f] < Math.floor(el * per)) {
      const b = Buffer.alloc(64); b.writeUInt16BE(f, 0); b.writeUInt32BE(sent[f]++, 2);
      socks[f].send(b, Number(port), to);
    }
    if (el >= Number(seconds)) { clearInterval(timer); setTimeout(() => { require('fs').writeFileSync(out, JSON.stringify(sent)); process.exit(0); }, 200); }
  }, 5);
}
`;
const RECEIVER = `const dgram = require('dgram');
const [port, out] = process.argv.slice(2);
const got = {};
const s = dgram.createSocket('udp4');
s.on('message', (b) => { const f = b.readUInt16BE(0); got[f] = (got[f] || 0) + 1; });
s.bind(Number(port), () => require('fs').writeFileSync(out + '.ready', ''));
process.on('SIGTERM', () => { require('fs').writeFileSync(out, JSON.stringify(got)); process.exit(0); });
`;

interface Stream {
  name: string;
  sender: ManagedProcess;
  receiver: ManagedProcess;
  sentFile: string;
  gotFile: string;
}

describe('drain moves the traffic off a tunnel and undrain brings it back', () => {
  let t: TwoLinkLab;
  let frr: Frr;
  let bgpfo: BgpfoDaemon;
  let seq = 0;

  async function startStream(from: Netns, to: Netns, bind: string, dst: string, seconds: number): Promise<Stream> {
    const name = `s${++seq}`;
    const dir = t.lab.dir;
    const port = String(47000 + seq);
    const gotFile = join(dir, `${name}.got.json`);
    const sentFile = join(dir, `${name}.sent.json`);
    const receiver = to.spawn(`${name}-rx`, [process.execPath, join(dir, 'receiver.js'), port, gotFile]);
    await waitFor(() => existsSync(gotFile + '.ready'), 5000, { what: `receiver ${name}` });
    const sender = from.spawn(`${name}-tx`, [process.execPath, join(dir, 'sender.js'), bind, dst, port, '16', '400', String(seconds), sentFile]);
    return { name, sender, receiver, sentFile, gotFile };
  }

  /** Waits for the sender to finish, stops the receiver, returns [sent, received]. */
  async function finish(s: Stream): Promise<{ sent: number; received: number }> {
    await s.sender.exited;
    await new Promise((r) => setTimeout(r, 300));
    await s.receiver.stop();
    const sent = (JSON.parse(readFileSync(s.sentFile, 'utf8')) as number[]).reduce((a, b) => a + b, 0);
    const got = Object.values(JSON.parse(readFileSync(s.gotFile, 'utf8')) as Record<string, number>).reduce((a, b) => a + b, 0);
    return { sent, received: got };
  }

  /** rx + tx packets of our end of link a. */
  async function linkAPackets(): Promise<number> {
    const j = JSON.parse(await t.us.exec(['ip', '-j', '-s', 'link', 'show', LINKS.a.usIf])) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
    return j[0].stats64.rx.packets + j[0].stats64.tx.packets;
  }

  beforeAll(async () => {
    t = await twoLinkLab('opsdr');
    writeFileSync(join(t.lab.dir, 'sender.js'), SENDER);
    writeFileSync(join(t.lab.dir, 'receiver.js'), RECEIVER);
    await t.far.exec(['ip', 'addr', 'add', `${FAR_HOST}/32`, 'dev', 'lo']);
    await t.us.exec(['ip', 'addr', 'add', `${OUR_HOST}/32`, 'dev', 'lo']);
    // FRR's side spreads flows by port too (bgpfo sets this on its own host).
    await t.far.exec(['sysctl', '-q', '-w', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv4.ip_forward=1']);
    frr = await Frr.start(t.far, { bgpd: farBgpd({ ipv6: false, prependOnB: false, multipathRelax: false, ecmp: true }), zebra: 'hostname far\nlog stdout informational\n' });
    const c = bgpfoConfig();
    // Two equal tunnels (active/active): both primary, IPv4 only.
    c.neighbors = (c.neighbors as Record<string, unknown>[]).filter((n) => n.name !== 'tun-a6').map((n) => ({ ...n, role: 'primary' }));
    c.originate = ['10.60.0.0/16'];
    c.fib = { mode: 'kernel' };
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: c });
    // Both directions ECMP over both links: our kernel (nexthop group) and FRR's.
    await waitFor(async () => (await t.us.exec(['ip', 'route', 'show', '10.50.0.0/16'])).includes('nhid'), 30_000, { what: 'bgpfo to install 10.50.0.0/16' });
    await waitFor(async () => ((await t.far.exec(['ip', 'route', 'show', '10.60.0.0/16'])).match(/nexthop via/g) ?? []).length === 2, 30_000, {
      what: 'FRR to install 10.60.0.0/16 over both links',
    });
    await waitFor(async () => (await bgpfo.routesJson('10.50.0.0/16')).routes[0]?.ecmp.length === 2, 20_000, { what: 'our ECMP pair' });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('drain tun-a1: both streams move to link b with no packet lost; FRR sees GRACEFUL_SHUTDOWN', async () => {
    const toUs = await startStream(t.far, t.us, FAR_HOST, OUR_HOST, 16);
    const toFar = await startStream(t.us, t.far, OUR_HOST, FAR_HOST, 16);
    // Before: link a carries its share of the 800 packets/s.
    const p0 = await linkAPackets();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await linkAPackets()) - p0).toBeGreaterThan(300);

    const r = JSON.parse(await bgpfo.cli(['drain', 'tun-a1', '--timeout', '20', '--json'])) as DrainResponse;
    expect(r).toMatchObject({ target: 'tun-a1', neighbors: ['tun-a1'], traffic: 'moved', shutdown: [] });
    expect(r.interfaces).toEqual([expect.objectContaining({ ifname: LINKS.a.usIf })]);
    // (startPps is the first second after the marks: the routes had usually moved already.)
    expect(r.interfaces[0].endPps).toBeLessThanOrEqual(50);

    // While drained, link a carries only BGP keepalives.
    const p1 = await linkAPackets();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await linkAPackets()) - p1).toBeLessThan(40);

    for (const s of [toUs, toFar]) {
      const { sent, received } = await finish(s);
      expect(sent).toBeGreaterThan(5000);
      expect({ stream: s.name, lost: sent - received }).toEqual({ stream: s.name, lost: 0 });
    }

    // FRR learned our prefix over link a with the RFC 8326 community and three more of our AS.
    const paths = (await frr.vtyshJson<{ paths: { aspath: { string: string }; community?: { string: string }; nexthops: { ip: string }[]; bestpath?: { overall: boolean } }[] }>(
      'show bgp ipv4 unicast 10.60.0.0/16 json',
    )).paths;
    const viaA = paths.find((p) => p.nexthops.some((h) => h.ip === LINKS.a.us4))!;
    expect(viaA.community?.string).toContain('graceful-shutdown');
    expect(viaA.aspath.string).toBe(Array(4).fill(US_ASN).join(' '));
    const st = await bgpfo.statusJson();
    expect(st.sessions.find((s) => s.name === 'tun-a1')!.drain).toMatchObject({ target: 'tun-a1', phase: 'moved', shutdown: false });
    expect(st.sessions.every((s) => s.state === 'Established')).toBe(true);
  });

  test('undrain: the traffic comes back to link a, still with no loss', async () => {
    const out = await bgpfo.cli(['undrain', 'tun-a1']);
    expect(out).toBe('undrained tun-a1: tun-a1\n');
    await waitFor(async () => ((await t.far.exec(['ip', 'route', 'show', '10.60.0.0/16'])).match(/nexthop via/g) ?? []).length === 2, 15_000, {
      what: 'FRR to use both links again',
    });
    await waitFor(async () => (await bgpfo.routesJson('10.50.0.0/16')).routes[0]?.ecmp.length === 2, 15_000, { what: 'our ECMP pair again' });
    const p0 = await linkAPackets();
    const toUs = await startStream(t.far, t.us, FAR_HOST, OUR_HOST, 5);
    const toFar = await startStream(t.us, t.far, OUR_HOST, FAR_HOST, 5);
    for (const s of [toUs, toFar]) {
      const { sent, received } = await finish(s);
      expect(sent - received).toBe(0);
    }
    // 16 flows each way: some hash onto link a again.
    expect((await linkAPackets()) - p0).toBeGreaterThan(500);
    expect((await bgpfo.statusJson()).sessions.find((s) => s.name === 'tun-a1')!.drain).toBeUndefined();
  });
});
