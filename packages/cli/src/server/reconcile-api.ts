// GET /v1/reconcile: `tokenmeter reconcile` for the dashboard. It runs only when asked (never at
// start-up), reads the provider's admin reports with the key in the server's environment (the key
// never reaches the browser), and answers the same JSON as `reconcile --json`. One run at a time per
// query: a second identical request while one is running shares its answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CliError } from '../errors/cli-error.js';
import { ParamError } from '../errors/param-error.js';
import type { AdminApi } from '../money/admin-http.js';
import { adminApi, RECONCILE_PROVIDERS, type ReconcileProvider } from '../money/provider-bill.js';
import type { ReconcileBy } from '../money/reconcile.js';
import { reconcileJson } from '../money/reconcile-json.js';
import { reconcileRange, runReconcile } from '../money/reconcile-period.js';
import type { ApiContext } from './api.js';
import { sendError, sendJson } from './http.js';

export const RECONCILE_PARAMS = ['provider', 'since', 'until', 'period', 'tz', 'by'];

type Params = (name: string) => string | undefined;

/** Runs in flight per server, by query. */
const inFlight = new WeakMap<ApiContext, Map<string, Promise<unknown>>>();

export async function reconcileEndpoint(
  ctx: ApiContext,
  get: Params,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const provider = get('provider');
  if (provider === undefined) throw new ParamError('provider', 'required: openai or anthropic');
  if (!(RECONCILE_PROVIDERS as readonly string[]).includes(provider))
    throw new ParamError(
      'provider',
      `"${provider}" has no admin cost API tokenmeter reads: use openai or anthropic`,
    );
  const byText = get('by') ?? 'day';
  if (!['day', 'model', 'day-model'].includes(byText))
    throw new ParamError('by', `"${byText}" is not a breakdown here: use day, model or day-model`);
  const range = reconcileRange(get, ctx.now());
  let api: AdminApi;
  try {
    api = adminApi(provider as ReconcileProvider, ctx.env);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    sendError(req, res, 503, 'not_configured', `${e.message}. ${e.hint ?? ''}`.trim());
    return;
  }
  const key = url.search;
  const runs = inFlight.get(ctx) ?? new Map<string, Promise<unknown>>();
  inFlight.set(ctx, runs);
  let pending = runs.get(key);
  if (!pending) {
    pending = runReconcile(api, provider as ReconcileProvider, range, byText as ReconcileBy, ctx.store)
      .then((run) => reconcileJson(run, null))
      .finally(() => runs.delete(key));
    runs.set(key, pending);
  }
  try {
    sendJson(req, res, 200, await pending);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    sendError(req, res, 502, 'provider_error', e.message);
  }
}
