// GET /v1/telemetry/stream: new calls as server-sent events. Each client polls the store for rows
// with a higher id every `pollMs` (ids only grow, across processes) and gets `event: call` with the
// call's JSON, `id:` set so a reconnecting EventSource resumes with Last-Event-ID. Comments are sent
// as heartbeats so proxies keep the connection open.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallFilter, CallRow, CostStore } from '@tokenmeter/store';
import { callToJson } from '../query/json.js';

export interface StreamOptions {
  pollMs: number;
  heartbeatMs: number;
  /** Only calls matching these (dimension filters and flags; times are ignored). */
  filter: CallFilter;
  /** Resume after this id; default: only calls stored from now on. */
  afterId: number | undefined;
}

function matches(r: CallRow, f: CallFilter): boolean {
  if (f.provider !== undefined && r.provider !== f.provider) return false;
  if (f.model !== undefined && r.requestModel !== f.model && r.responseModel !== f.model) return false;
  if (f.feature !== undefined && r.feature !== f.feature) return false;
  if (f.user !== undefined && r.user !== f.user) return false;
  if (f.tenant !== undefined && r.tenant !== f.tenant) return false;
  if (f.service !== undefined && r.service !== f.service) return false;
  if (f.minCostNanos !== undefined && r.costNanos < f.minCostNanos) return false;
  if (f.errors && r.errorType === null) return false;
  if (f.estimated && !r.estimated) return false;
  if (f.unpriced && r.priced) return false;
  if (f.batch !== undefined && r.batchId !== f.batch) return false;
  return true;
}

/** At most this many rows are read per poll; a backlog drains over the next polls. */
const MAX_PER_POLL = 2000;

export class SseHub {
  private readonly clients = new Map<ServerResponse, () => void>();

  get size(): number {
    return this.clients.size;
  }

  open(req: IncomingMessage, res: ServerResponse, store: CostStore, opts: StreamOptions): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    let lastId = opts.afterId ?? store.lastCallId();
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ lastId })}\n\n`);
    let busy = false;
    const poll = () => {
      // A slow client: read nothing until it has taken what was sent (rows are read later).
      if (busy || res.writableEnded || res.writableNeedDrain) return;
      busy = true;
      try {
        const rows = store.callsAfterId(lastId, MAX_PER_POLL);
        let text = '';
        for (const r of rows) {
          lastId = r.id;
          if (matches(r, opts.filter))
            text += `id: ${r.id}\nevent: call\ndata: ${JSON.stringify(callToJson(r))}\n\n`;
        }
        if (text) res.write(text);
      } catch (e) {
        res.write(`event: error\ndata: ${JSON.stringify({ message: (e as Error).message })}\n\n`);
      } finally {
        busy = false;
      }
    };
    const pollTimer = setInterval(poll, opts.pollMs);
    const beat = setInterval(() => {
      if (!res.writableEnded) res.write(': heartbeat\n\n');
    }, opts.heartbeatMs);
    const stop = () => {
      clearInterval(pollTimer);
      clearInterval(beat);
      this.clients.delete(res);
    };
    this.clients.set(res, stop);
    req.on('close', stop);
    res.on('close', stop);
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const [res, stop] of [...this.clients]) {
      stop();
      try {
        res.end();
      } catch {
        // already gone
      }
    }
    this.clients.clear();
  }
}
