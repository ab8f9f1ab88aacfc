// The failover core: one pure state machine per tunnel (architecture convention 13). Liveness verdicts, session
// events, drains and graceful-restart outcomes go in; FIB, session, stale-route and policy-mark actions come out.

/** What liveness (BFD or probe) says of the tunnel; 'none' when the neighbor has no liveness configured. */
export type Liveness = 'none' | 'starting' | 'up' | 'demoted' | 'down';

/**
 * The BGP session over the tunnel: never Established since the daemon started (routes adopted from a previous run
 * may still forward over it), down, Established, or down with its routes kept (graceful-restart helper).
 */
export type SessionPhase = 'never' | 'idle' | 'established' | 'stale';

export interface TunnelState {
  readonly name: string;
  // ---- inputs ----
  readonly liveness: Liveness;
  /** Why liveness is what it is ("Control Detection Time Expired", "loss 12 % > 5 %"). */
  readonly livenessDetail: string;
  readonly session: SessionPhase;
  /** The session's routes are in the forwarding plane since it was Established: its nexthops may carry traffic. */
  readonly routesIn: boolean;
  /** The peer announced graceful restart, so it sends End-of-RIB (RFC 4724 §2): wait for its whole table. */
  readonly endOfRibExpected: boolean;
  /** Drains covering this tunnel, by scope (its own name, "all", an interface): true once one took the session down. */
  readonly drains: Readonly<Record<string, boolean>>;
  // ---- outputs: what the world was last told ----
  /** The tunnel's next hops are in their nexthop groups. */
  readonly fibIn: boolean;
  /** The session may run (started); false: held in Idle. */
  readonly running: boolean;
  readonly drainMarks: boolean;
  readonly demotionMarks: boolean;
}

export type TunnelEvent =
  | { type: 'verdict'; state: 'up' | 'demoted' | 'down'; detail: string }
  | { type: 'session-up'; endOfRib: boolean }
  | { type: 'session-down'; keptStale: boolean; detail: string }
  /**
   * Routes of the Established session are about to reach the forwarding plane (`complete` false: its first batch), or
   * all of them are there (true: its End-of-RIB was applied and forwarded). A tunnel whose peer sends End-of-RIB waits
   * for the complete table, so that routes coming back unchanged cost no per-prefix write (repair in one group op).
   */
  | { type: 'routes-in'; complete: boolean }
  /** The graceful-restart helper gave up the stale routes (restart timer, peer came back without them). */
  | { type: 'stale-dropped'; detail: string }
  | { type: 'drain'; scope: string }
  /** The drain's traffic moved (or --force): the drain takes the session down. */
  | { type: 'drain-shutdown'; scope: string }
  | { type: 'undrain'; scope: string };

export type TunnelAction =
  /** Out of every nexthop group now (one operation per group), before any per-prefix withdrawal. */
  | { type: 'fib-out'; reason: string }
  | { type: 'fib-in'; reason: string }
  /** liveness: Cease/BFD Down (RFC 9384) and held in Idle; drain: Cease/Administrative Shutdown (RFC 8203 text). */
  | { type: 'session-stop'; cause: 'liveness' | 'drain'; detail: string }
  | { type: 'session-start'; reason: string }
  /** Routes kept as stale for a restarting peer go now: the tunnel under them is dead. */
  | { type: 'drop-stale'; reason: string }
  | { type: 'marks'; source: 'drain' | 'demotion'; on: boolean };

export interface StepResult {
  state: TunnelState;
  actions: TunnelAction[];
}

/** A tunnel as the daemon starts it: liveness unverified (when configured), session idle, drains restored. */
export function initialTunnel(name: string, opts: { liveness: boolean; drains?: Record<string, boolean> } = { liveness: false }): StepResult {
  const drains = { ...(opts.drains ?? {}) };
  const state: TunnelState = {
    name,
    liveness: opts.liveness ? 'starting' : 'none',
    livenessDetail: opts.liveness ? 'not verified yet' : '',
    session: 'never',
    routesIn: false,
    endOfRibExpected: false,
    drains,
    // The kernel may hold routes over this tunnel from a previous run (graceful restart): left in until a reason.
    fibIn: true,
    running: false,
    drainMarks: false,
    demotionMarks: false,
  };
  return reconcile(state);
}

/** The session may run: liveness verified the tunnel (or there is none). */
export function livenessOk(s: Pick<TunnelState, 'liveness'>): boolean {
  return s.liveness === 'none' || s.liveness === 'up' || s.liveness === 'demoted';
}

/** The tunnel may forward: anything but a liveness Down ("not verified yet" is not "dead"). */
export function mayForward(s: Pick<TunnelState, 'liveness'>): boolean {
  return s.liveness !== 'down';
}

/** Scopes whose drain took the session down. */
export function shutdownScopes(s: Pick<TunnelState, 'drains'>): string[] {
  return Object.keys(s.drains).filter((k) => s.drains[k]);
}

