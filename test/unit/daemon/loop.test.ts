// The serialized loop: re-entrant posts wait for the running task, soon() coalesces, a failing task is
// logged and does not stop the others, call() returns results, whenIdle() waits for scheduled work.

import pino from 'pino';
import { SerialLoop } from '../../../src/daemon/loop';
import { silent } from './helpers';

test('a task posted from inside a task runs after it, not in the middle', () => {
  const loop = new SerialLoop(silent);
  const order: string[] = [];
  loop.post('outer', () => {
    order.push('outer start');
    loop.post('inner', () => order.push('inner'));
    order.push('outer end');
  });
  loop.post('next', () => order.push('next'));
  expect(order).toEqual(['outer start', 'outer end', 'inner', 'next']);
});

test('soon() runs once per turn however often it is asked, in a later turn', async () => {
  const loop = new SerialLoop(silent);
  let runs = 0;
  for (let i = 0; i < 100; i++) loop.soon('work', () => runs++);
  expect(runs).toBe(0);
  expect(loop.busy).toBe(true);
  await loop.whenIdle();
  expect(runs).toBe(1);
  expect(loop.busy).toBe(false);
  // A task that re-schedules itself keeps the loop busy until it stops doing so.
  let left = 3;
  const step = () => {
    runs++;
    if (--left > 0) loop.soon('work', step);
  };
  loop.soon('work', step);
  await loop.whenIdle();
  expect(runs).toBe(4);
});

test('a throwing task is logged and the queue goes on', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
  const loop = new SerialLoop(logger);
  const order: string[] = [];
  loop.post('a', () => {
    loop.post('b', () => order.push('b'));
    throw new Error('boom');
  });
  expect(order).toEqual(['b']);
  expect(JSON.parse(lines[0])).toMatchObject({ task: 'a', msg: 'daemon task failed', err: { message: 'boom' } });
});

test('call() gives the result or the error; after close() nothing runs', async () => {
  const loop = new SerialLoop(silent);
  await expect(loop.call('x', () => 42)).resolves.toBe(42);
  await expect(
    loop.call('y', () => {
      throw new Error('bad query');
    }),
  ).rejects.toThrow('bad query');
  let ran = false;
  loop.soon('later', () => (ran = true));
  loop.close();
  loop.post('after', () => (ran = true));
  await new Promise((r) => setImmediate(r));
  expect(ran).toBe(false);
  await expect(loop.call('z', () => 1)).rejects.toThrow(/shutting down/);
});
