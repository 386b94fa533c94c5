// What the provider says a period cost, per UTC day and model, from its organisation admin API:
// the cost report (money) and the usage report (tokens), read page after page and merged.
//
// Response shapes, from the providers' API references:
// - OpenAI (https://platform.openai.com/docs/api-reference/usage): GET /organization/costs
//   (`group_by=line_item`, `bucket_width=1d`, `limit` ≤ 180) → `{object:"page", data:[{object:"bucket",
//   start_time, end_time, results:[{object:"organization.costs.result", amount:{value, currency},
//   line_item, project_id}]}], has_more, next_page}`; amount.value is USD. GET
//   /organization/usage/completions (`group_by=model`, `bucket_width=1d`, `limit` ≤ 31) → buckets of
//   `{object:"organization.usage.completions.result", input_tokens (cached included),
//   input_cached_tokens, output_tokens, num_model_requests, model, ...}`. Pages go on with `page` =
//   the previous `next_page` while `has_more`. Line items name a model and a kind (`gpt-4o-2024-08-06,
//   input`); the part before the last comma is taken as the model.
// - Anthropic (https://docs.anthropic.com/en/api/admin-api/usage-cost/get-cost-report and
//   .../get-messages-usage-report): GET /v1/organizations/cost_report (`group_by[]=description`,
//   `bucket_width=1d`, `limit` ≤ 31) → `{data:[{starting_at, ending_at, results:[{amount, currency,
//   description, cost_type, model, token_type, service_tier, context_window, workspace_id}]}],
//   has_more, next_page}` where amount is a decimal string in cents ("123.45" = $1.2345); GET
//   /v1/organizations/usage_report/messages (`group_by[]=model`, `bucket_width=1d`) → results of
//   `{uncached_input_tokens, cache_read_input_tokens, cache_creation:{ephemeral_5m_input_tokens,
//   ephemeral_1h_input_tokens}, output_tokens, model, ...}`. Headers `x-api-key` and
//   `anthropic-version: 2023-06-01`.
import { CliError } from '../errors/cli-error.js';
import { decimalTimesPow10 } from '../format/money.js';
import { type AdminApi, getAllPages } from './admin-http.js';

export const RECONCILE_PROVIDERS = ['openai', 'anthropic'] as const;
export type ReconcileProvider = (typeof RECONCILE_PROVIDERS)[number];

/** One UTC day × model of the provider's report. Tokens follow the GenAI meaning (input includes cache). */
export interface BillRow {
  dayMs: number;
  /** The model as the provider names it; null for spend not tied to a model (web search, tools, ...). */
  model: string | null;
  costNanos: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  /** Requests counted by the provider (OpenAI); null when the report has no count (Anthropic). */
  requests: number | null;
}

export interface ProviderBill {
  provider: ReconcileProvider;
  baseUrl: string;
  rows: BillRow[];
  /** The endpoints read, for the JSON and the notes. */
  endpoints: string[];
}

const DAY_MS = 86_400_000;

/**
 * The settings of one provider's admin API, from the environment (SDK conventions for the base URL).
 * The provider SDKs' own variables, read the way the SDKs read them: not in tokenmeter's env table.
 */
