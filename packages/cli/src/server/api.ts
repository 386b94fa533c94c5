// The REST API of `tokenmeter serve` (all GET, JSON unless said otherwise). Every query parameter
// is validated: an unknown one, a repeated one or a bad value is a 400 naming the parameter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANOMALY_DEFAULTS, budgetOutlook, seasonalForecast } from '@tokenmeter/alerts';
import { type BudgetDefinition, listBudgets } from '@tokenmeter/budgets';
import { type CostStore, StoreError } from '@tokenmeter/store';
import { alertToJson } from '../alerting/json.js';
import { ParamError } from '../errors/param-error.js';
import { callToCsv, callToJsonLine, csvHeader } from '../query/export.js';
import { canForecast, summaryForecast } from '../query/forecast.js';
import { budgetOutlookToJson, callToJson, summaryToJson } from '../query/json.js';
import { getCall } from '../query/lookup.js';
import {
  type ParamSource,
  parseCallFilter,
  parseCursor,
  parseFilter,
  parseFlag,
  parseIntParam,
  parseSummaryParams,
  parseTimeZone,
} from '../query/params.js';
import { formatDate, parseInstant, TIME_HINT } from '../query/time.js';
import { drained, sendError, sendJson } from './http.js';
import { RECONCILE_PARAMS, reconcileEndpoint } from './reconcile-api.js';
import type { SseHub } from './sse.js';

export interface ApiContext {
  store: CostStore;
  now: () => number;
  hub: SseHub;
  /** Budgets of the budgets file, listed after the store's. */
  fileBudgets: readonly BudgetDefinition[];
  pollMs: number;
  heartbeatMs: number;
  maxStreams: number;
  /** Where /v1/reconcile reads the admin keys and base URLs (the server's environment). */
  env: Record<string, string | undefined>;
}

const TIME = ['since', 'until', 'period', 'tz'];
const FILTERS = [
  'provider',
  'model',
  'feature',
  'user',
  'tenant',
  'service',
  'minCost',
  'errors',
  'estimated',
  'unpriced',
  'batch',
];

/** Allowed parameters per endpoint. */
export const ENDPOINT_PARAMS: Record<string, string[]> = {
  sessions: [...TIME, ...FILTERS, 'limit', 'cursor'],
  session: [],
  summary: [...TIME, ...FILTERS, 'groupBy', 'limit', 'forecast', 'source'],
  export: [...TIME, ...FILTERS, 'format'],
  stream: [...FILTERS, 'after'],
  budgets: ['tz'],
  alerts: ['since', 'state', 'limit', 'tz'],
  alert: [],
  health: [],
  metrics: [],
  reconcile: RECONCILE_PARAMS,
};

/** Checks names (unknown, repeated) and returns a reader by name. */
export function paramSource(url: URL, allowed: readonly string[]): ParamSource {
  const seen = new Set<string>();
  for (const [name] of url.searchParams) {
    if (!allowed.includes(name)) {
      const list = allowed.length ? `accepted: ${allowed.join(', ')}` : 'this endpoint takes no parameters';
      throw new ParamError(name, `unknown parameter "${name}" (${list})`, 'unknown_parameter');
    }
    if (seen.has(name)) throw new ParamError(name, `parameter "${name}" is given more than once`);
    seen.add(name);
  }
  return (name: string) => url.searchParams.get(name) ?? undefined;
}

/** The 422 of a query whose sums are beyond what a JSON number carries exactly (StoreError out_of_range). */
const AMOUNT_OUT_OF_RANGE =
  'a sum is beyond 9,007,199 USD (2^53 nano-USD; or a count beyond 2^53), more than tokenmeter gives exactly in one figure. Ask for a shorter period (since/until, or period=today or week) or a narrower filter (provider, model, feature, user, tenant, service).';

