// A real OTLP/HTTP receiver for tests, shared by the packages' tests (the distro's exporters, the
// gateway's next hop): a loopback server that accepts what OTLP/HTTP senders send (http/json and
// http/protobuf, gzip or not), keeps every request, decodes traces and metrics with its own schema
// (./otlp-proto.ts, independent of the gateway's), and can be told to fail, stall or answer slowly.
// Not part of any published package.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeMetricsRequest, decodeTraceRequest } from './otlp-proto.js';

export type AttrValue = string | number | boolean | AttrValue[] | { [k: string]: AttrValue } | null;
export type Attrs = Record<string, AttrValue>;

export interface ReceivedSpan {
  name: string;
  /** SpanKind as OTLP numbers it: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Attrs;
  status: { code: number; message?: string };
  events: { name: string; attributes: Attrs }[];
  resource: Attrs;
  scope: string;
  /** Which encoding carried it. */
  encoding: 'json' | 'protobuf';
}

export interface ReceivedPoint {
  metric: string;
  unit: string;
  type: 'sum' | 'gauge' | 'histogram';
  attributes: Attrs;
  /** Sum and gauge value; histogram sum. */
  value: number;
  /** Histogram count. */
  count?: number;
  resource: Attrs;
  encoding: 'json' | 'protobuf';
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  /** The body as received (still compressed if it was). */
  raw: Buffer;
}

/** The signals whose bodies are decoded; another signal's request is kept (raw) and answered 200. */
export type DecodedSignal = 'traces' | 'metrics';

