// OTLP/protobuf trace bodies: decoded with the OTLP schema to read the spans, and written back by
// splicing. The priced spans get their cost attributes appended as extra `attributes` entries
// (protobuf concatenates repeated fields), and only the length prefixes of the messages around them
// change: every other byte, unknown fields of newer OTLP versions included, goes on as received.
import type { Attributes } from '@opentelemetry/api';
import { MalformedPayloadError } from '../errors/malformed-payload-error.js';
import type { OtlpSpanView } from '../span-view.js';
import { keyValue } from './any-value.js';
import { readSpan, resourceService, scopeName } from './read-span.js';
import { ExportTraceServiceRequest, FIELD, Reader, SpanMessage, Writer } from './schema.js';

type Obj = Record<string, unknown>;
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export interface DecodedBatch {
  spans: OtlpSpanView[];
  /** Where each span sits: [resource_spans index, scope_spans index, spans index]. */
  places: [number, number, number][];
}

/** Reads the spans of an ExportTraceServiceRequest body. Throws MalformedPayloadError. */
export function decodeProtobufTraces(body: Uint8Array): DecodedBatch {
  let request: Obj;
  try {
    request = ExportTraceServiceRequest.decode(body) as unknown as Obj;
  } catch (e) {
    throw new MalformedPayloadError(
      `the body is not an OTLP ExportTraceServiceRequest in protobuf (${(e as Error).message})`,
    );
  }
  const spans: OtlpSpanView[] = [];
  const places: [number, number, number][] = [];
  const resourceSpans = arr(request.resourceSpans);
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r]!;
    const service = resourceService(rs.resource);
    const scopeSpans = arr(rs.scopeSpans);
    for (let s = 0; s < scopeSpans.length; s++) {
      const ss = scopeSpans[s]!;
      const scope = scopeName(ss.scope);
      const list = arr(ss.spans);
      for (let i = 0; i < list.length; i++) {
        const span = list[i]!;
        spans.push(readSpan(span, scope, service));
        places.push([r, s, i]);
      }
    }
  }
  return { spans, places };
}

/** Edits below one message: child occurrence index (of one field) → edits inside that child. */
type Edits = Map<number, Edits | Uint8Array>;

/**
 * Bytes to append to a Span message: its extra `attributes` entries (Span field 9, KeyValue). The
 * KeyValue bytes are made by the schema's encoder once per (key, string value) and once per key for
 * doubles (then only the 8 bytes of the value are written): most of what a priced span gets (match,
 * source, version, provider and model ids, currency) repeats from span to span.
 */
function attributeBytes(attributes: Attributes): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const part = typeof value === 'number' ? doubleEntry(key, value) : fixedEntry(key, value);
    parts.push(part);
    length += part.length;
  }
  return Buffer.concat(parts, length);
}

const MAX_CACHED = 10_000;
const fixedEntries = new Map<string, Uint8Array>();
const doublePrefixes = new Map<string, Uint8Array>();

function encodeEntry(key: string, value: Exclude<Attributes[string], undefined>): Uint8Array {
  return SpanMessage.encode({ attributes: [keyValue(key, value)] }).finish();
}

function fixedEntry(key: string, value: Exclude<Attributes[string], undefined>): Uint8Array {
  const cacheKey = `${key}\u0000${String(value)}`;
  let bytes = fixedEntries.get(cacheKey);
  if (bytes === undefined) {
    bytes = encodeEntry(key, value);
    if (fixedEntries.size >= MAX_CACHED) fixedEntries.clear();
    fixedEntries.set(cacheKey, bytes);
  }
  return bytes;
}

/** A double KeyValue ends with its 8 value bytes (AnyValue.double_value, fixed64): the rest is per key. */
function doubleEntry(key: string, value: number): Uint8Array {
  let prefix = doublePrefixes.get(key);
  if (prefix === undefined) {
    const whole = encodeEntry(key, 0.5);
    prefix = whole.subarray(0, whole.length - 8);
    if (doublePrefixes.size >= MAX_CACHED) doublePrefixes.clear();
    doublePrefixes.set(key, prefix);
  }
  const out = new Uint8Array(prefix.length + 8);
  out.set(prefix, 0);
  new DataView(out.buffer, out.byteOffset + prefix.length, 8).setFloat64(0, value, true);
  return out;
}

function header(fieldNumber: number, length: number): Uint8Array {
  return Writer.create()
    .uint32((fieldNumber << 3) | 2)
    .uint32(length)
    .finish();
}

/**
 * Rebuilds the message in buf[start, end): occurrences of `field` (length-delimited) whose index is
 * in `edits` are rebuilt one level down (`fields[0]` is this level's field); everything else is
 * copied as it is. Returns the chunks and their total length.
 */
function rebuild(
  buf: Uint8Array,
  start: number,
  end: number,
  fields: readonly number[],
  edits: Edits,
): { chunks: Uint8Array[]; length: number } {
  const reader = Reader.create(buf);
  reader.pos = start;
  const chunks: Uint8Array[] = [];
  let length = 0;
  let copyFrom = start;
  let occurrence = -1;
  const field = fields[0]!;
  while (reader.pos < end) {
    const tagStart = reader.pos;
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (tag >>> 3 !== field || wireType !== 2) {
      reader.skipType(wireType);
      continue;
    }
    occurrence++;
    const len = reader.uint32();
    const childStart = reader.pos;
    const childEnd = childStart + len;
    reader.pos = childEnd;
    const edit = edits.get(occurrence);
    if (edit === undefined) continue;
    if (tagStart > copyFrom) {
      chunks.push(buf.subarray(copyFrom, tagStart));
      length += tagStart - copyFrom;
    }
    let inner: { chunks: Uint8Array[]; length: number };
    if (edit instanceof Uint8Array) {
      // A span: its own bytes, then the appended attributes.
      inner = { chunks: [buf.subarray(childStart, childEnd), edit], length: len + edit.length };
    } else {
      inner = rebuild(buf, childStart, childEnd, fields.slice(1), edit);
    }
    const h = header(field, inner.length);
    chunks.push(h, ...inner.chunks);
    length += h.length + inner.length;
    copyFrom = childEnd;
  }
  if (reader.pos !== end)
    throw new MalformedPayloadError('a protobuf field runs past the end of its message');
  if (end > copyFrom) {
    chunks.push(buf.subarray(copyFrom, end));
    length += end - copyFrom;
  }
  return { chunks, length };
}

/**
 * The body with `attributes` appended to the spans at `places` (same order as the decode). The
 * result decodes to the same request plus those attributes; nothing else changes.
 */
export function appendSpanAttributes(
  body: Uint8Array,
  additions: readonly { place: [number, number, number]; attributes: Attributes }[],
): Uint8Array {
  if (additions.length === 0) return body;
  const edits: Edits = new Map();
  for (const { place, attributes } of additions) {
    const [r, s, i] = place;
    let scopes = edits.get(r) as Edits | undefined;
    if (scopes === undefined) {
      scopes = new Map();
      edits.set(r, scopes);
    }
    let spans = scopes.get(s) as Edits | undefined;
    if (spans === undefined) {
      spans = new Map();
      scopes.set(s, spans);
    }
    spans.set(i, attributeBytes(attributes));
  }
  const { chunks, length } = rebuild(
    body,
    0,
    body.length,
    [FIELD.requestResourceSpans, FIELD.resourceScopeSpans, FIELD.scopeSpans],
    edits,
  );
  return Buffer.concat(chunks, length);
}
