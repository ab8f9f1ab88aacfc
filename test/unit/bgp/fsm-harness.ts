// Test driver for the pure FSM: performs its timer actions on a FakeClock and feeds expiries back in,
// and records every other action, so tests read like the runner would behave.

import { AS_TRANS, type Capability, type OpenMessage } from '../../../src/bgp/types';
import { createFsm, step, type FsmAction, type FsmConfigInput, type FsmEvent, type FsmState, type TimerName } from '../../../src/bgp/fsm';
import { FakeClock, type TimerHandle } from '../../../src/util/clock';

export const BASE: FsmConfigInput = {
  localAsn: 65001,
  remoteAsn: 65002,
  routerId: '10.0.0.1',
  families: ['ipv4-unicast'],
  jitter: false,
};

export function peerOpen(over: Partial<OpenMessage> & { asn?: number } = {}): OpenMessage {
  const asn = over.asn ?? 65002;
  const capabilities: Capability[] = over.capabilities ?? [
    { code: 1, kind: 'multiprotocol', afi: 1, safi: 1 },
    { code: 2, kind: 'route-refresh' },
    { code: 65, kind: 'four-octet-as', asn },
  ];
  return {
    type: 'open',
    version: over.version ?? 4,
    myAsn: over.myAsn ?? (asn > 0xffff ? AS_TRANS : asn),
    holdTime: over.holdTime ?? 90,
    routerId: over.routerId ?? '10.0.0.2',
    capabilities,
  };
}

export class FsmHarness {
  readonly clock = new FakeClock();
  state: FsmState;
  private log: FsmAction[] = [];
  private handles = new Map<TimerName, TimerHandle>();
  /** Every timer start, in order, with its duration. */
  readonly timerStarts: { timer: TimerName; ms: number; at: number }[] = [];

  constructor(config: Partial<FsmConfigInput> = {}, seed = 1) {
    this.state = createFsm({ ...BASE, ...config }, seed);
  }

  get name(): string {
    return this.state.state;
  }

  fire(event: FsmEvent): FsmAction[] {
    const r = step(this.state, event, this.clock.now());
    this.state = r.state;
    this.log.push(...r.actions);
    for (const a of r.actions) {
      if (a.type === 'start-timer') {
        this.handles.get(a.timer)?.cancel();
        this.timerStarts.push({ timer: a.timer, ms: a.ms, at: this.clock.now() });
        const expiry = `${a.timer}Timer_Expires` as FsmEvent['type'];
        this.handles.set(a.timer, this.clock.setTimeout(() => {
          this.handles.delete(a.timer);
          this.fire({ type: expiry } as FsmEvent);
        }, a.ms));
      } else if (a.type === 'stop-timer') {
        this.handles.get(a.timer)?.cancel();
        this.handles.delete(a.timer);
      }
    }
    return r.actions;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Actions since the last take(), timer bookkeeping included. */
  take(): FsmAction[] {
    const l = this.log;
    this.log = [];
    return l;
  }

  /** Actions since the last take() without timer bookkeeping: what reaches the wire or the application. */
  effects(): FsmAction[] {
    return this.take().filter((a) => a.type !== 'start-timer' && a.type !== 'stop-timer');
  }

  runningTimers(): TimerName[] {
    return [...this.handles.keys()].sort();
  }

  /** Bring the FSM to a state along the ordinary active path. */
  to(target: 'Connect' | 'OpenSent' | 'OpenConfirm' | 'Established', open: OpenMessage = peerOpen()): this {
    this.fire({ type: 'ManualStart' });
    if (target !== 'Connect') this.fire({ type: 'Tcp_CR_Acked' });
    if (target === 'OpenConfirm' || target === 'Established') this.fire({ type: 'BGPOpen', open });
    if (target === 'Established') this.fire({ type: 'KeepAliveMsg' });
    expect(this.name).toBe(target);
    this.take();
    return this;
  }
}

export function notifications(actions: FsmAction[]): [number, number][] {
  return actions.flatMap((a) => (a.type === 'send-notification' ? [[a.notification.code, a.notification.subcode] as [number, number]] : []));
}
