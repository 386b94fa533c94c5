// The catalog data a pricer runs on: the bundled snapshot, or a genai-prices document converted with
// tokenmeter's supplements; compiled (matchers, periods, tier rules) on first use.

import { type CompiledCatalog, compileCatalog } from './catalog/compile.js';
import { convertGenaiPrices } from './catalog/convert.js';
import { SNAPSHOT } from './catalog/data.generated.js';
import type { CatalogSnapshot } from './internal-types.js';
import type { CatalogData } from './types.js';

interface CatalogDataImpl extends CatalogData {
  readonly _snapshot: CatalogSnapshot;
  compiled?: CompiledCatalog;
}

export function compiledOf(c: CatalogData): CompiledCatalog {
  const impl = c as CatalogDataImpl;
  impl.compiled ??= compileCatalog(impl._snapshot, impl.source);
  return impl.compiled;
}

let bundled: CatalogDataImpl | undefined;

/** The catalog bundled at build time (genai-prices snapshot plus tokenmeter's supplements). */
export function bundledCatalog(): CatalogData {
  bundled ??= { version: SNAPSHOT.version, source: 'catalog', _snapshot: SNAPSHOT };
  return bundled;
}

/** `provider/model` ids that tokenmeter's supplements add to the catalog. */
const SUPPLEMENT_IDS: ReadonlySet<string> = new Set(SNAPSHOT.supplement_models ?? []);

/** Version of the bundled catalog, e.g. `genai-prices@0.1.8`. */
export const catalogVersion: string = SNAPSHOT.version;

/**
 * Catalog data from a genai-prices-format document (its Provider[] or data.json), with tokenmeter's
 * service-tier supplements. Throws `CatalogDataError` when the document is not usable.
 */
export function catalogFromGenaiPrices(
  data: unknown,
  options: { version: string; source?: 'catalog' | 'refreshed_catalog' },
): { catalog: CatalogData; dropped: string[] } {
  const { providers, report } = convertGenaiPrices(data);
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
