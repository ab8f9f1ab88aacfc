// The traffic agents' timers: a slow flow's agents wake once a packet interval (at most 5 ms), and a timer that fires
// late by LATE_MS or more is a stall of the time the process was away beyond its interval, whatever the interval.

import { agentTickMs, stallOf } from '../../../src/scenario/flow-agent';

describe('traffic agent timers', () => {
  it('wake once a packet interval, from 1 ms at 1,000 packets/s to at most 5 ms', () => {
    expect([5000, 1000, 500, 333, 200, 100, 10].map(agentTickMs)).toEqual([1, 1, 2, 3, 5, 5, 5]);
  });

  it('count a timer late by 4 ms or more as a stall of the time beyond its interval', () => {
    // 1 ms timer: fired after 4.9 ms is on time enough, after 5 ms the process was away 5 ms (as before: now - last).
    expect(stallOf(1000, 4.9, 1)).toBeUndefined();
    expect(stallOf(1000, 5, 1)).toEqual({ at: 1000, ms: 5 });
    // 5 ms timer: 8.9 ms is not a stall, 9 ms is, and 40 ms is 36 ms beyond its interval (what a 1 ms timer that fired after 36 ms records).
    expect(stallOf(1000, 8.9, 5)).toBeUndefined();
    expect(stallOf(1000, 9, 5)).toEqual({ at: 1000, ms: 5 });
    expect(stallOf(1000, 40, 5)).toEqual({ at: 1000, ms: 36 });
    expect(stallOf(1000, 36, 1)).toEqual({ at: 1000, ms: 36 });
  });
});
