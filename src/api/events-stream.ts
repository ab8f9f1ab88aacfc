// GET /v1/events: the event bus as NDJSON over chunked HTTP (one JSON object per line, flushed as it happens),
// and the line splitter the client reads it with. A reader that stops reading is cut off, never waited for.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { EventBus, OpsEvent, OpsEventType } from './events';

/** Bytes a slow reader may have queued before its stream is closed (the daemon never waits for a reader). */
const MAX_BUFFERED = 1 << 20;

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
    if (!/^\d{1,15}$/.test(since)) return `since must be a non-negative integer (got "${since}")`;
    q.since = Number(since);
  }
  const types = params.get('types');
  if (types) q.types = new Set(types.split(',').map((t) => t.trim()).filter(Boolean) as OpsEventType[]);
  return q;
}

/** Streams the bus to one HTTP response until the client goes away or the server closes the connection. */
export function serveEvents(bus: EventBus, q: EventStreamQuery, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache' });
  // Headers now, so a client knows it is subscribed before the first event happens.
  res.flushHeaders();
  const wanted = (e: OpsEvent) => !q.types || q.types.has(e.type);
  let unsubscribe = (): void => {};
  const stop = () => {
    unsubscribe();
    unsubscribe = () => {};
  };
  const write = (e: OpsEvent) => {
    if (!wanted(e)) return;
    if (res.writableLength > MAX_BUFFERED) {
      stop();
      res.destroy();
      return;
    }
    res.write(JSON.stringify(e) + '\n');
  };
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
