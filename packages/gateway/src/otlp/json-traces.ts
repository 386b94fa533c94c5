// OTLP/JSON trace bodies: parsed, the priced spans' cost attributes pushed onto their `attributes`
// arrays, and serialised again. Every other field, known or not, goes on as received. int64 values
// written as bare JSON numbers past 2^53 (allowed by the OTLP/JSON spec beside decimal strings) are
// turned into decimal strings before parsing so that no nanosecond is lost on the way.
import type { Attributes } from '@opentelemetry/api';
import { MalformedPayloadError } from '../errors/malformed-payload-error.js';
import type { OtlpSpanView } from '../span-view.js';
import { keyValues } from './any-value.js';
import type { DecodedBatch } from './protobuf-traces.js';
import { readSpan, resourceService, scopeName } from './read-span.js';

type Obj = Record<string, unknown>;

const LONG_INTEGER = /\d{16}/;
/** A JSON string (skipped as a whole) or an integer too long for a double. */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** `text` with integers of 16 or more digits written as strings (exact), strings untouched. */
export function quoteLongIntegers(text: string): string {
  if (!LONG_INTEGER.test(text)) return text;
  return text.replace(STRING_OR_LONG_INTEGER, (m) => (m.charCodeAt(0) === 34 ? m : `"${m}"`));
}

function list(v: unknown, what: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MalformedPayloadError(`${what} must be an array`);
  for (const item of v)
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new MalformedPayloadError(`every item of ${what} must be an object`);
  return v as Obj[];
}

export interface JsonBatch extends DecodedBatch {
  /** The parsed request, changed in place by `appendJsonAttributes`. */
  doc: Obj;
}

/** Parses an OTLP/JSON ExportTraceServiceRequest. Throws MalformedPayloadError. */
export function decodeJsonTraces(body: Uint8Array): JsonBatch {
  let doc: unknown;
  try {
    doc = JSON.parse(
      quoteLongIntegers(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')),
    );
  } catch (e) {
    throw new MalformedPayloadError(`the body is not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new MalformedPayloadError('the body must be a JSON object (an OTLP ExportTraceServiceRequest)');
  const spans: OtlpSpanView[] = [];
  const places: [number, number, number][] = [];
  const resourceSpans = list((doc as Obj).resourceSpans, 'resourceSpans');
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r]!;
    const service = resourceService(rs.resource);
    const scopeSpans = list(rs.scopeSpans, `resourceSpans[${r}].scopeSpans`);
    for (let s = 0; s < scopeSpans.length; s++) {
      const ss = scopeSpans[s]!;
      const scope = scopeName(ss.scope);
      const items = list(ss.spans, `resourceSpans[${r}].scopeSpans[${s}].spans`);
      for (let i = 0; i < items.length; i++) {
        const span = items[i]!;
        if (span.attributes !== undefined && span.attributes !== null && !Array.isArray(span.attributes))
          throw new MalformedPayloadError(
            `resourceSpans[${r}].scopeSpans[${s}].spans[${i}].attributes must be an array`,
          );
        spans.push(readSpan(span, scope, service));
        places.push([r, s, i]);
      }
    }
  }
  return { doc: doc as Obj, spans, places };
}

/** The request with `attributes` pushed onto the spans at `places`, serialised. */
export function appendJsonAttributes(
  batch: JsonBatch,
  body: Uint8Array,
  additions: readonly { place: [number, number, number]; attributes: Attributes }[],
): Uint8Array {
  if (additions.length === 0) return body;
  for (const { place, attributes } of additions) {
    const [r, s, i] = place;
    const rs = (batch.doc.resourceSpans as Obj[])[r]!;
    const span = (rs.scopeSpans as Obj[])[s]!.spans as Obj[];
    const target = span[i]!;
    const kvs = keyValues(attributes);
    if (Array.isArray(target.attributes)) (target.attributes as unknown[]).push(...kvs);
    else target.attributes = kvs;
  }
  return Buffer.from(JSON.stringify(batch.doc), 'utf8');
}
