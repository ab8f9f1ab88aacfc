// The steal sampler: /proc/stat's aggregate line read into steal and total CPU time, and the share stolen over a
// window (a check's) or over the worst second of a run.

import { parseCpuTimes, StealSampler } from '../../../src/scenario/machine-load';

const stat = (user: number, steal: number, idle = 1000) => `cpu  ${user} 0 10 ${idle} 0 0 5 ${steal} 7 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n`;

describe('parseCpuTimes', () => {
  it('reads steal and the total of the first eight fields (guest time is already in user)', () => {
    expect(parseCpuTimes(stat(100, 20), 5)).toEqual({ at: 5, steal: 20, total: 100 + 10 + 1000 + 5 + 20 });
  });
  it('gives nothing for text without a cpu line', () => {
    expect(parseCpuTimes('intr 1 2\n', 0)).toBeUndefined();
  });
});

describe('StealSampler', () => {
  /** Samples at t = 0, 100, ... with the given steal and idle increments per sample. */
  function sampled(steps: [steal: number, busy: number][]): StealSampler {
    const s = new StealSampler();
    let steal = 0;
    let user = 0;
    steps.forEach(([st, busy], i) => {
      steal += st;
      user += busy;
      s.samples.push(parseCpuTimes(stat(user, steal), i * 100)!);
    });
    return s;
  }

  it('shares over the samples bracketing a window', () => {
    // Each 100 ms: 10 jiffies of user; from t=300 to t=500 also 10 of steal each.
    const s = sampled([[0, 0], [0, 10], [0, 10], [0, 10], [10, 10], [10, 10], [0, 10]]);
    expect(s.shareWithin({ from: 300, to: 500 })).toBeCloseTo(20 / 40);
    expect(s.shareWithin({ from: 0, to: 300 })).toBe(0);
    // A window inside one interval reads the interval around it.
    expect(s.shareWithin({ from: 420, to: 480 })).toBeCloseTo(10 / 20);
  });

  it('has no share without two samples around the window', () => {
    expect(new StealSampler().shareWithin({ from: 0, to: 10 })).toBeUndefined();
  });

  it('finds the worst span of at least the given length', () => {
    const s = sampled([[0, 0], [0, 10], [0, 10], [30, 10], [0, 10], [0, 10], [0, 10]]);
    expect(s.maxShare(200)).toBeCloseTo(30 / 50);
    expect(s.maxShare(10_000)).toBe(0);
  });

  it('samples the real /proc/stat until stopped', async () => {
    const s = new StealSampler();
    s.start(20);
    await new Promise((r) => setTimeout(r, 90));
    s.stop();
    const n = s.samples.length;
    expect(n).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.samples.length).toBe(n);
  });
});
