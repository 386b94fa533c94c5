// What the gateway reads of one OTLP span, whichever encoding carried it.
import type { AttributeBag } from '@tokenmeter/instrumentation';

export interface OtlpSpanView {
  name: string;
  attributes: AttributeBag;
  /** The instrumentation scope's name. */
  scope: string;
  /** service.name of the span's resource, when set. */
  service: string | undefined;
  startTimeMs: number;
  endTimeMs: number;
  /** Lower-case hex, '' when absent. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/** Unix nanoseconds (a Long, a decimal string or a number) as milliseconds; 0 when unreadable. */
export function nanosToMs(v: unknown): number {
  if (v == null) return 0;
  if (typeof v === 'number') return Number.isFinite(v) ? v / 1e6 : 0;
  if (typeof v === 'string') {
    // Exact for any int64: split off the last six digits before converting.
    if (!/^\d+$/.test(v)) return 0;
    return v.length > 6 ? Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6 : Number(v) / 1e6;
  }
  if (typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    const long = v as { high: number; low: number; toNumber(): number };
    return long.toNumber() / 1e6;
  }
  return 0;
}

/** Span and trace ids: protobuf bytes, or OTLP/JSON's hex string, as lower-case hex. */
export function hexId(v: unknown): string {
  if (typeof v === 'string') return v.toLowerCase();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return '';
}
