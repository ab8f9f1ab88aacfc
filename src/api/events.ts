// Operator events (GET /v1/events, metrics, alerts): their JSON shapes, and the in-process bus the daemon publishes
// on. Plain data only, so a stream can be logged and replayed; no RFC, bgpfo's own contract (docs/operations.md).

/** A session's FSM moved (RFC 4271 §8 state names). */
export interface SessionStateEvent {
  type: 'session-state';
  neighbor: string;
  from: string;
  to: string;
}

export interface SessionUpEvent {
  type: 'session-up';
  neighbor: string;
  peer: string;
  peerRouterId: string;
  families: string[];
}

export interface SessionDownEvent {
  type: 'session-down';
  neighbor: string;
  peer: string;
  /** DownReason of the FSM (hold-timer-expired, notification-received, manual-stop, ...). */
  reason: string;
  message: string;
}

/** Best-path changes summarized over a short window (a table load is one event, not a million). */
export interface RoutesEvent {
  type: 'routes';
  /** Prefixes whose best path changed in the window. */
  bestChanged: number;
  /** Of those, prefixes that had no route before / have none now. */
  added: number;
  removed: number;
  /** Up to 10 of the changed prefixes, for a human reading the stream. */
  sample: string[];
  windowMs: number;
}

/** Traffic left a tunnel for another path: its session or liveness was lost while it carried best paths. */
export interface FailoverEvent {
  type: 'failover';
  tunnel: string;
  /** What was detected: "hold timer expired", "BFD down", ... */
  reason: string;
  /** Prefixes that had a best or ECMP path over the tunnel and have another path now. */
  prefixes: number;
  /** From detection until the Loc-RIB (and so the FIB) no longer used the tunnel. */
  durationMs: number;
}

/**
 * A lost tunnel left prefixes with no path at all (it was their only one): traffic to them is dropped, not moved.
 * Published beside a `failover` when some of the tunnel's prefixes moved and others had nowhere to go.
 */
export interface OutageEvent {
  type: 'outage';
  tunnel: string;
  /** What was detected: "hold timer expired", "BFD down", ... */
  reason: string;
  /** Prefixes that had a best or ECMP path over the tunnel and have no path now. */
  prefixes: number;
  /** Up to 10 of them. */
  sample: string[];
  /** From detection until their routes were withdrawn from the Loc-RIB (and so the FIB). */
  durationMs: number;
}

/** A tunnel's quality verdict changed (src/health): demoted (prepended, out of ECMP) or promoted back. */
export interface DemotionEvent {
  type: 'demotion';
  tunnel: string;
  state: 'demoted' | 'promoted';
  reason: string;
  detail: string;
}

/** BFD or probe liveness changed. */
export interface LivenessChangeEvent {
  type: 'liveness';
  tunnel: string;
  mode: 'bfd' | 'probe';
  state: 'up' | 'down';
  detail: string;
  detectionTimeMs: number;
}

export interface DrainEvent {
  type: 'drain';
  target: string;
  neighbors: string[];
  /** marked: communities/prepends/local-pref applied; moved / timeout: the traffic wait ended; down: session stopped. */
  phase: 'marked' | 'moved' | 'timeout' | 'down' | 'undrained';
  detail: string;
}

export interface ReloadEvent {
  type: 'reload';
  result: 'applied' | 'refused' | 'unchanged';
  /** One line per action applied, or the refusal. */
  detail: string[];
}

export interface DaemonLifecycleEvent {
  type: 'daemon';
  phase: 'started' | 'stopping';
  detail: string;
}

export type OpsEventBody =
  | SessionStateEvent
  | SessionUpEvent
  | SessionDownEvent
  | RoutesEvent
  | FailoverEvent
  | OutageEvent
  | DemotionEvent
  | LivenessChangeEvent
  | DrainEvent
  | ReloadEvent
  | DaemonLifecycleEvent;

export type OpsEventType = OpsEventBody['type'];

/** An event as published: numbered (gaps mean a slow reader was dropped from) and stamped. */
export type OpsEvent = OpsEventBody & {
  /** 1, 2, 3... per daemon run. */
  seq: number;
  /** ISO 8601 wall-clock time. */
  time: string;
};

export type OpsEventListener = (e: OpsEvent) => void;

export interface EventBusOptions {
  /** Events kept for late subscribers (`GET /v1/events?since=SEQ`); default 1000. */
  keep?: number;
  /** Wall clock for the stamp (tests); default Date.now. */
  now?: () => number;
  /** Called when a listener throws (the bus goes on). */
  onListenerError?: (err: unknown, e: OpsEvent) => void;
}

/**
 * Synchronous fan-out: publish() calls every listener before it returns, so the order listeners see is the order of
 * publishing (the daemon publishes from its serialized loop). Listeners must be quick and must not throw; slow work
 * (an alert command, a socket write) is queued by the listener itself.
 */
export class EventBus {
  private readonly listeners = new Set<OpsEventListener>();
  private readonly ring: OpsEvent[] = [];
  private seq = 0;
  private readonly keep: number;
  private readonly now: () => number;

  constructor(private readonly opts: EventBusOptions = {}) {
    this.keep = opts.keep ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  publish(body: OpsEventBody): OpsEvent {
    const e = { ...body, seq: ++this.seq, time: new Date(this.now()).toISOString() } as OpsEvent;
    this.ring.push(e);
    if (this.ring.length > this.keep) this.ring.splice(0, this.ring.length - this.keep);
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.opts.onListenerError?.(err, e);
      }
    }
    return e;
  }

  /** Returns the unsubscribe function. */
  subscribe(l: OpsEventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Kept events with seq > since (all kept when since is 0), oldest first. */
  since(since: number): OpsEvent[] {
    return this.ring.filter((e) => e.seq > since);
  }

  get lastSeq(): number {
    return this.seq;
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
