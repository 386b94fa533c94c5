// The organisation admin endpoints (cost and usage reports) of OpenAI and Anthropic, over the mock's
// bill (billing.ts): daily buckets, `limit` buckets a page, `has_more` + `next_page` cursors, the
// admin key checked, and queued faults (429 with Retry-After, 5xx, a partial page).
import type { Billing } from '../billing.js';
import { type Ctx, header } from '../context.js';
import { errorResponse, sendError } from '../respond.js';

const DAY_MS = 86_400_000;

export type AdminReport =
  | 'openai.costs'
  | 'openai.usage.completions'
  | 'anthropic.cost_report'
  | 'anthropic.usage_report';

export const ADMIN_PATHS: Record<string, AdminReport> = {
  '/v1/organization/costs': 'openai.costs',
  '/v1/organization/usage/completions': 'openai.usage.completions',
  '/v1/organizations/cost_report': 'anthropic.cost_report',
  '/v1/organizations/usage_report/messages': 'anthropic.usage_report',
};

/** Every value of a query array parameter, written `name`, `name[]` or comma-separated. */
function many(q: URLSearchParams, name: string): string[] {
  return [...q.getAll(name), ...q.getAll(`${name}[]`)].flatMap((v) => v.split(',')).filter(Boolean);
}

/** Nano-dollars as Anthropic's cents decimal string: 123_450_000 → "12.345". */
function cents(nanos: number): string {
  const whole = Math.floor(nanos / 1e7);
  const frac = String(nanos % 1e7)
    .padStart(7, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

function json(ctx: Ctx, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  ctx.res.end(text);
}

function fail(ctx: Ctx, status: number, message: string, retryAfter?: number): void {
  const e = errorResponse(ctx, ctx.provider, status, message);
  if (retryAfter !== undefined) e.headers['retry-after'] = String(retryAfter);
  ctx.res.writeHead(e.status, e.headers);
  ctx.res.end(e.body);
}

/** The key the request carries: OpenAI's bearer token or Anthropic's x-api-key. */
function keyOf(ctx: Ctx): string | undefined {
  if (ctx.provider === 'anthropic') return header(ctx, 'x-api-key');
  const auth = header(ctx, 'authorization');
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}

export function adminReport(
  ctx: Ctx,
  report: AdminReport,
  billing: Billing,
  adminKey: string | undefined,
): void {
  const key = keyOf(ctx);
  if (!key || (adminKey !== undefined && key !== adminKey)) {
    fail(
      ctx,
      401,
      ctx.provider === 'openai'
        ? 'Incorrect API key provided. You must be an organization owner and use an admin key to access this endpoint.'
        : 'invalid x-api-key',
    );
    return;
  }
  const fault = billing.takeFault();
  if (fault && 'status' in fault) {
    fail(
      ctx,
      fault.status,
      fault.status === 429 ? 'Rate limit reached for admin requests.' : 'Internal server error (mock fault).',
      fault.retryAfterSeconds,
    );
    return;
  }
  const q = ctx.query;
  const openai = ctx.provider === 'openai';
  const startText = q.get(openai ? 'start_time' : 'starting_at');
  const endText = q.get(openai ? 'end_time' : 'ending_at');
  const parse = (t: string) => (openai ? Number(t) * 1000 : Date.parse(t));
  const since = startText === null ? Number.NaN : parse(startText);
  if (!Number.isFinite(since)) {
    sendError(ctx, 400, `${openai ? 'start_time' : 'starting_at'}: Field required`);
    return;
  }
  const until = endText === null ? Date.now() : parse(endText);
  const maxLimit = report === 'openai.costs' ? 180 : 31;
  const limit = Math.min(Math.max(1, Number(q.get('limit') ?? 7) || 7), maxLimit);
  const firstDay = Math.floor(since / DAY_MS) * DAY_MS;
  const page = q.get('page');
  const pageDay =
    page === null ? firstDay : Date.parse(Buffer.from(page.replace(/^page_/, ''), 'base64').toString('utf8'));
  if (!Number.isFinite(pageDay)) {
    sendError(ctx, 400, 'page: invalid page token');
    return;
  }
  const days: number[] = [];
  for (let d = pageDay; d < until && days.length < limit; d += DAY_MS) days.push(d);
  const next = days.length ? days[days.length - 1]! + DAY_MS : until;
  const hasMore = next < until;
  const grouped = many(q, 'group_by');
  const data = days.map((day) => bucket(report, billing, day, grouped));
  const nextPage = hasMore ? `page_${Buffer.from(new Date(next).toISOString()).toString('base64')}` : null;
  const partial = fault && 'partialPage' in fault;
  const body: Record<string, unknown> = openai ? { object: 'page', data } : { data };
  body.has_more = hasMore || partial === true;
  body.next_page = partial ? null : nextPage;
  json(ctx, body);
}

function bucket(
  report: AdminReport,
  billing: Billing,
  day: number,
  groupBy: string[],
): Record<string, unknown> {
  const provider = report.startsWith('openai') ? 'openai' : 'anthropic';
  const cells = billing.cellsOf(provider, day, day + DAY_MS);
  const results: Record<string, unknown>[] = [];
  if (report === 'openai.costs') {
    const byItem = groupBy.includes('line_item');
    let total = 0;
    for (const c of cells) {
      const cost = billing.costs(c);
      if (!cost) continue;
      const items: [string, number][] = [
        ['input', cost.uncached],
        ['cached input', cost.cacheRead],
        ['output', cost.output],
      ];
      for (const [kind, nanos] of items) {
        if (nanos === 0) continue;
        total += nanos;
        if (byItem)
          results.push({
            object: 'organization.costs.result',
            amount: { value: nanos / 1e9, currency: 'usd' },
            line_item: `${c.model}, ${kind}`,
            project_id: null,
          });
      }
    }
    if (!byItem && total > 0)
      results.push({
        object: 'organization.costs.result',
        amount: { value: total / 1e9, currency: 'usd' },
        line_item: null,
        project_id: null,
      });
    return { object: 'bucket', start_time: day / 1000, end_time: (day + DAY_MS) / 1000, results };
  }
  if (report === 'openai.usage.completions') {
    const byModel = groupBy.includes('model');
    const rows = new Map<string, Record<string, unknown>>();
    for (const c of cells) {
      if (c.operation !== 'chat') continue; // embeddings have a usage report of their own
      const k = byModel ? c.model : '';
      const r = rows.get(k) ?? {
        object: 'organization.usage.completions.result',
        input_tokens: 0,
        output_tokens: 0,
        input_cached_tokens: 0,
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        num_model_requests: 0,
        project_id: null,
        user_id: null,
        api_key_id: null,
        model: byModel ? c.model : null,
        batch: null,
        service_tier: null,
      };
      (r.input_tokens as number) += c.uncached + c.cacheRead + c.cacheWrite;
      (r.input_cached_tokens as number) += c.cacheRead;
      (r.output_tokens as number) += c.output;
      (r.num_model_requests as number) += c.requests;
      rows.set(k, r);
    }
    results.push(...rows.values());
    return { object: 'bucket', start_time: day / 1000, end_time: (day + DAY_MS) / 1000, results };
  }
  const range = { starting_at: new Date(day).toISOString(), ending_at: new Date(day + DAY_MS).toISOString() };
  if (report === 'anthropic.cost_report') {
    const byDescription = groupBy.includes('description');
    let total = 0;
    for (const c of cells) {
      const cost = billing.costs(c);
      if (!cost) continue;
      const items: [string, string, number][] = [
        ['uncached_input_tokens', 'Input Tokens', cost.uncached],
        ['cache_read_input_tokens', 'Cache Read', cost.cacheRead],
        ['cache_creation.ephemeral_5m_input_tokens', 'Cache Write', cost.cacheWrite],
        ['output_tokens', 'Output Tokens', cost.output],
      ];
      for (const [tokenType, label, nanos] of items) {
        if (nanos === 0) continue;
        total += nanos;
        if (byDescription)
          results.push({
            amount: cents(nanos),
            currency: 'USD',
            description: `${c.model} Usage - ${label}`,
            cost_type: 'tokens',
            context_window: '0-200k',
            model: c.model,
            service_tier: 'standard',
            token_type: tokenType,
            workspace_id: null,
          });
      }
    }
    if (!byDescription && total > 0)
      results.push({
        amount: cents(total),
        currency: 'USD',
        description: null,
        cost_type: null,
        context_window: null,
        model: null,
        service_tier: null,
        token_type: null,
        workspace_id: null,
      });
    return { ...range, results };
  }
  const byModel = groupBy.includes('model');
  const rows = new Map<string, Record<string, unknown>>();
  for (const c of cells) {
    const k = byModel ? c.model : '';
    const r = rows.get(k) ?? {
      uncached_input_tokens: 0,
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
      cache_read_input_tokens: 0,
      output_tokens: 0,
      server_tool_use: { web_search_requests: 0 },
      api_key_id: null,
      workspace_id: null,
      model: byModel ? c.model : null,
      service_tier: null,
      context_window: null,
    };
    (r.uncached_input_tokens as number) += c.uncached;
    (r.cache_creation as Record<string, number>).ephemeral_5m_input_tokens! += c.cacheWrite;
    (r.cache_read_input_tokens as number) += c.cacheRead;
    (r.output_tokens as number) += c.output;
    rows.set(k, r);
  }
  results.push(...rows.values());
  return { ...range, results };
}
