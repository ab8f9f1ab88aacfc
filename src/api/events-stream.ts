// GET /v1/events: the event bus as NDJSON over chunked HTTP (one JSON object per line, flushed as it happens),
// and the line splitter the client reads it with. A reader that stops reading is cut off, never waited for.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { EventBus, OpsEvent, OpsEventType } from './events';

/**
 * Bytes a slow reader may have waiting before its stream is closed (the daemon never waits for a reader). They wait
 * in one array of lines, written as one chunk when the socket drains: Node's per-write bookkeeping (one request
 * object per res.write, ~3 MB per stalled client for 1 MB of events, one error object each on teardown) never builds up.
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;
/** Event stream clients at once; more get 503 (each one is a member of the control group, but 400 of them took 1.6 GB). */
export const MAX_SUBSCRIBERS = 64;

const streams = new WeakMap<EventBus, Set<ServerResponse>>();

/** How many event stream clients `bus` has now. */
export function streamClients(bus: EventBus): number {
  return streams.get(bus)?.size ?? 0;
}

export interface EventStreamQuery {
  /** Replay kept events with seq > since first; absent: only new events. */
  since?: number;
  /** Only these types; absent: all. */
  types?: Set<OpsEventType>;
}

/** Parses ?since=N&types=a,b; returns an error message for a bad value. */
export function parseEventQuery(params: URLSearchParams): EventStreamQuery | string {
  const q: EventStreamQuery = {};
  const since = params.get('since');
  if (since !== null) {
    if (!/^\d{1,15}$/.test(since)) return `since must be a non-negative integer (got ${JSON.stringify(since.slice(0, 40))})`;
    q.since = Number(since);
  }
  const types = params.get('types');
  if (types) {
    const list = types.split(',').map((t) => t.trim()).filter(Boolean);
    if (list.length > 100 || list.some((t) => !/^[a-z][a-z0-9-]{0,63}$/.test(t))) return `types must be a comma-separated list of event types (got ${JSON.stringify(types.slice(0, 80))})`;
    q.types = new Set(list as OpsEventType[]);
  }
  return q;
}

/**
 * Streams the bus to one HTTP response until the client goes away or the server closes the connection. A client
 * that stops reading is dropped once MAX_QUEUED_BYTES wait for it; past MAX_SUBSCRIBERS clients a new one gets 503.
 */
export function serveEvents(bus: EventBus, q: EventStreamQuery, req: IncomingMessage, res: ServerResponse): void {
  let clients = streams.get(bus);
  if (!clients) streams.set(bus, (clients = new Set()));
  if (clients.size >= MAX_SUBSCRIBERS) {
    const body = JSON.stringify({ error: { code: 'too-many-subscribers', message: `${MAX_SUBSCRIBERS} event stream clients are connected already; close one and retry` } });
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '10' });
    res.end(body);
    return;
  }
  const mine = clients;
  mine.add(res);
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache' });
  // Headers now, so a client knows it is subscribed before the first event happens.
  res.flushHeaders();
  const wanted = (e: OpsEvent) => !q.types || q.types.has(e.type);
  let queue: string[] = [];
  let queued = 0;
  let waiting = false; // a write is in the socket's buffer and 'drain' has not come yet
  let unsubscribe = (): void => {};
  const stop = () => {
    unsubscribe();
    unsubscribe = () => {};
    mine.delete(res);
    queue = [];
    queued = 0;
  };
  const flush = () => {
    waiting = false;
    if (queue.length === 0 || res.destroyed) return;
    const chunk = queue.join('');
    queue = [];
    queued = 0;
    waiting = !res.write(chunk);
  };
  const write = (e: OpsEvent) => {
    if (!wanted(e) || res.destroyed) return;
    const line = JSON.stringify(e) + '\n';
    if (!waiting) {
      waiting = !res.write(line);
      return;
    }
    queued += line.length;
    if (queued > MAX_QUEUED_BYTES) {
      // Dropping costs one socket destroy with at most one pending write: cheap however many clients stall.
      stop();
      res.destroy();
      return;
    }
    queue.push(line);
  };
  res.on('drain', flush);
  if (q.since !== undefined) for (const e of bus.since(q.since)) write(e);
  unsubscribe = bus.subscribe(write);
  req.on('close', stop);
  res.on('close', stop);
}

/** Splits a byte stream into lines (NDJSON); a line may arrive in many chunks, a chunk may hold many lines. */
export class LineSplitter {
  private rest = '';
  // A multi-byte character may be cut between two chunks: the decoder holds its first bytes back.
  private readonly decoder = new StringDecoder('utf8');
  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
}