/** Maps an error to an API error response. Returns false when it is not one of ours (a 500). */
export function sendApiError(req: IncomingMessage, res: ServerResponse, e: unknown): boolean {
  if (e instanceof ParamError) {
    sendError(req, res, 400, e.code, e.message, e.parameter);
    return true;
  }
  if (e instanceof Error && e.name === 'StoreQueryError') {
    const parameter = /cursor/i.test(e.message) ? 'cursor' : /time zone/i.test(e.message) ? 'tz' : undefined;
    sendError(req, res, 400, 'invalid_parameter', e.message, parameter);
    return true;
  }
  if (e instanceof StoreError && e.kind === 'out_of_range') {
    sendError(req, res, 422, 'amount_out_of_range', AMOUNT_OUT_OF_RANGE);
    return true;
  }
  if (e instanceof StoreError) {
    sendError(req, res, 503, 'store_unavailable', e.message);
    return true;
  }
  return false;
}

function sessions(ctx: ApiContext, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const get = paramSource(url, ENDPOINT_PARAMS.sessions!);
  const { filter } = parseCallFilter(get, ctx.now());
  const limit = parseIntParam(get, 'limit', 50, 1, 1000)!;
  const cursor = parseCursor(get);
  const page = ctx.store.calls({ ...filter, limit, ...(cursor ? { cursor } : {}) });
  sendJson(req, res, 200, { calls: page.calls.map(callToJson), nextCursor: page.nextCursor });
}

function session(ctx: ApiContext, url: URL, id: string, req: IncomingMessage, res: ServerResponse): void {
  paramSource(url, ENDPOINT_PARAMS.session!);
  if (!/^\d{1,15}$/.test(id) || Number(id) < 1)
    throw new ParamError('id', `"${id}" is not a call id (a positive whole number)`);
  const row = getCall(ctx.store, Number(id));
  if (!row) {
    sendError(req, res, 404, 'not_found', `no call with id ${id}`);
    return;
  }
  sendJson(req, res, 200, callToJson(row));
}

function summary(ctx: ApiContext, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const get = paramSource(url, ENDPOINT_PARAMS.summary!);
  const now = ctx.now();
  const params = parseSummaryParams(get, now, { period: 'month' });
  const forecast = parseFlag(get, 'forecast') === true;
  if (forecast && !canForecast(params))
    throw new ParamError(
      'forecast',
      'forecast is of a period: use period=today, week or month (the default), not since/until',
    );
  const result = ctx.store.summary({
    ...params.filter,
    ...(params.groupBy ? { groupBy: params.groupBy } : {}),
    timeZone: params.range.timeZone,
    ...(params.limit !== undefined ? { limit: params.limit } : {}),
    costSource: params.costSource,
  });
  const json = summaryToJson(result, params);
  sendJson(
    req,
    res,
    200,
    forecast ? { ...json, forecast: summaryForecast(ctx.store, params, result, now) } : json,
  );
}

async function exportCalls(
  ctx: ApiContext,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const get = paramSource(url, ENDPOINT_PARAMS.export!);
  const format = get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json')
    throw new ParamError('format', `"${format}" is not an export format: use csv or json`);
  const { filter, range } = parseCallFilter(get, ctx.now());
  const iter = ctx.store.exportCalls(filter);
  const day = formatDate(ctx.now(), range.timeZone);
  res.statusCode = 200;
  res.setHeader(
    'Content-Type',
    format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
  );
  res.setHeader('Content-Disposition', `attachment; filename="tokenmeter-calls-${day}.${format}"`);
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  let first = true;
  let chunk = format === 'csv' ? csvHeader() : '[';
  for (const row of iter) {
    if (closed) break;
    if (format === 'csv') chunk += callToCsv(row);
    else {
      chunk += `${first ? '\n' : ',\n'}${callToJsonLine(row)}`;
      first = false;
    }
    if (chunk.length >= 64 * 1024) {
      const ok = res.write(chunk);
      chunk = '';
      if (!ok) await drained(res);
    }
  }
  if (closed) {
    iter.return?.();
    return;
  }
  if (format === 'json') chunk += first ? ']\n' : '\n]\n';
  res.end(chunk);
}

