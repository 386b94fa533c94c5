// Parsers of budget values as people write them, on the command line (`--period rolling:24h`,
// `--route gpt-4o=gpt-4o-mini,claude-opus-4-1=claude-sonnet-4-5`, `--alert-at 50,80,100`) and in the
// budgets file. Each throws BudgetDefinitionError with what was wrong and what is accepted.
import {
  BUDGET_ACTIONS,
  type BudgetAction,
  type BudgetPeriod,
  checkTimeZone,
  isBudgetPeriod,
  MAX_ALERT_PERCENT,
  MAX_ROLLING_HOURS,
} from '@tokenmeter/store';
import { BudgetDefinitionError } from './errors/budget-definition-error.js';

const NANOS_PER_USD = 1_000_000_000;

export function parseBudgetPeriod(text: string): BudgetPeriod {
  const t = text.trim();
  if (isBudgetPeriod(t)) return t;
  throw new BudgetDefinitionError(
    `"${text}" is not a period: use day, week, month or rolling:<N>h (N hours, 1 to ${MAX_ROLLING_HOURS}), like rolling:24h`,
  );
}

export function parseBudgetAction(text: string): BudgetAction {
  const t = text.trim() as BudgetAction;
  if (BUDGET_ACTIONS.includes(t)) return t;
  throw new BudgetDefinitionError(`"${text}" is not an action: use ${BUDGET_ACTIONS.join(', ')}`);
}

/** `a=b,c=d` → `{ a: 'b', c: 'd' }` (model asked for = model sent instead). */
export function parseRoute(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const from = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    const to = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (from === '' || to === '')
      throw new BudgetDefinitionError(
        `"${part.trim()}" is not a route: write model=cheaper-model pairs separated by commas, like gpt-4o=gpt-4o-mini`,
      );
    checkRouteEntry(from, to, out);
    out[from] = to;
  }
  if (Object.keys(out).length === 0)
    throw new BudgetDefinitionError(
      'no route given: write model=cheaper-model pairs, like gpt-4o=gpt-4o-mini',
    );
  return out;
}

/** A route map from the budgets file: every value a model name. */
export function checkRoute(route: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(route)) {
    if (typeof to !== 'string' || to.trim() === '')
      throw new BudgetDefinitionError(`"${from}" must map to the name of the model to send instead`);
    checkRouteEntry(from, to.trim(), out);
    out[from] = to.trim();
  }
  return out;
}

function checkRouteEntry(from: string, to: string, seen: Record<string, string>): void {
  if (from === to) throw new BudgetDefinitionError(`"${from}" is routed to itself`);
  if (Object.hasOwn(seen, from))
    throw new BudgetDefinitionError(`"${from}" is routed twice (to ${seen[from]} and ${to})`);
}

/** `50,80,100` (percent of the limit) → `[50, 80, 100]`, sorted, without repeats. */
export function parseAlertAt(text: string | readonly unknown[]): number[] {
  const parts = typeof text === 'string' ? text.split(',').map((p) => p.trim()) : [...text];
  const out: number[] = [];
  for (const p of parts) {
    const n =
      typeof p === 'number'
        ? p
        : typeof p === 'string' && /^\d+(\.\d+)?%?$/.test(p)
          ? Number.parseFloat(p)
          : Number.NaN;
    if (!(n > 0 && n <= MAX_ALERT_PERCENT))
      throw new BudgetDefinitionError(
        `${JSON.stringify(p)} is not a percentage of the limit: use numbers above 0 and at most ${MAX_ALERT_PERCENT}, like 50,80,100`,
      );
    out.push(n);
  }
  if (out.length === 0) throw new BudgetDefinitionError('no threshold given: use percentages like 50,80,100');
  return [...new Set(out)].sort((a, b) => a - b);
}

/** A fraction from 0 to 1 (`0.8`). */
export function parseWarnAt(value: string | number): number {
  const n =
    typeof value === 'number'
      ? value
      : /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (n >= 0 && n <= 1) return n;
  throw new BudgetDefinitionError(`${JSON.stringify(value)} is not a fraction from 0 to 1, like 0.8`);
}

/**
 * A USD amount (`12`, `0.5`, `$1,234.56`, or a number from YAML) → exact nano-dollars above 0.
 * At most 9 decimals.
 */
export function parseUsdToNanos(value: string | number): number {
  const text = typeof value === 'number' ? numberText(value) : value;
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(t);
  const nanos = m ? Number(m[1]) * NANOS_PER_USD + Number((m[2] ?? '').padEnd(9, '0')) : Number.NaN;
  if (Number.isSafeInteger(nanos) && nanos > 0) return nanos;
  throw new BudgetDefinitionError(
    `${JSON.stringify(value)} is not an amount: expected USD above 0, like 50 or 12.5`,
  );
}

/** A number's decimal text (`1e-9` → `0.000000001`); '' when it has more than 9 decimals. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  const plain = String(n);
  if (!plain.includes('e')) return plain;
  const fixed = n.toFixed(9);
  return Number(fixed) === n ? fixed : '';
}

/** An IANA time zone this runtime knows. */
export function parseTimeZone(text: string): string {
  const t = text.trim();
  try {
    checkTimeZone(t);
    return t;
  } catch {
    throw new BudgetDefinitionError(
      `"${text}" is not a time zone: use an IANA name such as Europe/Paris or UTC`,
    );
  }
}