export interface OtlpReceiverOptions {
  /** Default both. A signal left out may carry any bytes (a pass-through under test). */
  decode?: readonly DecodedSignal[];
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT` (OTEL_EXPORTER_OTLP_ENDPOINT, the gateway's `--forward`). */
  url: string;
  spans: ReceivedSpan[];
  points: ReceivedPoint[];
  /** Every request, as it arrives (answered or not). */
  requests: ReceivedRequest[];
  /** Answer every request after this many ms (a slow collector). */
  delayMs: number;
  /** Answer with this HTTP status instead of 200 (a failing collector). */
  status: number;
  /** Answer with these statuses first (one per request), then with `status`. */
  failWith: number[];
  /** Headers of the failures, e.g. Retry-After. */
  failHeaders: Record<string, string>;
  /** While true, never answer (a black hole). */
  stall: boolean;
  close(): Promise<void>;
}

function hexId(v: unknown, encoding: 'json' | 'protobuf'): string {
  if (typeof v !== 'string' || v === '') return '';
  return encoding === 'protobuf' ? Buffer.from(v, 'base64').toString('hex') : v.toLowerCase();
}

function anyValue(v: Record<string, unknown> | undefined): AttrValue {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue as string;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) {
    const values = ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []) as Record<
      string,
      unknown
    >[];
    return values.map((x) => anyValue(x));
  }
  if ('kvlistValue' in v) {
    return attrs((v.kvlistValue as { values?: unknown[] }).values) as { [k: string]: AttrValue };
  }
  if ('bytesValue' in v) return String(v.bytesValue);
  return null;
}

export function attrs(list: unknown): Attrs {
  const out: Attrs = {};
  for (const kv of (list as { key: string; value?: Record<string, unknown> }[] | undefined) ?? []) {
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

function collectSpans(doc: Obj, encoding: 'json' | 'protobuf', out: ReceivedSpan[]): void {
  for (const rs of arr(doc.resourceSpans)) {
    const resource = attrs((rs.resource as Obj | undefined)?.attributes);
    for (const ss of arr(rs.scopeSpans)) {
      const scope = String((ss.scope as Obj | undefined)?.name ?? '');
      for (const s of arr(ss.spans)) {
        const status = (s.status as Obj | undefined) ?? {};
        out.push({
          name: String(s.name ?? ''),
          kind: Number(s.kind ?? 0),
          traceId: hexId(s.traceId, encoding),
          spanId: hexId(s.spanId, encoding),
          parentSpanId: hexId(s.parentSpanId, encoding),
          attributes: attrs(s.attributes),
          status: {
            code: Number(status.code ?? 0),
            ...(status.message ? { message: String(status.message) } : {}),
          },
          events: arr(s.events).map((e) => ({ name: String(e.name), attributes: attrs(e.attributes) })),
          resource,
          scope,
          encoding,
        });
      }
    }
  }
}

function encodingOf(contentType: string): 'json' | 'protobuf' {
  return contentType.includes('protobuf') ? 'protobuf' : 'json';
}

/** The spans of an (uncompressed) OTLP/HTTP trace request body. */
export function decodeSpans(body: Buffer, contentType: string): ReceivedSpan[] {
  const encoding = encodingOf(contentType);
  const doc = (encoding === 'json' ? JSON.parse(body.toString('utf8')) : decodeTraceRequest(body)) as Obj;
  const out: ReceivedSpan[] = [];
  collectSpans(doc, encoding, out);
  return out;
}

function collectPoints(doc: Obj, encoding: 'json' | 'protobuf', out: ReceivedPoint[]): void {
  for (const rm of arr(doc.resourceMetrics)) {
    const resource = attrs((rm.resource as Obj | undefined)?.attributes);
    for (const sm of arr(rm.scopeMetrics)) {
      for (const m of arr(sm.metrics)) {
        const base = { metric: String(m.name), unit: String(m.unit ?? ''), resource, encoding };
        for (const type of ['sum', 'gauge'] as const) {
          const data = m[type] as Obj | undefined;
          for (const p of arr(data?.dataPoints)) {
            const value = p.asDouble !== undefined ? Number(p.asDouble) : Number(p.asInt ?? 0);
            out.push({ ...base, type, attributes: attrs(p.attributes), value });
          }
        }
        const h = m.histogram as Obj | undefined;
        for (const p of arr(h?.dataPoints)) {
          out.push({
            ...base,
            type: 'histogram',
            attributes: attrs(p.attributes),
            value: Number(p.sum ?? 0),
            count: Number(p.count ?? 0),
          });
        }
      }
    }
  }
}

/** The metric points of an (uncompressed) OTLP/HTTP metrics request body. */
export function decodePoints(body: Buffer, contentType: string): ReceivedPoint[] {
  const encoding = encodingOf(contentType);
  const doc = (encoding === 'json' ? JSON.parse(body.toString('utf8')) : decodeMetricsRequest(body)) as Obj;
  const out: ReceivedPoint[] = [];
  collectPoints(doc, encoding, out);
  return out;
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const decode = new Set<DecodedSignal>(options.decode ?? ['traces', 'metrics']);
  const receiver: OtlpReceiver = {
    url: '',
    spans: [],
    points: [],
    requests: [],
    delayMs: 0,
    status: 200,
    failWith: [],
    failHeaders: {},
    stall: false,
    close: async () => {},
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const contentType = String(req.headers['content-type'] ?? '');
      receiver.requests.push({ path, contentType, headers: req.headers, raw });
      if (receiver.stall) return;
      const respond = () => {
        const fail = receiver.failWith.shift() ?? (receiver.status !== 200 ? receiver.status : undefined);
        if (fail !== undefined) {
          res.writeHead(fail, { 'content-type': 'application/json', ...receiver.failHeaders }).end('{}');
          return;
        }
        const encoding = encodingOf(contentType);
        const signal = /\/v1\/(traces|metrics|logs)$/.exec(path)?.[1];
        if (signal === undefined) {
          res.writeHead(404).end();
          return;
        }
        if (signal !== 'logs' && decode.has(signal as DecodedSignal)) {
          try {
            const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
            if (signal === 'traces') receiver.spans.push(...decodeSpans(body, contentType));
            else receiver.points.push(...decodePoints(body, contentType));
          } catch (e) {
            res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e));
            return;
          }
        }
        if (encoding === 'json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      };
      if (receiver.delayMs > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          respond();
        }, receiver.delayMs);
        timers.add(t);
      } else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
