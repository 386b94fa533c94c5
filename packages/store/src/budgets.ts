// The budgets table: definitions set with `tokenmeter budget set` (scope, period, limit, action, route,
// alert thresholds), their ledger key, and their status (spend and reservations in the current
// period). Values from the caller are validated here and bound as parameters.

import { budgetWindow, checkBudgetPeriod, rollingHours } from './budget-period.js';
import type { Database } from './driver/index.js';
import { StoreQueryError } from './errors/store-query-error.js';
import { checkTimeZone, HOUR_MS } from './time.js';
import type {
  Budget,
  BudgetAction,
  BudgetInput,
  BudgetLedgerStore,
  BudgetPeriod,
  BudgetScope,
  BudgetStatus,
  Nanos,
  SpendScope,
} from './types.js';

export const BUDGET_ACTIONS: readonly BudgetAction[] = ['warn', 'block', 'route-cheap'];
/** The scope fields of a budget, in the order of its ledger key. */
export const BUDGET_SCOPE_FIELDS = ['provider', 'model', 'feature', 'user', 'tenant', 'service'] as const;
export const DEFAULT_WARN_AT = 0.8;
/** Highest alert threshold accepted, in percent of the limit. */
export const MAX_ALERT_PERCENT = 1000;

interface BudgetRow {
  id: number;
  name: string;
  period: BudgetPeriod;
  limit_nanos: number;
  provider: string;
  model: string;
  feature: string;
  user: string;
  tenant: string;
  service: string;
  time_zone: string;
  action: BudgetAction;
  route: string;
  alert_at: string;
  warn_at: number;
}

/** Thresholds used when a budget names none: the warning fraction, then the limit. */
export function defaultAlertAt(warnAt: number): number[] {
  const w = Math.round(warnAt * 100);
  return w > 0 && w < 100 ? [w, 100] : [100];
}