export function adminApi(
  provider: ReconcileProvider,
  env: Record<string, string | undefined>,
  extra: Pick<AdminApi, 'fetch' | 'sleep'> = {},
): AdminApi {
  const keyVar = provider === 'openai' ? 'OPENAI_ADMIN_KEY' : 'ANTHROPIC_ADMIN_KEY';
  const baseVar = provider === 'openai' ? 'OPENAI_BASE_URL' : 'ANTHROPIC_BASE_URL';
  const key = env[keyVar]?.trim();
  if (!key)
    throw new CliError(
      `${keyVar} is not set: reconcile reads ${provider}'s organisation cost and usage reports with an admin key`,
      {
        hint:
          provider === 'openai'
            ? 'Create one at https://platform.openai.com/settings/organization/admin-keys (organisation owners), then export OPENAI_ADMIN_KEY=sk-admin-…'
            : 'Create one in the Console under Settings → Admin keys (organisation admins), then export ANTHROPIC_ADMIN_KEY=sk-ant-admin…',
      },
    );
  const base =
    env[baseVar]?.trim() ||
    (provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com');
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new CliError(`${baseVar}="${base}" is not a URL`, {
      hint: `Unset it, or set it to the API's base URL (${provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com'}) or a proxy's.`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`${baseVar}="${base}" is not an http(s) URL`);
  const headers: Record<string, string> =
    provider === 'openai'
      ? { authorization: `Bearer ${key}`, accept: 'application/json' }
      : { 'x-api-key': key, 'anthropic-version': '2023-06-01', accept: 'application/json' };
  return { provider, keyVar, baseVar, baseUrl: base.replace(/\/+$/, ''), headers, ...extra };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object') : [];

/** Merges rows of the same day and model. */
class Rows {
  private readonly byKey = new Map<string, BillRow>();
  at(dayMs: number, model: string | null): BillRow {
    const k = `${dayMs}\u0001${model ?? ''}`;
    let r = this.byKey.get(k);
    if (!r) {
      r = {
        dayMs,
        model,
        costNanos: 0,
        inputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 0,
        requests: null,
      };
      this.byKey.set(k, r);
    }
    return r;
  }
  all(): BillRow[] {
    return [...this.byKey.values()].sort(
      (a, b) => a.dayMs - b.dayMs || (a.model ?? '\uffff').localeCompare(b.model ?? '\uffff'),
    );
  }
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function badAmount(provider: string, path: string, v: unknown): never {
  throw new CliError(
    `${provider} admin API sent an amount that is not a number in ${path}: ${JSON.stringify(v)}`,
  );
}

/** `gpt-4o-2024-08-06, cached input` → `gpt-4o-2024-08-06`; no comma → the whole item. */
export function lineItemModel(item: string | null): string | null {
  if (item === null) return null;
  const i = item.lastIndexOf(',');
  return text(i < 0 ? item : item.slice(0, i));
}

async function openaiBill(api: AdminApi, sinceMs: number, untilMs: number): Promise<BillRow[]> {
  const rows = new Rows();
  const window = { start_time: String(sinceMs / 1000), end_time: String(untilMs / 1000), bucket_width: '1d' };
  const costs = await getAllPages(
    api,
    '/organization/costs',
    new URLSearchParams({ ...window, group_by: 'line_item', limit: '180' }),
  );
  for (const b of costs) {
    const day = dayOf(num(b.start_time) * 1000);
    for (const r of list(b.results ?? b.result)) {
      const amount = r.amount as { value?: unknown; currency?: unknown } | undefined;
      const currency = text(amount?.currency)?.toLowerCase() ?? 'usd';
      if (currency !== 'usd')
        throw new CliError(`openai costs are in ${currency.toUpperCase()}: reconcile compares USD only`);
      const nanos = decimalTimesPow10(amount?.value ?? 0, 9);
      if (nanos === undefined) badAmount('openai', '/organization/costs', amount?.value);
      rows.at(day, lineItemModel(text(r.line_item))).costNanos += nanos;
    }
  }
  const usage = await getAllPages(
    api,
    '/organization/usage/completions',
    new URLSearchParams({ ...window, group_by: 'model', limit: '31' }),
  );
  for (const b of usage) {
    const day = dayOf(num(b.start_time) * 1000);
    for (const r of list(b.results ?? b.result)) {
      const row = rows.at(day, text(r.model));
      row.inputTokens += num(r.input_tokens);
      row.cacheReadTokens += num(r.input_cached_tokens);
      row.outputTokens += num(r.output_tokens);
      row.requests = (row.requests ?? 0) + num(r.num_model_requests);
    }
  }
  return rows.all();
}

async function anthropicBill(api: AdminApi, sinceMs: number, untilMs: number): Promise<BillRow[]> {
  const rows = new Rows();
  const window = {
    starting_at: new Date(sinceMs).toISOString(),
    ending_at: new Date(untilMs).toISOString(),
    bucket_width: '1d',
    limit: '31',
  };
  const costs = await getAllPages(
    api,
    '/v1/organizations/cost_report',
    new URLSearchParams({ ...window, 'group_by[]': 'description' }),
  );
  for (const b of costs) {
    const day = dayOf(Date.parse(String(b.starting_at)));
    if (!Number.isFinite(day))
      throw new CliError(
        `anthropic cost report: a bucket without a valid starting_at (${String(b.starting_at)})`,
      );
    for (const r of list(b.results)) {
      const currency = text(r.currency)?.toUpperCase() ?? 'USD';
      if (currency !== 'USD')
        throw new CliError(`anthropic costs are in ${currency}: reconcile compares USD only`);
      // Amounts are cents, as decimal strings: × 10^7 gives nano-dollars.
      const nanos = decimalTimesPow10(r.amount ?? '0', 7);
      if (nanos === undefined) badAmount('anthropic', '/v1/organizations/cost_report', r.amount);
      rows.at(day, text(r.model)).costNanos += nanos;
    }
  }
  const usage = await getAllPages(
    api,
    '/v1/organizations/usage_report/messages',
    new URLSearchParams({ ...window, 'group_by[]': 'model' }),
  );
  for (const b of usage) {
    const day = dayOf(Date.parse(String(b.starting_at)));
    if (!Number.isFinite(day))
      throw new CliError(
        `anthropic usage report: a bucket without a valid starting_at (${String(b.starting_at)})`,
      );
    for (const r of list(b.results)) {
      const creation = (r.cache_creation ?? {}) as Record<string, unknown>;
      const write = num(creation.ephemeral_5m_input_tokens) + num(creation.ephemeral_1h_input_tokens);
      const read = num(r.cache_read_input_tokens);
      const row = rows.at(day, text(r.model));
      row.inputTokens += num(r.uncached_input_tokens) + read + write;
      row.cacheReadTokens += read;
      row.cacheWriteTokens += write;
      row.outputTokens += num(r.output_tokens);
    }
  }
  return rows.all();
}

/** The provider's cost and usage for [sinceMs, untilMs), both whole UTC days. */
export async function readProviderBill(
  api: AdminApi,
  provider: ReconcileProvider,
  sinceMs: number,
  untilMs: number,
): Promise<ProviderBill> {
  const rows =
    provider === 'openai'
      ? await openaiBill(api, sinceMs, untilMs)
      : await anthropicBill(api, sinceMs, untilMs);
  const endpoints =
    provider === 'openai'
      ? ['/organization/costs', '/organization/usage/completions']
      : ['/v1/organizations/cost_report', '/v1/organizations/usage_report/messages'];
  return { provider, baseUrl: api.baseUrl, rows, endpoints };
}