function stream(ctx: ApiContext, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const get = paramSource(url, ENDPOINT_PARAMS.stream!);
  const filter = parseFilter(get);
  const afterText = get('after') ?? (req.headers['last-event-id'] as string | undefined);
  let afterId: number | undefined;
  if (afterText !== undefined) {
    if (!/^\d{1,15}$/.test(afterText)) throw new ParamError('after', `"${afterText}" is not a call id`);
    afterId = Number(afterText);
  }
  if (ctx.hub.size >= ctx.maxStreams) {
    sendError(req, res, 503, 'too_many_streams', `at most ${ctx.maxStreams} live streams at once`);
    return;
  }
  ctx.hub.open(req, res, ctx.store, { pollMs: ctx.pollMs, heartbeatMs: ctx.heartbeatMs, filter, afterId });
}

function budgets(ctx: ApiContext, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const get = paramSource(url, ENDPOINT_PARAMS.budgets!);
  const tz = parseTimeZone(get);
  const now = ctx.now();
  const outlooks = listBudgets(ctx.store, { timeZone: tz, file: ctx.fileBudgets }).map((b) =>
    budgetOutlook(ctx.store, b, now, seasonalForecast, ANOMALY_DEFAULTS.burn.recentWindowMs),
  );
  sendJson(req, res, 200, {
    timeZone: tz,
    exceeded: outlooks.some((o) => o.state === 'exceeded'),
    budgets: outlooks.map(budgetOutlookToJson),
  });
}

function alerts(ctx: ApiContext, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const get = paramSource(url, ENDPOINT_PARAMS.alerts!);
  const timeZone = parseTimeZone(get);
  const sinceText = get('since') ?? '7d';
  const since = parseInstant(sinceText, { now: ctx.now(), timeZone });
  if (since === undefined) throw new ParamError('since', `"${sinceText}": ${TIME_HINT}`);
  const state = get('state');
  if (state !== undefined && state !== 'firing' && state !== 'resolved')
    throw new ParamError('state', `"${state}" is not a state: use firing or resolved`);
  const limit = parseIntParam(get, 'limit', 100, 1, 1000)!;
  const sinks = ctx.store.alerts.listSinks();
  const log = ctx.store.alerts.log({ since, limit, ...(state ? { state } : {}) });
  sendJson(req, res, 200, {
    since: new Date(since).toISOString(),
    firing: ctx.store.alerts.firing().length,
    alerts: log.map((a) => alertToJson(a, ctx.store.alerts, sinks)),
  });
}

function alert(ctx: ApiContext, url: URL, id: string, req: IncomingMessage, res: ServerResponse): void {
  paramSource(url, ENDPOINT_PARAMS.alert!);
  if (!/^\d{1,15}$/.test(id) || Number(id) < 1)
    throw new ParamError('id', `"${id}" is not an alert id (a positive whole number)`);
  const a = ctx.store.alerts.getAlert(Number(id));
  if (!a) {
    sendError(req, res, 404, 'not_found', `no alert with id ${id}`);
    return;
  }
  sendJson(req, res, 200, alertToJson(a, ctx.store.alerts, ctx.store.alerts.listSinks()));
}

/** Handles /v1/... Returns false when no route matched. */
export async function handleApi(
  ctx: ApiContext,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const p = url.pathname;
  if (p === '/v1/telemetry/sessions') sessions(ctx, url, req, res);
  else if (p.startsWith('/v1/telemetry/sessions/'))
    session(ctx, url, decodeURIComponent(p.slice(23)), req, res);
  else if (p === '/v1/telemetry/summary') summary(ctx, url, req, res);
  else if (p === '/v1/telemetry/export') await exportCalls(ctx, url, req, res);
  else if (p === '/v1/telemetry/stream') stream(ctx, url, req, res);
  else if (p === '/v1/budgets') budgets(ctx, url, req, res);
  else if (p === '/v1/alerts') alerts(ctx, url, req, res);
  else if (p.startsWith('/v1/alerts/')) alert(ctx, url, decodeURIComponent(p.slice(11)), req, res);
  else if (p === '/v1/reconcile')
    await reconcileEndpoint(ctx, paramSource(url, ENDPOINT_PARAMS.reconcile!), url, req, res);
  else return false;
  return true;
}
