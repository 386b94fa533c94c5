// GET of a provider's organisation admin API (cost and usage reports), page after page, with the
// failures a person can act on as one line each: a missing key, a refused key (401/403), rate limits
// (429, retried with backoff and Retry-After), a server error, an unreadable page. Only
// `tokenmeter reconcile` (and serve's reconciliation endpoint, when asked) calls it.
import { CliError } from '../errors/cli-error.js';

export interface AdminApi {
  /** `openai` or `anthropic`, for messages. */
  provider: string;
  /** The environment variable that holds the key, for messages. */
  keyVar: string;
  /** The base URL variable and its value, for messages. */
  baseVar: string;
  baseUrl: string;
  headers: Record<string, string>;
  fetch?: typeof fetch;
  /** Waits between retries (tests pass a fast one). Default: real time. */
  sleep?: (ms: number) => Promise<void>;
}

/** How often a 429 or 5xx is retried, and the longest wait between tries. */
export const MAX_RETRIES = 4;
const MAX_WAIT_MS = 30_000;
const TIMEOUT_MS = 30_000;
/** A report longer than this many pages is cut, with a line saying so. */
export const MAX_PAGES = 200;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The wait a Retry-After header asks for (seconds or an HTTP date), capped; undefined without one. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, MAX_WAIT_MS);
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.min(Math.max(0, t - now), MAX_WAIT_MS) : undefined;
}

/** The provider's own error message from an error body, if it has one. */
function providerMessage(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'object' ? j.error?.message : (j.error ?? j.message);
    return typeof m === 'string' && m.trim() !== '' ? m.trim().slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** One GET, retried on 429/5xx; returns the parsed JSON object or throws a CliError of one line. */
async function getJson(
  api: AdminApi,
  path: string,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  const url = `${api.baseUrl.replace(/\/+$/, '')}${path}?${query}`;
  const doFetch = api.fetch ?? fetch;
  const sleep = api.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(url, { headers: api.headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      const why =
        (e as Error).name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : (e as Error).message;
      throw new CliError(`${api.provider} admin API at ${api.baseUrl} could not be reached: ${why}`, {
        hint: `Check the network, or ${api.baseVar} if you point it at a proxy.`,
        cause: e,
      });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      const said = providerMessage(text);
      throw new CliError(
        `${api.provider} refused ${api.keyVar} (HTTP ${res.status}${said ? `: ${said}` : ''})`,
        {
          hint: `${api.keyVar} must be an organisation admin key (${api.provider === 'openai' ? 'sk-admin-…, made by an organisation owner' : 'sk-ant-admin…, made by an organisation admin in the Console'}), not a project or API key.`,
        },
      );
    }
    if (res.status === 429 || res.status >= 500) {
      if (attempt < MAX_RETRIES) {
        const wait =
          retryAfterMs(res.headers.get('retry-after'), Date.now()) ?? Math.min(500 * 2 ** attempt, 8_000);
        await sleep(wait);
        continue;
      }
      const said = providerMessage(text);
      throw new CliError(
        `${api.provider} admin API answered HTTP ${res.status} ${MAX_RETRIES + 1} times${said ? ` (${said})` : ''}; gave up`,
        {
          hint:
            res.status === 429
              ? 'The admin API is rate limited: try again in a minute, or a shorter period (--since).'
              : 'The provider has a problem: try again later.',
        },
      );
    }
    if (!res.ok) {
      const said = providerMessage(text);
      throw new CliError(
        `${api.provider} admin API answered HTTP ${res.status} to ${path}${said ? `: ${said}` : ''}`,
      );
    }
    try {
      const j = JSON.parse(text) as unknown;
      if (j && typeof j === 'object' && !Array.isArray(j)) return j as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new CliError(
      `${api.provider} admin API sent a page of ${path} that is not JSON (${text.length} bytes)`,
      {
        hint: `Is ${api.baseVar}=${api.baseUrl} the provider's API (or a proxy that passes it through)?`,
      },
    );
  }
}

/**
 * Every bucket of a paginated report (`data` + `has_more` + `next_page`, the shape both providers
 * use), following `page` until `has_more` is false. A page that says there is more but gives no
 * cursor, or a page without `data`, is a partial report: an error, never a silent short total.
 */
export async function getAllPages(
  api: AdminApi,
  path: string,
  query: URLSearchParams,
): Promise<Record<string, unknown>[]> {
  const buckets: Record<string, unknown>[] = [];
  let page: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const q = new URLSearchParams(query);
    if (page !== undefined) q.set('page', page);
    const body = await getJson(api, path, q);
    if (!Array.isArray(body.data))
      throw new CliError(
        `${api.provider} admin API sent a partial page of ${path} (no "data" array, page ${n + 1}): the report would be incomplete`,
        { hint: 'Try again; if it persists, the API changed shape: please report it.' },
      );
    for (const b of body.data) if (b && typeof b === 'object') buckets.push(b as Record<string, unknown>);
    if (body.has_more !== true) return buckets;
    if (typeof body.next_page !== 'string' || body.next_page === '')
      throw new CliError(
        `${api.provider} admin API sent a partial page of ${path}: has_more is true but next_page is missing (page ${n + 1}); the report would be incomplete`,
        { hint: 'Try again; if it persists, try a shorter period (--since).' },
      );
    page = body.next_page;
  }
  throw new CliError(`${api.provider} admin API: ${path} had more than ${MAX_PAGES} pages; stopped`, {
    hint: 'Ask for a shorter period (--since/--until).',
  });
}
