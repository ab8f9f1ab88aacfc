// Test doubles for the liveness controller: a scripted liveness source per tunnel (Up/Down and quality samples on
// command), a recording FIB, and a speaker with fake sessions on a FakeClock wired to a LivenessController.

import type { OpsEventBody } from '../../../src/api/events';
import { FailoverRunner, Speaker } from '../../../src/daemon';
import { LivenessController } from '../../../src/daemon/liveness';
import { demotionMark, hasLiveness } from '../../../src/daemon/liveness-spec';
import type { LivenessListener, LivenessMonitor, LivenessSpec, QualitySource } from '../../../src/health';
import type { LivenessEvent } from '../../../src/health/types';
import { FakeClock } from '../../../src/util/clock';
import { config, fakeSessions, silent } from './helpers';

export class ScriptedLiveness implements LivenessMonitor {
  current: LivenessEvent | undefined;
  closed = false;
  private seq = 0;
  constructor(
    readonly spec: LivenessSpec,
    readonly listener: LivenessListener,
    private readonly clock: FakeClock,
  ) {}
  get mode() {
    return this.spec.mode;
  }
  get qualitySource(): QualitySource {
    return this.spec.mode === 'probe' ? 'probe' : this.spec.qualityProbe === false ? 'none' : 'bfd-side-probe';
  }
  change(state: 'up' | 'down', detail = state === 'up' ? 'BFD session Up' : 'BFD session Down: Control Detection Time Expired'): void {
    this.current = {
      state,
      mode: this.spec.mode,
      reason: this.spec.mode === 'bfd' ? (state === 'up' ? 'bfd-up' : 'bfd-down') : state === 'up' ? 'probe-replies' : 'probe-timeout',
      detail,
      at: performance.timeOrigin + performance.now(),
      detectionTimeMs: this.spec.intervalMs * this.spec.multiplier,
    };
    this.listener.onChange(this.current);
  }
  /** `ms` of probe outcomes, one per interval; every `lossEvery`-th lost (0: none). */
  probe(ms: number, lossEvery = 0, every = 50): void {
    for (let t = 0; t < ms; t += every) {
      this.clock.advance(every);
      this.seq++;
      const lost = lossEvery > 0 && this.seq % lossEvery === 0;
      this.listener.onSample?.(lost ? { seq: this.seq, outcome: 'loss', at: 0 } : { seq: this.seq, outcome: 'reply', rttMs: 2, at: 0 });
    }
  }
  close(): void {
    this.closed = true;
  }
}

export function recordingFib() {
  const calls: string[] = [];
  return {
    calls,
    tunnelDown: (name: string) => {
      calls.push(`down ${name}`);
      return Promise.resolve();
    },
    tunnelUp: (name: string) => {
      calls.push(`up ${name}`);
      return Promise.resolve();
    },
  };
}

export function livenessSetup(yaml: string) {
  const clock = new FakeClock();
  const sessions = fakeSessions();
  const speaker = new Speaker(config(yaml), { logger: silent, clock, createSession: sessions.create, deferStart: () => true });
  const live = new Map<string, ScriptedLiveness>();
  const fib = recordingFib();
  const order: string[] = [];
  const failover = new FailoverRunner({
    speaker,
    logger: silent,
    hasLiveness,
    demotionMark,
    fib: { nexthopDown: (n) => (order.push(`fib down ${n}`), fib.tunnelDown(n)), nexthopUp: (n) => (order.push(`fib up ${n}`), fib.tunnelUp(n)) },
  });
  const controller = new LivenessController(speaker, {
    logger: silent,
    failover,
    createLiveness: (spec, listener) => {
      const l = new ScriptedLiveness(spec, listener, clock);
      live.set(spec.peer, l);
      return l;
    },
  });
  const events: OpsEventBody[] = [];
  controller.attach({ events: { publish: (e) => events.push(e) } });
  speaker.start();
  failover.start();
  controller.start();
  /** The scripted liveness of the neighbor with this peer address. */
  const tunnel = (peer: string) => {
    const l = live.get(peer);
    if (!l) throw new Error(`no liveness for ${peer}`);
    return l;
  };
  return { clock, speaker, controller, failover, s: sessions.get, tunnel, fib, events, order };
}
