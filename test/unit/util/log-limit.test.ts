import { LogLimiter } from '../../../src/util/log-limit';

test('one line per kind per window; the next line carries the count of the ones left out', () => {
  let now = 0;
  const l = new LogLimiter(1000, () => now);
  expect(l.hit('a')).toEqual({ log: true, suppressed: 0 });
  for (let i = 0; i < 499; i++) expect(l.hit('a').log).toBe(false);
  expect(l.hit('b').log).toBe(true);
  now = 1000;
  expect(l.hit('a')).toEqual({ log: true, suppressed: 499 });
  expect(l.hit('a').log).toBe(false);
});

test('remote-chosen kinds cannot grow memory without bound', () => {
  const l = new LogLimiter(1000, () => 0, 10);
  for (let i = 0; i < 1000; i++) expect(l.hit(`k${i}`).log).toBe(true);
  expect((l as unknown as { kinds: Map<string, unknown> }).kinds.size).toBeLessThanOrEqual(10);
});
