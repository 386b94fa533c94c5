// Attribution: who and what an LLM call is spent for. Three sources, read at call time from the
// active OpenTelemetry context (cheap: no context is entered on the call path), the first that
// names a value winning:
// - `withAttribution({ feature, user, tenant }, fn)`: runs fn in a context carrying the values;
//   nested calls merge (inner values win), and the context follows async work started inside fn.
// - W3C baggage with the keys of ATTRIBUTION_BAGGAGE_KEYS (the attribution attribute names
//   themselves), so a tag set by an upstream service (or by
//   `withAttribution(..., { baggage: true })`) reaches the LLM calls of the services it calls.
// - the service-wide defaults (TOKENMETER_FEATURE, TOKENMETER_USER, TOKENMETER_TENANT), set once
//   at start by the instrumentation's config, process-wide.
// The distro sends the attribution in effect on in baggage (`attributionBaggage`), so a service
// called inside `withAttribution` attributes its calls alike.
import { type Baggage, type Context, context, createContextKey, propagation } from '@opentelemetry/api';
import { ATTRIBUTION_MAX_LENGTH } from '@tokenmeter/config';
import { ATTRIBUTION_BAGGAGE_KEYS } from '@tokenmeter/semconv';
import type { Attribution } from './call-record.js';
import { reportInternalError } from './internal-error.js';

/** tokenmeter.component of a failure to enter an attribution context. */
export const ATTRIBUTION_COMPONENT = 'attribution';

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
/** The process-wide defaults, shared by every copy of this module (the ESM and CJS builds). */
const DEFAULTS = Symbol.for('tokenmeter.attribution.defaults');
const slot = globalThis as { [DEFAULTS]?: Attribution | undefined };

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  return v === '' ? undefined : v.length > ATTRIBUTION_MAX_LENGTH ? v.slice(0, ATTRIBUTION_MAX_LENGTH) : v;
}

function isEmpty(a: Attribution): boolean {
  return a.feature === undefined && a.user === undefined && a.tenant === undefined;
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
  } catch (error) {
    reportInternalError(
      ATTRIBUTION_COMPONENT,
      'withAttribution could not enter its context; fn runs without it',
      error,
    );
    return fn();
  }
  return context.with(ctx, fn);
}

/**
 * Sets the service-wide attribution defaults (what a call gets where neither `withAttribution` nor
 * baggage names a value), for the whole process. TokenmeterInstrumentation calls it with its
 * `defaultAttribution` (env TOKENMETER_FEATURE, TOKENMETER_USER, TOKENMETER_TENANT).
 */
export function setAttributionDefaults(defaults: Attribution | undefined): void {
  const cleaned = defaults === undefined ? EMPTY : merge(EMPTY, defaults);
  slot[DEFAULTS] = isEmpty(cleaned) ? undefined : Object.freeze(cleaned);
}

/**
 * The attribution in effect in `ctx` (default: the active context): `withAttribution` values over
 * W3C baggage entries over the service-wide defaults. Returns an object not to be modified,
 * possibly empty.
 */
export function getAttribution(ctx: Context = context.active()): Attribution {
  const own = ctx.getValue(ATTRIBUTION_KEY) as Attribution | undefined;
  const defaults = slot[DEFAULTS];
  const bag = propagation.getBaggage(ctx);
  if (bag === undefined) {
    if (defaults === undefined) return own ?? EMPTY;
    return own === undefined ? defaults : merge(defaults, own);
  }
  const fromBag: Attribution = defaults === undefined ? {} : { ...defaults };
  const feature = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.feature)?.value);
  const user = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.user)?.value);
  const tenant = clean(bag.getEntry(ATTRIBUTION_BAGGAGE_KEYS.tenant)?.value);
  if (feature !== undefined) fromBag.feature = feature;
  if (user !== undefined) fromBag.user = user;
  if (tenant !== undefined) fromBag.tenant = tenant;
  if (own === undefined) return fromBag;
  return merge(fromBag, own);
}

/**
 * `ctx` with the attribution in effect in it written into its W3C baggage (the existing entries
 * kept), for a propagator to send to another service; `ctx` itself when there is nothing to add.
 */
export function attributionBaggage(ctx: Context): Context {
  const a = getAttribution(ctx);
  if (isEmpty(a)) return ctx;
  const bag = propagation.getBaggage(ctx);
  let next: Baggage | undefined;
  const put = (key: string, value: string | undefined) => {
    if (value === undefined || bag?.getEntry(key)?.value === value) return;
    next = (next ?? bag ?? propagation.createBaggage()).setEntry(key, { value });
  };
  put(ATTRIBUTION_BAGGAGE_KEYS.feature, a.feature);
  put(ATTRIBUTION_BAGGAGE_KEYS.user, a.user);
  put(ATTRIBUTION_BAGGAGE_KEYS.tenant, a.tenant);
  return next === undefined ? ctx : propagation.setBaggage(ctx, next);
}
