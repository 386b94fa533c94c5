// Attribution: who and what an LLM call is spent for. Two sources, read at call time from the
// active OpenTelemetry context (cheap: no context is entered on the call path):
// - `withAttribution({ feature, user, tenant }, fn)`: runs fn in a context carrying the values;
//   nested calls merge (inner values win), and the context follows async work started inside fn.
// - W3C baggage with the keys of ATTRIBUTION_BAGGAGE_KEYS (the attribution attribute names
//   themselves), so a tag set by an upstream service (or by
//   `withAttribution(..., { baggage: true })`) reaches the LLM calls of the services it calls.
// Explicit `withAttribution` values win over baggage.
import { type Context, context, createContextKey, propagation } from '@opentelemetry/api';
import { ATTRIBUTION_BAGGAGE_KEYS } from '@tokenmeter/semconv';
import type { Attribution } from './call-record.js';

const ATTRIBUTION_KEY = createContextKey('tokenmeter.attribution');

export interface WithAttributionOptions {
  /**
   * Also put the values in W3C baggage, so that they travel with outgoing requests to other
   * services (when a baggage propagator is registered). Default false: baggage goes to every host
   * the app calls, LLM providers included, so opt in only where that is acceptable.
   */
  baggage?: boolean;
}

const EMPTY: Attribution = Object.freeze({}) as Attribution;

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v === '' ? undefined : v.length > 256 ? v.slice(0, 256) : v;
}

function merge(base: Attribution, over: Attribution): Attribution {
  const out: Attribution = { ...base };
  const feature = clean(over.feature);
  const user = clean(over.user);
  const tenant = clean(over.tenant);
  if (feature !== undefined) out.feature = feature;
  if (user !== undefined) out.user = user;
  if (tenant !== undefined) out.tenant = tenant;
  return out;
}

/**
 * Run `fn` with `attribution` applied to every LLM call it makes, directly or through async work
 * it starts. Nested calls merge: inner values win, unset ones are inherited.
 * @returns what `fn` returns.
 */
export function withAttribution<T>(
  attribution: Attribution,
  fn: () => T,
  options?: WithAttributionOptions,
): T {
  let ctx: Context;
  try {
    const active = context.active();
    const current = (active.getValue(ATTRIBUTION_KEY) as Attribution | undefined) ?? EMPTY;
    const merged = Object.freeze(merge(current, attribution));
    ctx = active.setValue(ATTRIBUTION_KEY, merged);
    if (options?.baggage) {
      let bag = propagation.getBaggage(ctx) ?? propagation.createBaggage();
      if (merged.feature !== undefined)
        bag = bag.setEntry(ATTRIBUTION_BAGGAGE_KEYS.feature, { value: merged.feature });
      if (merged.user !== undefined)
        bag = bag.setEntry(ATTRIBUTION_BAGGAGE_KEYS.user, { value: merged.user });
      if (merged.tenant !== undefined)
        bag = bag.setEntry(ATTRIBUTION_BAGGAGE_KEYS.tenant, { value: merged.tenant });
      ctx = propagation.setBaggage(ctx, bag);
    }
  } catch {
    return fn();
  }
  return context.with(ctx, fn);
}

/**
 * The attribution in effect in `ctx` (default: the active context): `withAttribution` values over
 * W3C baggage entries. Returns a frozen object, possibly empty.
 */
export function getAttribution(ctx: Context = context.active()): Attribution {
  const own = ctx.getValue(ATTRIBUTION_KEY) as Attribution | undefined;
  const bag = propagation.getBaggage(ctx);
  if (bag === undefined) return own ?? EMPTY;
  const fromBag: Attribution = {};
  const feature = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.feature)?.value);
  const user = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.user)?.value);
  const tenant = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.tenant)?.value);
  if (feature !== undefined) fromBag.feature = feature;
  if (user !== undefined) fromBag.user = user;
  if (tenant !== undefined) fromBag.tenant = tenant;
  if (own === undefined) return fromBag;
  return merge(fromBag, own);
}
