// The pricing engine as the CLI uses it: the bundled catalog under the overrides of
// TOKENMETER_PRICING_FILE (each problem of the file one warning line; the valid rest applies), loaded
// on use so commands that only read the store do not load the catalog.
import { readEnv } from '@tokenmeter/config';
import type { CommandContext } from '../command.js';

export type Pricing = typeof import('@tokenmeter/pricing');

export interface LoadedPricing {
  pricing: Pricing;
  /** The pricing file in use, when TOKENMETER_PRICING_FILE names one. */
  file: string | undefined;
}

export async function loadPricing(ctx: Pick<CommandContext, 'io' | 'err'>): Promise<LoadedPricing> {
  const pricing = await import('@tokenmeter/pricing');
  const loaded = pricing.loadPricingFileFromEnv({ ...ctx.io.env });
  if (!loaded) {
    // runCli may run several commands in one process: no file now means no overrides.
    pricing.configurePricing({});
    return { pricing, file: undefined };
  }
  for (const p of loaded.problems)
    ctx.io.stderr.write(
      `${ctx.err.yellow('warning:')} ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.reason}\n`,
    );
  pricing.configurePricing({ overrides: loaded.overrides });
  return { pricing, file: readEnv(ctx.io.env, ['TOKENMETER_PRICING_FILE']).values.TOKENMETER_PRICING_FILE };
}
