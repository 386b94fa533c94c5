// The catalog data a pricer runs on: the bundled snapshot, or a genai-prices document converted with
// tokenmeter's supplements; read and parsed (the bundled one is a JSON file beside the sources,
// `@tokenmeter/pricing/catalog.json`) and compiled (matchers, periods, tier rules) on first use, so
// that importing this package costs a process little (the preload imports it at start-up).

import { readFileSync } from 'node:fs';
import { requireForCaller } from '@tokenmeter/config';
import { type CompiledCatalog, compileCatalog } from './catalog/compile.js';
import { convertGenaiPrices } from './catalog/convert.js';
import { SNAPSHOT_VERSION, SUPPLEMENT_MODELS } from './catalog/data.generated.js';
import type { CatalogSnapshot } from './internal-types.js';
import type { CatalogData } from './types.js';

interface CatalogDataImpl extends CatalogData {
  readonly _snapshot: CatalogSnapshot;
  compiled?: CompiledCatalog;
}

let parsed: CatalogSnapshot | undefined;

/** Where the bundled snapshot is: the package's own `./catalog.json` export, from either build or the sources. */
export function bundledSnapshotPath(): string {
  return requireForCaller().resolve('@tokenmeter/pricing/catalog.json');
}

/** The bundled snapshot, read and parsed once. */
function bundledSnapshot(): CatalogSnapshot {
  parsed ??= JSON.parse(readFileSync(bundledSnapshotPath(), 'utf8')) as CatalogSnapshot;
  return parsed;
}

export function compiledOf(c: CatalogData): CompiledCatalog {
  const impl = c as CatalogDataImpl;
  impl.compiled ??= compileCatalog(impl._snapshot, impl.source);
  return impl.compiled;
}

let bundled: CatalogDataImpl | undefined;

/** The catalog bundled at build time (genai-prices snapshot plus tokenmeter's supplements). */
export function bundledCatalog(): CatalogData {
  if (!bundled) {
    const impl = { version: SNAPSHOT_VERSION, source: 'catalog' } as CatalogDataImpl;
    // Parsed when a pricer first reads it, not when the catalog is named.
    Object.defineProperty(impl, '_snapshot', { get: bundledSnapshot, enumerable: true });
    bundled = impl;
  }
  return bundled;
}

/** `provider/model` ids that tokenmeter's supplements add to the catalog. */
const SUPPLEMENT_IDS: ReadonlySet<string> = new Set(SUPPLEMENT_MODELS);

/** Version of the bundled catalog, e.g. `genai-prices@0.1.8`. */
export const catalogVersion: string = SNAPSHOT_VERSION;

/**
 * Catalog data from a genai-prices-format document (its Provider[] or data.json), with tokenmeter's
 * service-tier supplements. Throws `CatalogDataError` when the document is not usable.
 */
export function catalogFromGenaiPrices(
  data: unknown,
  options: { version: string; source?: 'catalog' | 'refreshed_catalog' },
): { catalog: CatalogData; dropped: string[] } {
  const { providers, report } = convertGenaiPrices(data);
  const SNAPSHOT = bundledSnapshot();
  const snapshot: CatalogSnapshot = {
    version: options.version,
    providers: providers.map((p) => {
      // Keep tokenmeter's supplementary models (they are not in genai-prices' data).
      const own = SNAPSHOT.providers.find((b) => b.id === p.id);
      const extra = own?.models.filter((m) => SUPPLEMENT_IDS.has(`${p.id}/${m.id}`)) ?? [];
      return extra.length ? { ...p, models: [...p.models, ...extra] } : p;
    }),
    service_tiers: SNAPSHOT.service_tiers,
    supplement_models: SNAPSHOT.supplement_models ?? [],
  };
  const catalog: CatalogDataImpl = {
    version: options.version,
    source: options.source ?? 'refreshed_catalog',
    _snapshot: snapshot,
  };
  return { catalog, dropped: report.dropped };
}
