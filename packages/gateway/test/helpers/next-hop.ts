// The next hop behind the gateway in tests: a loopback OTLP/HTTP receiver that keeps every request
// (path, headers, raw body) and decodes trace bodies with its own schema (packages/node's test
// decoder, independent of the gateway's), and can be told to fail, stall or answer slowly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest } from '../../../node/test/helpers/otlp-proto.js';
import { type Attrs, attrs } from '../../../node/test/helpers/otlp-receiver.js';

export interface HopSpan {
  name: string;
  attributes: Attrs;
  resource: Attrs;
  scope: string;
  spanId: string;
}

export interface HopRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body as received (still compressed if it was). */
  raw: Buffer;
}

export interface NextHop {
  /** Base URL (what `--forward` takes). */
  url: string;
  requests: HopRequest[];
  spans: HopSpan[];
  /** Answer with these statuses first (one per request), then 200. */
  failWith: number[];
  /** Headers of the failures, e.g. Retry-After. */
  failHeaders: Record<string, string>;
  /** Hold every answer this long. */
  delayMs: number;
  /** While true, never answer (a black hole). */
  stall: boolean;
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

function hex(v: unknown, protobuf: boolean): string {
  if (typeof v !== 'string') return '';
  return protobuf ? Buffer.from(v, 'base64').toString('hex') : v.toLowerCase();
}

export function decodeSpans(body: Buffer, contentType: string): HopSpan[] {
  const protobuf = contentType.includes('protobuf');
  const doc = (protobuf ? decodeTraceRequest(body) : JSON.parse(body.toString('utf8'))) as Obj;
  const out: HopSpan[] = [];
  for (const rs of arr(doc.resourceSpans)) {
    const resource = attrs((rs.resource as Obj | undefined)?.attributes);
    for (const ss of arr(rs.scopeSpans)) {
      const scope = String((ss.scope as Obj | undefined)?.name ?? '');
      for (const s of arr(ss.spans))
        out.push({
          name: String(s.name),
          attributes: attrs(s.attributes),
          resource,
          scope,
          spanId: hex(s.spanId, protobuf),
        });
    }
  }
  return out;
}

export async function startNextHop(): Promise<NextHop> {
  const hop: NextHop = {
    url: '',
    requests: [],
    spans: [],
    failWith: [],
    failHeaders: {},
    delayMs: 0,
    stall: false,
    close: async () => {},
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hop.stall) return;
      const raw = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const respond = () => {
        const fail = hop.failWith.shift();
        if (fail !== undefined) {
          res.writeHead(fail, { 'content-type': 'application/json', ...hop.failHeaders }).end('{}');
          return;
        }
        hop.requests.push({ path, headers: req.headers, raw });
        const contentType = String(req.headers['content-type'] ?? '');
        if (path === '/v1/traces') {
          const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          hop.spans.push(...decodeSpans(body, contentType));
        }
        if (contentType.includes('protobuf'))
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      };
      if (hop.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          respond();
        }, hop.delayMs);
        timers.add(t);
      } else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hop.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hop.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hop;
}

/** Wait until `predicate` holds, polling; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
