// The global propagator the distro registers with its own SDK: OTEL_PROPAGATORS (W3C trace context
// and baggage: attribution travels in baggage).
import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TokenmeterNodeConfig } from './types.js';

export function buildPropagator(config: TokenmeterNodeConfig): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  if (config.propagators.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (config.propagators.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return new CompositePropagator({ propagators });
}
