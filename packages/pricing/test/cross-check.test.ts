// Cross-check with genai-prices' own calcPrice (floats) on the bundled catalog: same model matched,
// same total within 1e-9 relative (or the ≤ 2.5 nano-USD of rounding five parts to whole nano-USD).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import { createPricer, type TokenUsage } from '../src/index.js';

const pricer = createPricer();
const data = (await waitForUpdate()) ?? [];

// Usages that exercise every unit tokenmeter prices; parts never exceed their totals.
const USAGES: TokenUsage[] = [
  { inputTokens: 1234, outputTokens: 567 },
  {
    inputTokens: 98_765,
    cacheReadTokens: 50_000,
    cacheWriteTokens: 8_000,
    cacheWrite1hTokens: 3_000,
    outputTokens: 4_321,
    reasoningTokens: 1_000,
  },
  {
    inputTokens: 250_001,
    cacheReadTokens: 100_000,
    cacheWriteTokens: 20_000,
    outputTokens: 12_345,
    reasoningTokens: 12_000,
  },
  {
    inputTokens: 7_777,
    cacheReadTokens: 2_000,
    inputAudioTokens: 3_000,
    cacheAudioReadTokens: 500,
    outputTokens: 999,
    outputAudioTokens: 400,
  },
];

function genaiUsage(u: TokenUsage): Record<string, number> {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    cache_read_tokens: u.cacheReadTokens ?? 0,
    cache_write_tokens: u.cacheWriteTokens ?? 0,
    cache_write_1h_tokens: u.cacheWrite1hTokens ?? 0,
    output_reasoning_tokens: u.reasoningTokens ?? 0,
    input_audio_tokens: u.inputAudioTokens ?? 0,
    cache_audio_read_tokens: u.cacheAudioReadTokens ?? 0,
    output_audio_tokens: u.outputAudioTokens ?? 0,
  };
}

/** Models whose catalog price has more than 6 decimals (1/12 USD/Mtok): rounded by tokenmeter. */
const ROUNDED = /^openrouter\/(~?google\/gemini|.*gemini-2\.5-flash)|^huggingface_together\//;

describe('cross-check with genai-prices calcPrice', () => {
  it('prices the sampled catalog models like genai-prices does', (t) => {
    let compared = 0;
    const differences: string[] = [];
    const idAliases = new Set<string>();
    for (const provider of data) {
      // Every model of every provider except OpenRouter's 700, of which every 7th.
      const models =
        provider.id === 'openrouter' ? provider.models.filter((_, i) => i % 7 === 0) : provider.models;
      for (const model of models) {
        const key = `${provider.id}/${model.id}`;
        if (ROUNDED.test(key)) continue;
        const periods = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
        const times = periods.map((p) => {
          const c = p.constraint as { start_date?: string; start_time?: string } | undefined;
          if (c?.start_date) return new Date(`${c.start_date}T12:00:00Z`);
          if (c?.start_time) return new Date(`2026-01-05T${c.start_time.replace('Z', '')}Z`);
          return new Date('2020-01-01T12:00:00Z');
        });
        for (const timestamp of times) {
          for (const usage of USAGES) {
            let theirs: ReturnType<typeof calcPrice>;
            try {
              theirs = calcPrice(genaiUsage(usage), model.id, { providerId: provider.id, timestamp });
            } catch (e) {
              // genai-prices rejects usage its model cannot split (e.g. audio tokens on a model with an
              // audio price but no cached-audio price); tokenmeter must not price those either.
              const ours = pricer.priceCall({ provider: provider.id, model: model.id, usage, timestamp });
              if (ours.cost)
                differences.push(
                  `${key}: genai-prices throws (${(e as Error).message}) but tokenmeter priced it`,
                );
              continue;
            }
            const ours = pricer.priceCall({ provider: provider.id, model: model.id, usage, timestamp });
            if (!theirs) {
              // Known difference: tokenmeter takes a catalog id as an exact name of its model, also when
              // the model's own match rules miss it (aws `regional.anthropic.…` ids); genai-prices does not.
              const idAlias = ours.cost?.modelId === model.id && ours.cost.match === 'exact';
              if (ours.cost && !idAlias)
                differences.push(`${key}: genai-prices has no price, tokenmeter ${ours.cost.totalUsd}`);
              if (idAlias) idAliases.add(key);
              continue;
            }
            if (!ours.cost) {
              // tokenmeter prices tokens and requests only: a model priced only per hour or per page is
              // unpriced, where genai-prices gives $0 for a usage without those units.
              if (ours.reason !== 'unsupported_units' || theirs.total_price !== 0) {
                differences.push(
                  `${key}: tokenmeter unpriced (${ours.reason}), genai-prices ${theirs.total_price}`,
                );
              }
              continue;
            }
            compared++;
            if (ours.cost.modelId !== theirs.model.id)
              differences.push(`${key}: matched ${ours.cost.modelId}, genai-prices ${theirs.model.id}`);
            const diff = Math.abs(ours.cost.totalUsd - theirs.total_price);
            if (diff > Math.max(1e-9 * theirs.total_price, 2.5e-9)) {
              differences.push(
                `${key} @${timestamp.toISOString()}: ${ours.cost.totalUsd} vs ${theirs.total_price}`,
              );
            }
          }
        }
      }
    }
    t.diagnostic(
      `${compared} priced calls compared; ${idAliases.size} catalog ids priced only by tokenmeter`,
    );
    assert.deepEqual(differences, []);
    assert.ok(compared > 3000, `compared ${compared}`);
  });
});
