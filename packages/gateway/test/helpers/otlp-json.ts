// Hand-made OTLP requests for the tests that need exact bodies (a real exporter retries on its own).
import { randomBytes } from 'node:crypto';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@tokenmeter/semconv';
import { ExportTraceServiceRequest } from '../../src/otlp/schema.js';

export interface SpanSpec {
  name: string;
  attributes: Record<string, string | number | boolean>;
  scope?: string;
}

function anyValue(v: string | number | boolean): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** An ExportTraceServiceRequest in OTLP/JSON shape. */
export function traceRequest(spans: SpanSpec[], service = 'python-chat-service'): Record<string, unknown> {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: spans[0]?.scope ?? 'opentelemetry.instrumentation.openai.v1', version: '0.40.0' },
            spans: spans.map((s) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: s.name,
              kind: 3,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 1_000_000n),
              attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: anyValue(v) })),
              status: {},
            })),
          },
        ],
      },
    ],
  };
}

export function jsonBody(spans: SpanSpec[], service?: string): Buffer {
  return Buffer.from(JSON.stringify(traceRequest(spans, service)));
}

/** The same request in protobuf (ids as bytes). */
export function protobufBody(spans: SpanSpec[], service?: string): Uint8Array {
  const doc = traceRequest(spans, service) as {
    resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
  };
  for (const rs of doc.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        s.traceId = Buffer.from(String(s.traceId), 'hex');
        s.spanId = Buffer.from(String(s.spanId), 'hex');
      }
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(doc)).finish();
}

export const CHAT_SPAN: SpanSpec = {
  name: 'openai.chat',
  attributes: {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_SYSTEM]: 'openai',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1000,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 100,
  },
};

export const HTTP_SPAN: SpanSpec = {
  name: 'GET /',
  attributes: { 'http.route': '/' },
  scope: 'opentelemetry.instrumentation.flask',
};

export async function post(
  url: string,
  body: Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}
