// One OTLP span (decoded protobuf or parsed OTLP/JSON: the same field names) as the gateway reads it.
import { hexId, nanosToMs, type OtlpSpanView } from '../span-view.js';
import { attributeBag } from './any-value.js';

type Obj = Record<string, unknown>;

/** service.name of a resource, when it is a string. */
export function resourceService(resource: unknown): string | undefined {
  const service = attributeBag((resource as Obj | null | undefined)?.attributes)['service.name'];
  return typeof service === 'string' ? service : undefined;
}

/** The scope's name, '' when absent. */
export function scopeName(scope: unknown): string {
  return String((scope as Obj | null | undefined)?.name ?? '');
}

export function readSpan(span: Obj, scope: string, service: string | undefined): OtlpSpanView {
  return {
    name: String(span.name ?? ''),
    attributes: attributeBag(span.attributes),
    scope,
    service,
    startTimeMs: nanosToMs(span.startTimeUnixNano),
    endTimeMs: nanosToMs(span.endTimeUnixNano),
    traceId: hexId(span.traceId),
    spanId: hexId(span.spanId),
    parentSpanId: hexId(span.parentSpanId),
  };
}
