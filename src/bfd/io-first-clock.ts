// A Clock whose timers run after the I/O already waiting: each expiry is deferred to the event loop's check phase
// (setImmediate), so packets that arrived while the thread was descheduled are read first. RFC 5880 §6.8.4.

import { realClock, type Clock, type TimerHandle } from '../util/clock';

/**
 * libuv runs due timers before it polls sockets. After the BFD thread was descheduled for longer than a detection
 * time (a saturated machine), its detection timer would fire before the peer's packets queued in the socket were
 * read: a false Down although the peer was heard in time. Deferring every expiry by one poll phase lets those packets
 * re-arm the timer first (the runner cancels the old one, and cancel() here also drops a deferred call). Transmit
 * timers move by microseconds.
 */
export function ioFirstClock(base: Clock = realClock): Clock {
  return {
    now: () => base.now(),
    setTimeout(fn: () => void, ms: number): TimerHandle {
      let cancelled = false;
      let deferred: NodeJS.Immediate | undefined;
      const t = base.setTimeout(() => {
        if (cancelled) return;
        deferred = setImmediate(() => {
          deferred = undefined;
          if (!cancelled) fn();
        });
      }, ms);
      return {
        cancel() {
          cancelled = true;
          t.cancel();
          if (deferred) clearImmediate(deferred);
        },
      };
    },
  };
}