function parseJson<T>(text: string, fallback: T): T {
  if (text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toBudget(r: BudgetRow): Budget {
  return {
    id: r.id,
    name: r.name || null,
    period: r.period,
    limitNanos: r.limit_nanos,
    provider: r.provider || null,
    model: r.model || null,
    feature: r.feature || null,
    user: r.user || null,
    tenant: r.tenant || null,
    service: r.service || null,
    timeZone: r.time_zone || null,
    action: r.action,
    route: parseJson<Record<string, string>>(r.route, {}),
    alertAt: parseJson<number[]>(r.alert_at, defaultAlertAt(r.warn_at)),
    warnAt: r.warn_at,
  };
}

/**
 * The ledger key of a budget: its period, time zone (calendar periods) and scope. Limit, name and
 * action are not part of it, so changing them keeps the spend counted so far. Processes and hosts
 * that share a ledger and define the same budget share its counters.
 * @param defaultTimeZone the zone of a calendar budget without one (the machine's).
 */
export function budgetKey(
  b: BudgetScope & { period: BudgetPeriod; timeZone: string | null },
  defaultTimeZone: string,
): string {
  const tz = rollingHours(b.period) === undefined ? (b.timeZone ?? defaultTimeZone) : '';
  return JSON.stringify([b.period, tz, ...BUDGET_SCOPE_FIELDS.map((f) => b[f] ?? '')]);
}

/** The scope of a budget as a store filter. */
export function spendScope(b: BudgetScope): SpendScope {
  const s: SpendScope = {};
  for (const f of BUDGET_SCOPE_FIELDS) {
    const v = b[f];
    if (v !== null) s[f] = v;
  }
  return s;
}

function optionalText(name: string, v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string') throw new StoreQueryError(`${name} must be a string`);
  return v === '' ? null : v;
}

function checkRoute(route: unknown): Record<string, string> {
  if (typeof route !== 'object' || route === null || Array.isArray(route))
    throw new StoreQueryError('route must be an object mapping a model to a cheaper one');
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(route)) {
    if (from === '' || typeof to !== 'string' || to === '')
      throw new StoreQueryError(`route: "${from}" must map to a model name`);
    if (to === from) throw new StoreQueryError(`route: "${from}" is routed to itself`);
    out[from] = to;
  }
  return out;
}

function checkAlertAt(alertAt: unknown): number[] {
  if (!Array.isArray(alertAt) || alertAt.length === 0)
    throw new StoreQueryError('alertAt must be a list of percentages, like [50, 80, 100]');
  for (const p of alertAt) {
    if (typeof p !== 'number' || !(p > 0) || !(p <= MAX_ALERT_PERCENT))
      throw new StoreQueryError(
        `alertAt: ${String(p)} is not a percentage above 0 and at most ${MAX_ALERT_PERCENT}`,
      );
  }
  return [...new Set(alertAt as number[])].sort((a, b) => a - b);
}

interface CheckedInput {
  period: BudgetPeriod;
  limit: number;
  scope: Record<(typeof BUDGET_SCOPE_FIELDS)[number], string>;
  name: string | null | undefined;
  timeZone: string | null | undefined;
  action: BudgetAction | undefined;
  route: string | undefined;
  alertAt: string | undefined;
  warnAt: number | undefined;
}

/** Validates a BudgetInput; throws StoreQueryError naming the field. */
export function checkBudgetInput(input: BudgetInput): CheckedInput {
  if (!input || typeof input !== 'object') throw new StoreQueryError('a budget must be an object');
  const period = checkBudgetPeriod(input.period);
  if (!Number.isSafeInteger(input.limitNanos) || input.limitNanos <= 0) {
    throw new StoreQueryError(`limitNanos must be a positive integer, got ${String(input.limitNanos)}`);
  }
  if (
    input.warnAt !== undefined &&
    (typeof input.warnAt !== 'number' || !(input.warnAt >= 0) || !(input.warnAt <= 1))
  ) {
    throw new StoreQueryError(`warnAt must be a fraction from 0 to 1, got ${String(input.warnAt)}`);
  }
  const scope = {} as CheckedInput['scope'];
  for (const f of BUDGET_SCOPE_FIELDS) scope[f] = optionalText(f, input[f]) ?? '';
  const timeZone = optionalText('timeZone', input.timeZone);
  if (timeZone) checkTimeZone(timeZone);
  if (input.action !== undefined && !BUDGET_ACTIONS.includes(input.action))
    throw new StoreQueryError(
      `action must be one of ${BUDGET_ACTIONS.join(', ')}; got "${String(input.action)}"`,
    );
  const route = input.route === undefined ? undefined : checkRoute(input.route);
  if (input.action === 'route-cheap' && route !== undefined && Object.keys(route).length === 0)
    throw new StoreQueryError('route-cheap needs a route: which model to send instead of which');
  return {
    period,
    limit: input.limitNanos,
    scope,
    name: optionalText('name', input.name),
    timeZone,
    action: input.action,
    route: route === undefined ? undefined : JSON.stringify(route),
    alertAt: input.alertAt === undefined ? undefined : JSON.stringify(checkAlertAt(input.alertAt)),
    warnAt: input.warnAt,
  };
}

const UPSERT =
  'INSERT INTO budgets (name, period, limit_nanos, provider, model, feature, user, tenant, service, ' +
  "time_zone, action, route, alert_at, warn_at, created_ms) VALUES (ifnull(@name, ''), @period, @limit, " +
  "@provider, @model, @feature, @user, @tenant, @service, ifnull(@timeZone, ''), ifnull(@action, 'warn'), " +
  "ifnull(@route, '{}'), ifnull(@alertAt, ''), ifnull(@warnAt, 0.8), @now) " +
  'ON CONFLICT (period, provider, model, feature, user, tenant, service) DO UPDATE SET ' +
  'limit_nanos = excluded.limit_nanos, name = ifnull(@name, budgets.name), ' +
  'time_zone = ifnull(@timeZone, budgets.time_zone), action = ifnull(@action, budgets.action), ' +
  'route = ifnull(@route, budgets.route), alert_at = ifnull(@alertAt, budgets.alert_at), ' +
  'warn_at = ifnull(@warnAt, budgets.warn_at) RETURNING *';

/** Creates the budget, or updates the one with the same period and scope. */
export function upsertBudget(db: Database, input: BudgetInput): Budget {
  const c = checkBudgetInput(input);
  return db.transaction(() => upsertChecked(db, c))();
}

function upsertChecked(db: Database, c: CheckedInput): Budget {
  const row = db.prepare(UPSERT).get({
    ...c.scope,
    // An explicit null clears the name / zone on update; undefined keeps them.
    name: c.name === null ? '' : (c.name ?? null),
    period: c.period,
    limit: c.limit,
    timeZone: c.timeZone === null ? '' : (c.timeZone ?? null),
    action: c.action ?? null,
    route: c.route ?? null,
    alertAt: c.alertAt ?? null,
    warnAt: c.warnAt ?? null,
    now: Date.now(),
  }) as BudgetRow;
  if (row.action === 'route-cheap' && row.route === '{}') {
    // A stored budget must be usable: roll back, and say what is missing.
    throw new StoreQueryError('route-cheap needs a route: which model to send instead of which');
  }
  return toBudget(row);
}

export function selectBudgets(db: Database): Budget[] {
  return (db.prepare('SELECT * FROM budgets ORDER BY id').all() as BudgetRow[]).map(toBudget);
}

export function deleteBudget(db: Database, id: number): boolean {
  return db.prepare('DELETE FROM budgets WHERE id = ?').run(id).changes > 0;
}

/** The spend, reservations, projection and state of one budget at `nowMs`. */
export function statusOf(
  b: Budget,
  nowMs: number,
  defaultTimeZone: string,
  spend: (scope: SpendScope, since: number, until: number) => Nanos,
  ledger: BudgetLedgerStore | undefined,
): BudgetStatus {
  const tz = b.timeZone ?? defaultTimeZone;
  const { startMs, endMs } = budgetWindow(b.period, nowMs, tz);
  const spent = spend(spendScope(b), startMs, endMs);
  const reserved = ledger ? ledger.reserved(budgetKey(b, defaultTimeZone), startMs, endMs, nowMs) : 0;
  let projected = spent;
  if (rollingHours(b.period) === undefined) {
    // Linear projection of the spend so far over the whole period. The elapsed time is taken as at
    // least one hour, so a few cents in the first minutes do not project to absurd amounts.
    const length = endMs - startMs;
    const elapsed = Math.min(length, Math.max(nowMs - startMs, Math.min(HOUR_MS, length)));
    projected = Math.max(spent, Math.round((spent * length) / elapsed));
  }
  const state = spent >= b.limitNanos ? 'exceeded' : spent >= b.warnAt * b.limitNanos ? 'warning' : 'ok';
  return {
    ...b,
    periodStartMs: startMs,
    periodEndMs: endMs,
    spentNanos: spent,
    reservedNanos: reserved,
    projectedNanos: projected,
    state,
  };
}
