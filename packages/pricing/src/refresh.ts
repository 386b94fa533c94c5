// Optional background refresh of the catalog from a genai-prices-format data.json. Off by default;
// never blocks start-up or a call; validates a document before using it; keeps the last good one on
// disk; logs failures through onError.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireForCaller } from '@tokenmeter/config';
import { catalogFromGenaiPrices } from './catalog-data.js';
import { CatalogDataError } from './errors/CatalogDataError.js';
import { getDefaultPricer } from './pricer.js';
import type { CatalogRefreshHandle, CatalogRefreshOptions } from './types.js';

/** genai-prices' own published data (the URL its `updatePrices` examples use). */
export const GENAI_PRICES_DATA_URL =
  'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

const CACHE_FILE = 'genai-prices-data.json';
const MAX_BYTES = 64 * 1024 * 1024;
const MIN_INTERVAL_MS = 60_000;

let crypto: typeof import('node:crypto') | undefined;

/** Named by its content's hash. node:crypto loads here, not at import: the preload imports this package. */
function versionOf(text: string): string {
  crypto ??= requireForCaller()('node:crypto') as typeof import('node:crypto');
  return `genai-prices@remote-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/**
 * Starts refreshing the default pricer's (or `options.pricer`'s) catalog: reads the disk cache, then
 * fetches `url` now and every `intervalMs`. Calls priced from refreshed data report source
 * `refreshed_catalog` and version `genai-prices@remote-<sha256 prefix>`. The timer is unref'd.
 */
export function startCatalogRefresh(options: CatalogRefreshOptions = {}): CatalogRefreshHandle {
  const url = options.url ?? GENAI_PRICES_DATA_URL;
  const intervalMs = Math.max(options.intervalMs ?? 6 * 3600_000, MIN_INTERVAL_MS);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const onError =
    options.onError ??
    ((e: Error) => console.warn(`tokenmeter pricing: catalog refresh failed: ${e.message}`));
  const pricer = () => options.pricer ?? getDefaultPricer();
  let lastText: string | undefined;
  let stopped = false;
  let inFlight: Promise<boolean> | undefined;

  const report = (e: unknown) => {
    try {
      onError(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // A failing logger must not break the refresh loop.
    }
  };

  /** Validates and applies a document; throws CatalogDataError when it is not usable. */
  const apply = (text: string): void => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new CatalogDataError(`genai-prices data: not valid JSON: ${(e as Error).message}`);
    }
    const version = versionOf(text);
    const { catalog, dropped } = catalogFromGenaiPrices(data, { version, source: 'refreshed_catalog' });
    if (dropped.length)
      report(new CatalogDataError(`genai-prices data: models left out: ${dropped.join('; ')}`));
    pricer().setCatalog(catalog);
    lastText = text;
    options.onUpdate?.(version);
  };

  const readCache = async () => {
    if (!options.cacheDir) return;
    let text: string;
    try {
      text = await readFile(join(options.cacheDir, CACHE_FILE), 'utf8');
    } catch {
      return; // no cache yet
    }
    try {
      apply(text);
    } catch (e) {
      report(
        new CatalogDataError(
          `cached catalog ${join(options.cacheDir, CACHE_FILE)} ignored: ${(e as Error).message}`,
        ),
      );
    }
  };

  const writeCache = async (text: string) => {
    if (!options.cacheDir) return;
    try {
      await mkdir(options.cacheDir, { recursive: true });
      const tmp = join(options.cacheDir, `${CACHE_FILE}.${process.pid}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, join(options.cacheDir, CACHE_FILE));
    } catch (e) {
      report(new Error(`cannot write catalog cache in ${options.cacheDir}: ${(e as Error).message}`));
    }
  };

  const fetchOnce = async (): Promise<boolean> => {
    try {
      const res = await doFetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new Error(`GET ${url}: HTTP ${res.status}`);
      }
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > MAX_BYTES) {
        await res.body?.cancel().catch(() => {});
        throw new Error(`GET ${url}: ${length} bytes is over the ${MAX_BYTES} byte limit`);
      }
      const text = await res.text();
      if (text.length > MAX_BYTES) throw new Error(`GET ${url}: body over the ${MAX_BYTES} byte limit`);
      if (stopped) return false;
      if (text === lastText) return false;
      apply(text);
      await writeCache(text);
      return true;
    } catch (e) {
      report(
        e instanceof CatalogDataError
          ? e
          : new Error(`catalog refresh from ${url}: ${(e as Error).message}`, { cause: e }),
      );
      return false;
    }
  };

  const refreshNow = (): Promise<boolean> => {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const ready = readCache()
    .then(() => (stopped ? false : refreshNow()))
    .then(
      () => undefined,
      () => undefined,
    );
  const timer = setInterval(() => {
    if (!stopped) void refreshNow();
  }, intervalMs);
  timer.unref();

  return {
    refreshNow,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
    ready,
  };
}