export function step(s: TunnelState, e: TunnelEvent): StepResult {
  let next: TunnelState = s;
  switch (e.type) {
    case 'verdict':
      next = { ...s, liveness: e.state, livenessDetail: e.detail };
      break;
    case 'session-up':
      next = { ...s, session: 'established', routesIn: false, endOfRibExpected: e.endOfRib };
      break;
    case 'session-down':
      // A dead tunnel's routes are not worth keeping (the helper asks liveness before keeping them).
      next = { ...s, session: e.keptStale && mayForward(s) ? 'stale' : 'idle', routesIn: false };
      break;
    case 'routes-in':
      if (s.session === 'established' && !s.routesIn && (e.complete || !s.endOfRibExpected)) next = { ...s, routesIn: true };
      break;
    case 'stale-dropped':
      if (s.session === 'stale') next = { ...s, session: 'idle' };
      break;
    case 'drain':
      if (!(e.scope in s.drains)) next = { ...s, drains: { ...s.drains, [e.scope]: false } };
      break;
    case 'drain-shutdown':
      if (e.scope in s.drains && !s.drains[e.scope]) next = { ...s, drains: { ...s.drains, [e.scope]: true } };
      break;
    case 'undrain':
      if (e.scope in s.drains) {
        const { [e.scope]: _gone, ...rest } = s.drains;
        next = { ...s, drains: rest };
      }
      break;
  }
  return reconcile(next, e);
}

/**
 * Brings the outputs in line with the inputs. Order matters to the data plane: the FIB first (traffic leaves at
 * once), then the session, then stale routes and marks (per-prefix work that may follow at its own pace).
 */
function reconcile(s: TunnelState, cause?: TunnelEvent): StepResult {
  const actions: TunnelAction[] = [];
  const ok = livenessOk(s);
  const forward = mayForward(s);
  let session = s.session;
  // A dead tunnel's stale routes go now (RFC 4724 §4.2 lets the helper give them up early).
  if (session === 'stale' && !forward) {
    actions.push({ type: 'drop-stale', reason: `tunnel down (${s.livenessDetail})` });
    session = 'idle';
  }
  // A session that comes back is let in only once its routes arrive; until its first session, the kernel is left
  // as it is (routes adopted after our own restart keep forwarding unless liveness says the tunnel is dead).
  const wantFib = forward && (session === 'never' || session === 'stale' || (session === 'established' && (s.routesIn || s.fibIn)));
  if (wantFib !== s.fibIn) actions.push(wantFib ? { type: 'fib-in', reason: fibInReason(session) } : { type: 'fib-out', reason: fibOutReason(s, session, cause) });
  const shut = shutdownScopes(s);
  const wantRunning = ok && shut.length === 0;
  if (wantRunning !== s.running) {
    actions.push(
      wantRunning
        ? { type: 'session-start', reason: s.liveness === 'none' ? 'no drain holds it' : `tunnel ${s.liveness}` }
        : ok
          ? { type: 'session-stop', cause: 'drain', detail: `drained with shutdown (${shut.join(', ')})` }
          : { type: 'session-stop', cause: 'liveness', detail: s.livenessDetail },
    );
  }
  const wantDrain = Object.keys(s.drains).length > 0;
  if (wantDrain !== s.drainMarks) actions.push({ type: 'marks', source: 'drain', on: wantDrain });
  const wantDemotion = s.liveness === 'demoted';
  if (wantDemotion !== s.demotionMarks) actions.push({ type: 'marks', source: 'demotion', on: wantDemotion });
  const state: TunnelState =
    actions.length === 0 && session === s.session
      ? s
      : { ...s, session, fibIn: wantFib, running: wantRunning, drainMarks: wantDrain, demotionMarks: wantDemotion };
  return { state, actions };
}

function fibInReason(session: SessionPhase): string {
  return session === 'stale' ? 'routes kept as stale' : 'session up, routes received';
}

function fibOutReason(s: TunnelState, session: SessionPhase, cause: TunnelEvent | undefined): string {
  if (!mayForward(s)) return `tunnel down: ${s.livenessDetail}`;
  if (cause?.type === 'session-down') return `session down: ${cause.detail}`;
  if (cause?.type === 'stale-dropped') return `stale routes dropped: ${cause.detail}`;
  return session === 'idle' ? 'session down' : 'waiting for routes';
}

/** One line for `status`: what the tunnel does now and why. Never empty while the session is held. */
export interface TunnelSummary {
  state: 'forwarding' | 'waiting-for-routes' | 'stale' | 'held' | 'down' | 'starting';
  reason: string;
}

export function summarize(s: TunnelState): TunnelSummary {
  const shut = shutdownScopes(s);
  if (!livenessOk(s)) {
    return s.liveness === 'starting'
      ? { state: 'starting', reason: 'session held until liveness verifies the tunnel' }
      : { state: 'held', reason: `tunnel down: ${s.livenessDetail}` };
  }
  if (shut.length > 0) return { state: 'held', reason: `drained with shutdown (${shut.join(', ')}): undrain to start it` };
  const drained = Object.keys(s.drains);
  const marks = [drained.length > 0 ? `drained (${drained.join(', ')})` : '', s.liveness === 'demoted' ? `demoted: ${s.livenessDetail}` : ''].filter(Boolean).join('; ');
  const suffix = marks ? `; ${marks}` : '';
  if (s.session === 'stale') return { state: 'stale', reason: `peer restarting: its routes kept as stale${suffix}` };
  if (s.session === 'idle' || s.session === 'never') return { state: 'down', reason: `session not Established${suffix}` };
  if (!s.fibIn) return { state: 'waiting-for-routes', reason: `session up, its next hops rejoin their groups once its routes are in${suffix}` };
  return { state: 'forwarding', reason: marks || 'in service' };
}
