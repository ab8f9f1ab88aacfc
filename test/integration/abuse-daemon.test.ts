// A running bgpfo under abuse (issue 12), against FRR 8.4 in network namespaces: silent TCP connections from the
// neighbor's own address (what a tunnel flap or a NAT reset leaves behind) must not keep the real session down; 500
// event stream clients that never read must leave memory bounded and every BGP session Established.

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { bgpfoConfig, BgpfoDaemon, farBgpd, Frr, LINKS, twoLinkLab, waitFor, type ManagedProcess, type TwoLinkLab } from './harness';

jest.setTimeout(180_000);

/** Holds `n` TCP connections from `from` to bgpfo's BGP port at `to`, silent (never an OPEN), until killed. */
function silentConnections(t: TwoLinkLab, name: string, from: string, to: string, n: number): ManagedProcess {
  const js = `
    const net = require('net');
    let up = 0;
    for (let i = 0; i < ${n}; i++) {
      const s = net.connect({ host: '${to}', port: 179, localAddress: '${from}' }, () => { if (++up === ${n}) console.log('connected ${n}'); });
      s.on('error', () => {});
    }
    setInterval(() => {}, 1 << 30);`;
  return t.far.spawn(name, [process.execPath, '-e', js]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe('bgpfo under abuse', () => {
  let t: TwoLinkLab;
  let bgpfo: BgpfoDaemon;
  const allEstablished = async () => (await bgpfo.status()).sessions.every((s) => s.state === 'Established');

  beforeAll(async () => {
    t = await twoLinkLab('abuse');
    const c = bgpfoConfig();
    c.neighbors = (c.neighbors as { name: string }[]).filter((n) => n.name !== 'tun-a6');
    bgpfo = await BgpfoDaemon.start(t.us, 'bgpfo', { config: c, logLevel: 'info' });
  });

  afterAll(async () => {
    if (process.env.BGPFO_DEBUG) process.stderr.write(t?.lab.logs() ?? '');
    await t?.lab.cleanup();
  });

  test('half-open connections from the neighbor address do not keep the real session down', async () => {
    // Two silent connections per neighbor before the real router comes up: before the fix each took a slot
    // for its 240 s OpenSent hold time and every connection FRR made was rejected (Cease 6/5).
    const a = silentConnections(t, 'silent-a', LINKS.a.far4, LINKS.a.us4, 2);
    const b = silentConnections(t, 'silent-b', LINKS.b.far4, LINKS.b.us4, 2);
    await waitFor(() => a.log().includes('connected 2') && b.log().includes('connected 2'), 10_000, { what: 'silent connections' });
    const t0 = Date.now();
    await Frr.start(t.far, { bgpd: farBgpd({ ipv6: false, prependOnB: false, multipathRelax: false, ecmp: true }) });
    // FRR retries every second (timers connect 1); 20 s is far below the 240 s the silent connections held before.
    await waitFor(allEstablished, 20_000, { what: 'both sessions Established despite the silent connections' });
    console.log(`sessions Established ${Date.now() - t0} ms after FRR started, with 2 silent connections per neighbor`);
  });

  test('more silent connections while Established leave the sessions alone', async () => {
    const before = (await bgpfo.status()).sessions.map((s) => s.flaps);
    silentConnections(t, 'silent-more', LINKS.a.far4, LINKS.a.us4, 5);
    await new Promise((r) => setTimeout(r, 5000)); // more than the 3 s hold time
    const now = await bgpfo.status();
    expect(now.sessions.every((s) => s.state === 'Established')).toBe(true);
    expect(now.sessions.map((s) => s.flaps)).toEqual(before);
  });

  test('500 event stream clients that never read: memory stays bounded, every session stays Established', async () => {
    const pid = bgpfo.process.pid!;
    const rss0 = rssMb(pid);
    const statuses: number[] = [];
    const clients = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const s = net.connect(bgpfo.socketPath, () => s.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n'));
            s.once('data', (c) => {
              statuses.push(Number(/^HTTP\/1\.1 (\d+)/.exec(c.toString('latin1'))?.[1] ?? 0));
              s.pause(); // and never read again
              resolve(s);
            });
            s.on('error', reject);
          }),
      ),
    );
    const subscribed = statuses.filter((s) => s === 200).length;
    expect(subscribed).toBe(64);
    expect(statuses.filter((s) => s === 503).length).toBe(436);
    // Events for them: every reload publishes one; 1500 of them, about 0.4 MB per stalled client.
    for (let i = 0; i < 1500; i++) await bgpfo.client.reload();
    await new Promise((r) => setTimeout(r, 5000)); // more than the 3 s hold time: a frozen loop would drop sessions
    const rss1 = rssMb(pid);
    expect(await allEstablished()).toBe(true);
    console.log(`RSS ${rss0.toFixed(0)} MB before, ${rss1.toFixed(0)} MB with 500 non-reading event clients (64 subscribed) after 1500 events`);
    expect(rss1 - rss0).toBeLessThan(150);
    for (const c of clients) c.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await allEstablished()).toBe(true);
  });
});
