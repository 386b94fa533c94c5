// The global propagator the distro registers with its own SDK: OTEL_PROPAGATORS (W3C trace context
// and baggage: attribution travels in baggage). Registered at start-up; the W3C propagators
// (@opentelemetry/core, which the rest of start-up does not need) load with the first request
// that injects or extracts.
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import { requireForCaller } from '@tokenmeter/config';
import type { TokenmeterNodeConfig } from './types.js';

let requireHere: NodeJS.Require | undefined;

function loadCore(): typeof Core {
  requireHere ??= requireForCaller();
  return requireHere('@opentelemetry/core') as typeof Core;
}

/** The composite of the configured W3C propagators, made when first used. */
class LatePropagator implements TextMapPropagator {
  private real: TextMapPropagator | undefined;

  constructor(private readonly names: readonly string[]) {}

  private propagator(): TextMapPropagator {
    if (this.real === undefined) {
      const core = loadCore();
      const propagators: TextMapPropagator[] = [];
      if (this.names.includes('tracecontext')) propagators.push(new core.W3CTraceContextPropagator());
      if (this.names.includes('baggage')) propagators.push(new core.W3CBaggagePropagator());
      this.real = new core.CompositePropagator({ propagators });
    }
    return this.real;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.propagator().inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.propagator().extract(context, carrier, getter);
  }

  fields(): string[] {
    return this.propagator().fields();
  }
}

export function buildPropagator(config: TokenmeterNodeConfig): TextMapPropagator {
  return new LatePropagator([...config.propagators]);
}
