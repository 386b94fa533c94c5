// Whether a context suppresses tracing (the SDK's exports run in one), without loading
// @opentelemetry/core at start-up for this one test: core's key is the API's context key made from
// the same description, `createContextKey` being `Symbol.for(description)`, the way every copy of
// core in a process agrees on it.
import { type Context, createContextKey } from '@opentelemetry/api';

const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** `isTracingSuppressed` of @opentelemetry/core. */
export function isTracingSuppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING_KEY) === true;
}
