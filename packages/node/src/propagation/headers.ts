// What goes on an outgoing request: the W3C headers (traceparent, tracestate, baggage; whatever
// the registered propagator writes) of the active context, with the attribution in effect added to
// its baggage, so the service called attributes its LLM calls as this one would. Nothing while
// tracing is suppressed (tokenmeter's own exports) and nothing when the context holds nothing to
// send: the common case costs a context lookup.
import { type Context, context, propagation, ROOT_CONTEXT, type TextMapSetter } from '@opentelemetry/api';
import { type Attribution, attributionBaggage, getAttribution } from '@tokenmeter/instrumentation/preload';
import { isTracingSuppressed } from '../suppress-tracing.js';

/** Header name (lower case) and value pairs. */
export type HeaderPairs = readonly (readonly [string, string])[];

const NONE: HeaderPairs = Object.freeze([]);

const pairs: TextMapSetter<[string, string][]> = {
  set(carrier, key, value) {
    carrier.push([key, value]);
  },
};

function headersOf(ctx: Context): HeaderPairs {
  const out: [string, string][] = [];
  propagation.inject(attributionBaggage(ctx), out, pairs);
  return out.length === 0 ? NONE : out;
}

/** The headers of the root context (the service-wide attribution only), kept per set of defaults. */
let rootDefaults: Attribution | undefined;
let rootHeaders: HeaderPairs = NONE;

/** The propagation headers an outgoing request made now carries (often none). */
export function propagationHeaders(): HeaderPairs {
  const active = context.active();
  if (active === ROOT_CONTEXT) {
    // Outside any context, the headers only depend on the defaults: built once per defaults object.
    const defaults = getAttribution(ROOT_CONTEXT);
    if (defaults !== rootDefaults) {
      rootDefaults = defaults;
      rootHeaders = headersOf(ROOT_CONTEXT);
    }
    return rootHeaders;
  }
  if (isTracingSuppressed(active)) return NONE;
  return headersOf(active);
}
