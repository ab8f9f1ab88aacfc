// The BFD worker's clock (src/bfd/io-first-clock.ts): after the thread was blocked past a timer's deadline, a packet
// that arrived meanwhile is handled before the timer, and cancelling a timer whose expiry is already deferred drops it.
// Real sockets and a short busy loop: event-loop ordering cannot be shown on a fake clock.

import dgram from 'node:dgram';
import { ioFirstClock } from '../../../src/bfd/io-first-clock';
import { realClock, type Clock } from '../../../src/util/clock';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the thread is descheduled, as far as the event loop can tell */
  }
}

/** What runs first after a 60 ms block: the packet sent before it, or the 10 ms timer armed before it. */
async function orderAfterBlock(clock: Clock): Promise<string[]> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const order: string[] = [];
  const done = new Promise<void>((resolve) => {
    const check = () => order.length === 2 && resolve();
    sock.on('message', () => (order.push('packet'), check()));
    clock.setTimeout(() => (order.push('timer'), check()), 10);
  });
  sock.send(Buffer.from('x'), sock.address().port, '127.0.0.1');
  busy(60);
  await done;
  sock.close();
  return order;
}

test('a plain timer fires before a packet that waited in the socket; the io-first clock reads the packet first', async () => {
  expect(await orderAfterBlock(realClock)).toEqual(['timer', 'packet']);
  expect(await orderAfterBlock(ioFirstClock(realClock))).toEqual(['packet', 'timer']);
});

test('cancel() after the expiry was deferred still drops it (a packet re-armed the detection timer)', async () => {
  const clock = ioFirstClock(realClock);
  const fired: string[] = [];
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const h = clock.setTimeout(() => fired.push('stale expiry'), 10);
  sock.on('message', () => {
    h.cancel();
    clock.setTimeout(() => fired.push('new timer'), 5);
  });
  sock.send(Buffer.from('x'), sock.address().port, '127.0.0.1');
  busy(40);
  await new Promise((r) => setTimeout(r, 30));
  sock.close();
  expect(fired).toEqual(['new timer']);
});
