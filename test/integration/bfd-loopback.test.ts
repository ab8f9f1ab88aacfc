// Two BfdServices over loopback in this process: sessions come Up, survive a blocked main loop, and go Down
// on AdminDown. Real sockets and real worker threads; only 127.0.0.x, so no namespace is needed.

import { BfdService, type BfdStateEvent } from '../../src/bfd/service';
import { UdpBfdNet } from '../../src/bfd/udp';

function waitFor(events: BfdStateEvent[], state: string, timeoutMs: number): Promise<BfdStateEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const ev = events.find((e) => e.state === state);
      if (ev) return resolve(ev);
      if (Date.now() - started > timeoutMs) return reject(new Error(`no ${state} within ${timeoutMs} ms: ${JSON.stringify(events)}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('BFD over loopback between two services', () => {
  const a = new BfdService();
  const b = new BfdService();
  beforeAll(async () => {
    await a.start();
    await b.start();
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  test('comes Up at 50 ms x 3, a 1 s busy main loop causes no Down, closing one side brings the other Down', async () => {
    const evA: BfdStateEvent[] = [];
    const evB: BfdStateEvent[] = [];
    const timers = { desiredMinTxMs: 50, requiredMinRxMs: 50, multiplier: 3 };
    const ha = a.requestSession({ local: '127.0.0.1', peer: '127.0.0.2', ...timers }, (e) => evA.push(e));
    const hb = b.requestSession({ local: '127.0.0.2', peer: '127.0.0.1', ...timers }, (e) => evB.push(e));
    await waitFor(evA, 'Up', 5000);
    await waitFor(evB, 'Up', 5000);
    // Let the Poll sequence after Up settle on 50 ms: detection time then is 150 ms.
    await new Promise((r) => setTimeout(r, 300));
    const seenA = evA.length;
    const seenB = evB.length;

    // Starve the main thread for ten detection times; the workers keep the sessions alive.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      /* busy */
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(evA.slice(seenA)).toEqual([]);
    expect(evB.slice(seenB)).toEqual([]);
    expect(ha.current?.state).toBe('Up');
    expect(ha.current?.detectionTimeMs).toBe(150); // after the Poll/Final that follows Up

    ha.close(); // AdminDown to B: B goes Down with diag 3 (Neighbor Signaled Session Down)
    const down = await waitFor(evB, 'Down', 2000);
    expect(down.diag).toBe(3);
    hb.close();
  });
});

describe('UdpBfdNet transmit sockets (connected to the session peer)', () => {
  test('reach the peer, and a peer whose BFD is not running yet is no socket error (ICMP port unreachable)', async () => {
    const net = new UdpBfdNet();
    const errors: Error[] = [];
    const tx = net.openTx('127.0.0.3', undefined, (e) => errors.push(e), '127.0.0.4');
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Nothing listens on 127.0.0.4:3784: each send draws an ICMP port unreachable, which a connected socket reports.
    for (let i = 0; i < 5; i++) {
      tx.send(new Uint8Array([i]), '127.0.0.4');
      await wait(20);
    }
    expect(errors).toEqual([]);
    const got: { bytes: number[]; from: string }[] = [];
    const listener = net.listen('127.0.0.4', undefined, (bytes, from) => got.push({ bytes: [...bytes], from }), (e) => errors.push(e));
    await wait(50);
    tx.send(new Uint8Array([42]), '127.0.0.4');
    for (let i = 0; i < 50 && got.length === 0; i++) await wait(10);
    expect(got).toEqual([{ bytes: [42], from: '127.0.0.3' }]);
    expect(errors).toEqual([]);
    tx.close();
    listener.close();
  });
});
