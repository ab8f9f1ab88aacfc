// The failover core's state machine: fixed sequences (a dead tunnel, a return, graceful restart, nested drains) and
// property tests over random event sequences for its invariants (docs/architecture.md, "The failover core").

import fc from 'fast-check';
import { initialTunnel, livenessOk, shutdownScopes, step, summarize, type TunnelAction, type TunnelEvent, type TunnelState } from '../../../src/failover/tunnel';

function run(start: TunnelState, events: TunnelEvent[]): { state: TunnelState; actions: TunnelAction[] } {
  let state = start;
  const actions: TunnelAction[] = [];
  for (const e of events) {
    const r = step(state, e);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}

const kinds = (a: TunnelAction[]) => a.map((x) => (x.type === 'marks' ? `marks ${x.source} ${x.on ? 'on' : 'off'}` : x.type === 'session-stop' ? `stop ${x.cause}` : x.type));

describe('fixed sequences', () => {
  test('a tunnel with liveness: held until verified, started, in service once its routes arrive', () => {
    const init = initialTunnel('t1', { liveness: true });
    expect(kinds(init.actions)).toEqual([]);
    expect(summarize(init.state).state).toBe('starting');
    const r = run(init.state, [{ type: 'verdict', state: 'up', detail: 'BFD Up' }, { type: 'session-up', endOfRib: false }, { type: 'routes-in', complete: false }]);
    expect(kinds(r.actions)).toEqual(['session-start']);
    expect(summarize(r.state)).toEqual({ state: 'forwarding', reason: 'in service' });
  });

  test('without liveness the first session starts at once; the kernel is left alone until there is a reason', () => {
    const init = initialTunnel('t1');
    expect(kinds(init.actions)).toEqual(['session-start']);
    expect(init.state.fibIn).toBe(true);
  });

  test('a dead tunnel: the FIB first, then the session held with Cease/BFD Down; back in only when routes return', () => {
    const up = run(initialTunnel('t1', { liveness: true }).state, [{ type: 'verdict', state: 'up', detail: 'up' }, { type: 'session-up', endOfRib: false }, { type: 'routes-in', complete: false }]).state;
    const down = step(up, { type: 'verdict', state: 'down', detail: 'BFD down: Control Detection Time Expired' });
    expect(kinds(down.actions)).toEqual(['fib-out', 'stop liveness']);
    expect(summarize(down.state)).toEqual({ state: 'held', reason: 'tunnel down: BFD down: Control Detection Time Expired' });
    const back = run(down.state, [{ type: 'session-down', keptStale: false, detail: 'Cease' }, { type: 'verdict', state: 'up', detail: 'up' }, { type: 'session-up', endOfRib: false }]);
    expect(kinds(back.actions)).toEqual(['session-start']);
    expect(back.state.fibIn).toBe(false);
    expect(kinds(step(back.state, { type: 'routes-in', complete: false }).actions)).toEqual(['fib-in']);
  });

  test('graceful restart: stale routes keep the tunnel in; liveness down drops them at once', () => {
    const up = run(initialTunnel('t1', { liveness: true }).state, [{ type: 'verdict', state: 'up', detail: 'up' }, { type: 'session-up', endOfRib: false }, { type: 'routes-in', complete: false }]).state;
    const stale = step(up, { type: 'session-down', keptStale: true, detail: 'TCP closed' });
    expect(stale.actions).toEqual([]);
    expect(summarize(stale.state).state).toBe('stale');
    const dead = step(stale.state, { type: 'verdict', state: 'down', detail: 'BFD down' });
    expect(kinds(dead.actions)).toEqual(['drop-stale', 'fib-out', 'stop liveness']);
    expect(dead.state.session).toBe('idle');
  });

  test('the drain sequence of issue 10: tunnel, then all with shutdown, then undrain all, then the tunnel', () => {
    let s = run(initialTunnel('tun-a1').state, [{ type: 'session-up', endOfRib: false }, { type: 'routes-in', complete: false }]).state;
    const steps: [TunnelEvent, string[]][] = [
      [{ type: 'drain', scope: 'tun-a1' }, ['marks drain on']],
      [{ type: 'drain', scope: 'all' }, []],
      [{ type: 'drain-shutdown', scope: 'all' }, ['stop drain']],
      [{ type: 'undrain', scope: 'all' }, ['session-start']],
      [{ type: 'undrain', scope: 'tun-a1' }, ['marks drain off']],
    ];
    for (const [e, want] of steps) {
      const r = step(s, e);
      expect([e.type, kinds(r.actions)]).toEqual([e.type, want]);
      s = r.state;
    }
    expect(s.running).toBe(true);
    expect(s.drainMarks).toBe(false);
  });

  test('a demoted tunnel carries the demotion marks until promoted; a drain on top keeps its own', () => {
    const up = run(initialTunnel('t1', { liveness: true }).state, [{ type: 'verdict', state: 'up', detail: 'up' }]).state;
    const r = run(up, [{ type: 'verdict', state: 'demoted', detail: 'loss 12 %' }, { type: 'drain', scope: 't1' }, { type: 'verdict', state: 'up', detail: 'healthy' }]);
    expect(kinds(r.actions)).toEqual(['marks demotion on', 'marks drain on', 'marks demotion off']);
    expect(r.state.drainMarks).toBe(true);
  });
});

// ---- property tests ------------------------------------------------------------------------------------------

const SCOPES = ['t1', 'all', 'wg0'];
const event: fc.Arbitrary<TunnelEvent> = fc.oneof(
  fc.record({ type: fc.constant('verdict' as const), state: fc.constantFrom('up' as const, 'demoted' as const, 'down' as const), detail: fc.constantFrom('BFD', 'loss') }),
  fc.record({ type: fc.constant('session-up' as const), endOfRib: fc.boolean() }),
  fc.record({ type: fc.constant('session-down' as const), keptStale: fc.boolean(), detail: fc.constant('lost') }),
  fc.record({ type: fc.constant('routes-in' as const), complete: fc.boolean() }),
  fc.record({ type: fc.constant('stale-dropped' as const), detail: fc.constant('timer') }),
  fc.record({ type: fc.constant('drain' as const), scope: fc.constantFrom(...SCOPES) }),
  fc.record({ type: fc.constant('drain-shutdown' as const), scope: fc.constantFrom(...SCOPES) }),
  fc.record({ type: fc.constant('undrain' as const), scope: fc.constantFrom(...SCOPES) }),
);
const start = fc.boolean().map((liveness) => initialTunnel('t1', { liveness }));

function invariants(s: TunnelState): void {
  // A dead tunnel never forwards, and never keeps stale routes.
  if (s.liveness === 'down') {
    expect(s.fibIn).toBe(false);
    expect(s.session).not.toBe('stale');
  }
  // The session runs exactly when liveness verified the tunnel and no drain took it down.
  expect(s.running).toBe(livenessOk(s) && shutdownScopes(s).length === 0);
  expect(s.drainMarks).toBe(Object.keys(s.drains).length > 0);
  expect(s.demotionMarks).toBe(s.liveness === 'demoted');
  // A returning session is let in only with its routes (or it never left: first session after start).
  if (s.session === 'idle') expect(s.fibIn).toBe(false);
  // A held session always says why.
  const sum = summarize(s);
  if (!s.running) {
    expect(['held', 'starting']).toContain(sum.state);
    expect(sum.reason.length).toBeGreaterThan(0);
  }
}

test('a peer that sends End-of-RIB: the tunnel rejoins on its complete table, not on its first routes', () => {
  const up = run(initialTunnel('t1').state, [{ type: 'session-up', endOfRib: true }, { type: 'routes-in', complete: true }]).state;
  const lost = run(up, [{ type: 'session-down', keptStale: false, detail: 'lost' }, { type: 'session-up', endOfRib: true }]).state;
  expect(lost.fibIn).toBe(false);
  expect(step(lost, { type: 'routes-in', complete: false }).actions).toEqual([]);
  expect(kinds(step(lost, { type: 'routes-in', complete: true }).actions)).toEqual(['fib-in']);
});

describe('properties over random sequences', () => {
  test('invariants hold after every event', () => {
    fc.assert(
      fc.property(start, fc.array(event, { maxLength: 60 }), (init, events) => {
        let s = init.state;
        invariants(s);
        for (const e of events) {
          s = step(s, e).state;
          invariants(s);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('the actions alone replay the outputs: FIB, session and marks toggles alternate from the start state', () => {
    fc.assert(
      fc.property(start, fc.array(event, { maxLength: 60 }), (init, events) => {
        const r = run(init.state, events);
        let fibIn = true;
        let running = false;
        const marks = { drain: false, demotion: false };
        for (const a of [...init.actions, ...r.actions]) {
          if (a.type === 'fib-in' || a.type === 'fib-out') {
            expect(fibIn).toBe(a.type === 'fib-out');
            fibIn = a.type === 'fib-in';
          } else if (a.type === 'session-start' || a.type === 'session-stop') {
            expect(running).toBe(a.type === 'session-stop');
            running = a.type === 'session-start';
          } else if (a.type === 'marks') {
            expect(marks[a.source]).toBe(!a.on);
            marks[a.source] = a.on;
          }
        }
        expect({ fibIn, running, drain: marks.drain, demotion: marks.demotion }).toEqual({ fibIn: r.state.fibIn, running: r.state.running, drain: r.state.drainMarks, demotion: r.state.demotionMarks });
      }),
      { numRuns: 500 },
    );
  });

  test('any drains followed by their undrains, in any order, give back every session and mark as they were', () => {
    const drainOps = fc.array(fc.record({ scope: fc.constantFrom(...SCOPES), shutdown: fc.boolean() }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(start, fc.array(event.filter((e) => !e.type.includes('drain')), { maxLength: 30 }), drainOps, fc.infiniteStream(fc.nat()), (init, before, drains, order) => {
        const base = run(init.state, before).state;
        let s = base;
        for (const d of drains) {
          s = step(s, { type: 'drain', scope: d.scope }).state;
          if (d.shutdown) s = step(s, { type: 'drain-shutdown', scope: d.scope }).state;
        }
        const scopes = [...new Set(drains.map((d) => d.scope))];
        const it = order[Symbol.iterator]();
        while (scopes.length > 0) {
          const i = it.next().value! % scopes.length;
          s = step(s, { type: 'undrain', scope: scopes.splice(i, 1)[0]! }).state;
        }
        expect({ drains: s.drains, marks: s.drainMarks, running: s.running, demotion: s.demotionMarks }).toEqual({ drains: base.drains, marks: base.drainMarks, running: base.running, demotion: base.demotionMarks });
      }),
      { numRuns: 500 },
    );
  });
});
