// After a burst of route work the daemon collects garbage once it is quiet, so RSS falls back; not on small work,
// not while work goes on, and once per burst.

import { MemoryReclaimer } from '../../../src/daemon/memory-reclaim';
import { FakeClock } from '../../../src/util/clock';

describe('MemoryReclaimer', () => {
  it('collects once, after the quiet time that follows a burst', () => {
    const clock = new FakeClock();
    let collected = 0;
    const r = new MemoryReclaimer(clock, () => collected++, 100_000, 2000);
    for (let i = 0; i < 20; i++) r.noteWork(10_000);
    r.idle();
    clock.advance(1999);
    expect(collected).toBe(0);
    clock.advance(1);
    expect(collected).toBe(1);
    // Idle again with no new work: nothing more.
    r.idle();
    clock.advance(10_000);
    expect(collected).toBe(1);
  });

  it('waits while work goes on, and ignores small work', () => {
    const clock = new FakeClock();
    let collected = 0;
    const r = new MemoryReclaimer(clock, () => collected++, 100_000, 2000);
    r.noteWork(50_000);
    r.idle();
    clock.advance(5000);
    expect(collected).toBe(0);
    r.noteWork(60_000);
    r.idle();
    clock.advance(1500);
    r.noteWork(10); // more work postpones it
    clock.advance(1000);
    expect(collected).toBe(0);
    r.idle();
    clock.advance(2000);
    expect(collected).toBe(1);
    expect(r.collections).toBe(1);
  });

  it('stop() cancels a planned collection', () => {
    const clock = new FakeClock();
    let collected = 0;
    const r = new MemoryReclaimer(clock, () => collected++, 1, 100);
    r.noteWork(5);
    r.idle();
    r.stop();
    clock.advance(1000);
    expect(collected).toBe(0);
  });
});
