// The OTLP/protobuf body of a span export, byte for byte what @opentelemetry/otlp-transformer's
// ProtobufTraceSerializer writes (test/otlp-trace-protobuf.test.ts compares the two on every field
// and value type), in one pass instead of its size estimate then write, with the encoded bytes of
// attribute keys kept across exports. A tokenmeter span carries ~23 attributes whose keys are ~700
// of its ~1,000 bytes: OpenTelemetry's serializer spent 9-11 µs per such span, mostly re-encoding
// them character by character, this writer ~4 (bench/otlp-span-writer-ab.ts); an attribute with the
// value it had in the spans before (most of them) is copied whole, already encoded. Should this writer
// ever throw, the export is logged and written by OpenTelemetry's serializer instead.
import {
  type Attributes,
  diag,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanStatus,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** The type of OpenTelemetry's ProtobufTraceSerializer. */
type Serializer = typeof ProtobufTraceSerializer;

const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;
const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;
/** Attribute keys whose encoding is kept (a process has a few dozen; the bound guards odd apps). */
const MAX_CACHED_KEYS = 4096;

const encoder = new TextEncoder();

/** A growable protobuf writer; a length-delimited field reserves one byte and shifts when it needs more. */
class Writer {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A tag or any varint below 128 (every tag this file writes). */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** As ProtobufWriter#writeVarint, numbers outside uint32 (negative: ten bytes) included. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  bytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** UTF-8, length first: ASCII copied as it is checked; anything else through TextEncoder. */
  string(s: string): void {
    const len = s.length;
    const from = this.pos;
    this.varint(len);
    this.ensure(len);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos = from;
        this.bytes(encoder.encode(s));
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Already encoded bytes, as they are. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Start a length-delimited field's content (after its tag); returns where its length goes. */
  start(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** End the field started at `at`: its length, in as many bytes as it needs. */
  end(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    let size = 2;
    for (let v = length >>> 14; v > 0; v >>>= 7) size++;
    this.ensure(size - 1);
    const buf = this.buf;
    buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = at;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }
}

/**
 * What is kept per attribute key: its key field, encoded once, and the whole KeyValue (length
 * first) of the value it last had twice in a row. Most of a tokenmeter span's attributes have the
 * same value in every span of a process (operation, provider, server, models, currency, pricing
 * version and ids, finish reasons): those are copied as they are instead of being written.
 */
interface KeyEntry {
  readonly keyField: Uint8Array;
  /** The value last written under this key (an array: a copy of it). */
  last: unknown;
  /** The KeyValue of `last` (length first), once it came twice in a row. */
  encoded: Uint8Array | undefined;
}

const keyCache = new Map<string, KeyEntry>();
/** Arrays longer than this are not kept (compared item by item on every span). */
const MAX_KEPT_ARRAY = 8;

/** A key's entry (its key field: tag, length, UTF-8), made once per key. */
function keyEntry(key: string): KeyEntry {
  let entry = keyCache.get(key);
  if (entry !== undefined) return entry;
  const w = new Writer(key.length * 3 + 8);
  w.byte(0x0a); // KeyValue.key (1, length-delimited)
  w.string(key);
  entry = { keyField: w.buf.slice(0, w.pos), last: undefined, encoded: undefined };
  if (keyCache.size < MAX_CACHED_KEYS) keyCache.set(key, entry);
  return entry;
}

/** A value whose encoding can be kept: a string, boolean or number, or a short array of them. */
function keepable(value: unknown): boolean {
  const t = typeof value;
  if (t === 'string' || t === 'boolean' || t === 'number') return true;
  if (!Array.isArray(value) || value.length > MAX_KEPT_ARRAY) return false;
  for (const item of value) {
    const i = typeof item;
    if (i !== 'string' && i !== 'boolean' && i !== 'number') return false;
  }
  return true;
}

/** Whether `value` encodes as `last` does (`last` being keepable; NaN never matches, which is safe). */
function sameValue(last: unknown, value: unknown): boolean {
  if (last === value) return !Array.isArray(last);
  if (!Array.isArray(last) || !Array.isArray(value) || last.length !== value.length) return false;
  for (let i = 0; i < last.length; i++) if (last[i] !== value[i]) return false;
  return true;
}

/** A hex digit's value; any other character as OpenTelemetry's hexToBinary reads it. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55;
}

/** hexDigit of every ASCII character, looked up instead of branched on (ids are 48 hex digits a span). */
const HEX_DIGITS = Int16Array.from({ length: 128 }, (_, c) => hexDigit(c));

function digit(c: number): number {
  return c < 128 ? HEX_DIGITS[c]! : hexDigit(c);
}

/** A trace or span id (hex) as bytes, length first (an odd last digit ignored, as OpenTelemetry does). */
function hexBytes(w: Writer, hex: string): void {
  const n = hex.length >> 1;
  w.varint(n);
  w.ensure(n);
  const buf = w.buf;
  for (let i = 0; i < n; i++)
    buf[w.pos++] = (digit(hex.charCodeAt(2 * i)) << 4) | digit(hex.charCodeAt(2 * i + 1));
}

function hrTime(w: Writer, time: HrTime): void {
  // As the serializer's writeHrTimeAsFixed64: exact for every uint64 nanosecond count.
  const seconds = time[0];
  const nanos = time[1];
  const lowerNanos = (seconds & 0xffff) * 1_000_000_000;
  const upperNanos = ((seconds / 0x10000) >>> 0) * 1_000_000_000;
  const lowWithCarry = (lowerNanos >>> 0) + (((upperNanos & 0xffff) * 0x10000) >>> 0) + nanos;
  const high =
    (Math.floor(lowerNanos / 0x100000000) +
      ((upperNanos / 0x10000) >>> 0) +
      Math.floor(lowWithCarry / 0x100000000)) >>>
    0;
  w.fixed64(lowWithCarry >>> 0, high);
}

function attributes(w: Writer, attrs: Attributes, field: number): void {
  const tag = (field << 3) | 2;
  for (const key in attrs) {
    if (!Object.hasOwn(attrs, key)) continue;
    const entry = keyEntry(key);
    const value = attrs[key];
    w.byte(tag);
    if (entry.encoded !== undefined && sameValue(entry.last, value)) {
      w.raw(entry.encoded);
      continue;
    }
    const kv = w.start();
    w.raw(entry.keyField);
    w.byte(0x12); // KeyValue.value (2, length-delimited)
    const at = w.start();
    anyValue(w, value);
    w.end(at);
    w.end(kv);
    if (!keepable(value)) {
      entry.last = undefined;
      entry.encoded = undefined;
    } else if (entry.encoded === undefined && entry.last !== undefined && sameValue(entry.last, value)) {
      // The same value twice in a row: from now on it is copied.
      entry.encoded = w.buf.slice(kv, w.pos);
    } else {
      // A value of its own (a response id, a token count): only remembered, nothing copied.
      entry.last = Array.isArray(value) ? value.slice() : value;
      entry.encoded = undefined;
    }
  }
}

function anyValue(w: Writer, value: unknown): void {
  const t = typeof value;
  if (t === 'string') {
    w.byte(0x0a); // string_value (1)
    w.string(value as string);
  } else if (t === 'boolean') {
    w.byte(0x10); // bool_value (2)
    w.byte(value ? 1 : 0);
  } else if (t === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= MIN_64_BIT_INT && n < MAX_64_BIT_INT) {
      w.byte(0x18); // int_value (3)
      w.varint(n);
    } else {
      w.byte(0x21); // double_value (4)
      w.double(n);
    }
  } else if (value instanceof Uint8Array) {
    w.byte(0x3a); // bytes_value (7)
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.byte(0x2a); // array_value (5)
    const array = w.start();
    for (const item of value) {
      w.byte(0x0a); // ArrayValue.values (1)
      const at = w.start();
      anyValue(w, item);
      w.end(at);
    }
    w.end(array);
  } else if (t === 'object' && value !== null) {
    w.byte(0x32); // kvlist_value (6)
    const list = w.start();
    attributes(w, value as Attributes, 1);
    w.end(list);
  }
  // Anything else: an empty AnyValue, as OpenTelemetry's serializer writes.
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (
    (traceFlags & 0xff) |
    SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK |
    (isRemote ? SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK : 0)
  );
}

function status(w: Writer, s: SpanStatus): void {
  const at = w.start();
  if (s.message) {
    w.byte(0x12); // message (2)
    w.string(s.message);
  }
  w.byte(0x18); // code (3)
  w.varint(s.code);
  w.end(at);
}

function event(w: Writer, e: TimedEvent): void {
  const at = w.start();
  w.byte(0x09); // time_unix_nano (1, fixed64)
  hrTime(w, e.time);
  w.byte(0x12); // name (2)
  w.string(e.name);
  if (e.attributes) attributes(w, e.attributes, 3);
  w.byte(0x20); // dropped_attributes_count (4)
  w.varint(e.droppedAttributesCount || 0);
  w.end(at);
}

/** trace_id (1), span_id (2) and trace_state (3): the same fields in a Span and in a Link. */
function contextFields(w: Writer, ctx: SpanContext): void {
  w.byte(0x0a); // trace_id (1)
  hexBytes(w, ctx.traceId);
  w.byte(0x12); // span_id (2)
  hexBytes(w, ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.byte(0x1a); // trace_state (3)
    w.string(traceState);
  }
}

function link(w: Writer, l: Link): void {
  const at = w.start();
  const ctx = l.context;
  contextFields(w, ctx);
  if (l.attributes) attributes(w, l.attributes, 4);
  w.byte(0x28); // dropped_attributes_count (5)
  w.varint(l.droppedAttributesCount || 0);
  w.byte(0x35); // flags (6, fixed32)
  w.fixed32(spanFlags(ctx.traceFlags, ctx.isRemote));
  w.end(at);
}

function span(w: Writer, s: ReadableSpan): void {
  const at = w.start();
  const ctx = s.spanContext();
  contextFields(w, ctx);
  const parent = s.parentSpanContext;
  if (parent?.spanId) {
    w.byte(0x22); // parent_span_id (4)
    hexBytes(w, parent.spanId);
  }
  w.byte(0x2a); // name (5)
  w.string(s.name);
  const kind = s.kind == null ? 0 : s.kind + 1;
  if (kind !== 0) {
    w.byte(0x30); // kind (6)
    w.varint(kind);
  }
  w.byte(0x39); // start_time_unix_nano (7, fixed64)
  hrTime(w, s.startTime);
  w.byte(0x41); // end_time_unix_nano (8, fixed64)
  hrTime(w, s.endTime);
  if (s.attributes) attributes(w, s.attributes, 9);
  w.byte(0x50); // dropped_attributes_count (10)
  w.varint(s.droppedAttributesCount);
  for (const e of s.events) {
    w.byte(0x5a); // events (11)
    event(w, e);
  }
  w.byte(0x60); // dropped_events_count (12)
  w.varint(s.droppedEventsCount);
  for (const l of s.links) {
    w.byte(0x6a); // links (13)
    link(w, l);
  }
  w.byte(0x70); // dropped_links_count (14)
  w.varint(s.droppedLinksCount);
  w.byte(0x7a); // status (15)
  status(w, s.status);
  // flags (16, fixed32): a two-byte tag
  w.byte(0x85);
  w.byte(0x01);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
  w.end(at);
}

type Scope = ReadableSpan['instrumentationScope'];
type Resource = ReadableSpan['resource'];

function scopeSpans(w: Writer, scope: Scope, spans: ReadableSpan[]): void {
  const at = w.start();
  w.byte(0x0a); // scope (1)
  const s = w.start();
  w.byte(0x0a); // name (1)
  w.string(scope.name);
  if (scope.version) {
    w.byte(0x12); // version (2)
    w.string(scope.version);
  }
  const scoped = scope as Scope & { attributes?: Attributes; droppedAttributesCount?: number };
  if (scoped.attributes) attributes(w, scoped.attributes, 3);
  if (scoped.droppedAttributesCount) {
    w.byte(0x20); // dropped_attributes_count (4)
    w.varint(scoped.droppedAttributesCount);
  }
  w.end(s);
  for (const one of spans) {
    w.byte(0x12); // spans (2)
    span(w, one);
  }
  if (scope.schemaUrl) {
    w.byte(0x1a); // schema_url (3)
    w.string(scope.schemaUrl);
  }
  w.end(at);
}

function resourceSpans(w: Writer, resource: Resource, scopes: Map<Scope, ReadableSpan[]>): void {
  const at = w.start();
  w.byte(0x0a); // resource (1)
  const r = w.start();
  if (resource.attributes) attributes(w, resource.attributes, 1);
  w.byte(0x10); // dropped_attributes_count (2): 0, as OpenTelemetry's serializer writes
  w.byte(0);
  w.end(r);
  for (const spans of scopes.values()) {
    w.byte(0x12); // scope_spans (2)
    scopeSpans(w, spans[0]!.instrumentationScope, spans);
  }
  if (resource.schemaUrl) {
    w.byte(0x1a); // schema_url (3)
    w.string(resource.schemaUrl);
  }
  w.end(at);
}

/** Where the last request ended up: the next one starts with room for as much. */
let lastSize = 64 * 1024;

/** An ExportTraceServiceRequest for `spans`. */
export function encodeTraceRequest(spans: ReadableSpan[]): Uint8Array {
  const byResource = new Map<Resource, Map<Scope, ReadableSpan[]>>();
  for (const s of spans) {
    let scopes = byResource.get(s.resource);
    if (scopes === undefined) {
      scopes = new Map();
      byResource.set(s.resource, scopes);
    }
    const list = scopes.get(s.instrumentationScope);
    if (list === undefined) scopes.set(s.instrumentationScope, [s]);
    else list.push(s);
  }
  const w = new Writer(lastSize);
  for (const [resource, scopes] of byResource) {
    w.byte(0x0a); // resource_spans (1)
    resourceSpans(w, resource, scopes);
  }
  lastSize = Math.max(1024, w.pos + (w.pos >> 3));
  return w.buf.subarray(0, w.pos);
}

/** Exports this writer failed on (each one logged). */
let fallbacks = 0;

/** OpenTelemetry's ProtobufTraceSerializer, with this file's writer for the requests. */
export const TokenmeterProtobufTraceSerializer: Serializer = {
  serializeRequest(spans) {
    try {
      return encodeTraceRequest(spans);
    } catch (error) {
      fallbacks++;
      diag.warn(
        `tokenmeter: the OTLP span writer failed (${fallbacks} times so far); OpenTelemetry's serializer wrote the export`,
        error,
      );
      return ProtobufTraceSerializer.serializeRequest(spans);
    }
  },
  deserializeResponse: (body) => ProtobufTraceSerializer.deserializeResponse(body),
};
