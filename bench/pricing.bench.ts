// calculateCost throughput: warm (the (provider, model) match is cached) and cold (first match of a
// model, a fresh pricer each run). Median of several runs with the interquartile range.
// Run: npx tsx bench/pricing.bench.ts (after `npm run build`), or `npm run bench -- pricing`.
import { type CostInput, createPricer, listCatalogModels } from '@tokenmeter/pricing';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { machine, stats, writeSection } from './lib/results.js';

const RUNS = 9;
const WARM_CALLS = 2_000_000;

// A realistic mix: the models people call most, with cache, reasoning, tiers and a date-priced model.
const WARM_INPUTS: CostInput[] = [
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
  },
  { provider: 'openai', model: 'gpt-4o-2024-08-06', usage: { inputTokens: 5400, outputTokens: 800 } },
  {
    provider: 'openai',
    model: 'o3',
    usage: { inputTokens: 3000, outputTokens: 4000, reasoningTokens: 3500 },
    serviceTier: 'flex',
  },
  {
    provider: 'anthropic',
    model: 'claude-3-5-sonnet-20241022',
    usage: { inputTokens: 12500, cacheReadTokens: 10000, cacheWriteTokens: 2000, outputTokens: 400 },
  },
  {
    provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
    model: 'gemini-2.5-pro',
    usage: { inputTokens: 250000, outputTokens: 1500 },
  },
  {
    provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
    model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    usage: { inputTokens: 2000, outputTokens: 500 },
  },
  {
    provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
    model: 'gpt-4o-2024-08-06',
    usage: { inputTokens: 900, outputTokens: 90 },
    batch: true,
  },
  {
    provider: 'deepseek',
    model: 'deepseek-chat',
    usage: { inputTokens: 4000, cacheReadTokens: 3000, outputTokens: 700 },
    timestamp: 1767614400000,
  },
];

function warmRun(): number {
  const pricer = createPricer();
  for (const i of WARM_INPUTS) pricer.calculateCost(i); // fill the match cache
  let sink = 0;
  const n = WARM_INPUTS.length;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < WARM_CALLS; i++) sink += pricer.calculateCost(WARM_INPUTS[i % n]!)!.totalNanos;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink <= 0) throw new Error('unexpected');
  return WARM_CALLS / s;
}

const catalog = listCatalogModels().filter((m) => m.source === 'catalog');
const COLD_INPUTS: CostInput[] = catalog.map((m) => ({
  provider: m.provider,
  model: m.modelId,
  usage: { inputTokens: 1000, outputTokens: 100 },
}));

function coldRun(): number {
  const pricer = createPricer(); // empty match cache; the compiled catalog is shared
  const t0 = process.hrtime.bigint();
  for (const i of COLD_INPUTS) pricer.calculateCost(i);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return COLD_INPUTS.length / s;
}

// Warm-up of the JIT and the catalog compilation, not measured.
warmRun();
coldRun();
const warm = stats(Array.from({ length: RUNS }, warmRun));
const cold = stats(Array.from({ length: RUNS }, coldRun));
const f = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
const k = (x: number) => `${(x / 1e3).toFixed(0)} k/s`;

const md = `## pricing: calculateCost throughput

${machine()}. ${RUNS} runs each, median with interquartile range (p25–p75) and min–max.

| case | median | p25–p75 | min–max | per call |
|---|---|---|---|---|
| warm (cached match; ${WARM_INPUTS.length} inputs in rotation, ${(WARM_CALLS / 1e6).toFixed(0)}M calls/run) | ${f(warm.median)} | ${f(warm.p25)}–${f(warm.p75)} | ${f(warm.min)}–${f(warm.max)} | ${(1e9 / warm.median).toFixed(0)} ns |
| cold (first match of each of ${COLD_INPUTS.length} catalog models, fresh pricer) | ${k(cold.median)} | ${k(cold.p25)}–${k(cold.p75)} | ${k(cold.min)}–${k(cold.max)} | ${(1e6 / cold.median).toFixed(1)} µs |

Goal: ≥ 1M warm calls/s. Cold cost is a linear scan of the provider's models (first match wins, as in
genai-prices), plus name variants (Bedrock ARNs, \`models/\` prefixes, dated ids) when the plain name
misses; it is paid once per (provider, model, baseUrl) and cached (10,000 entries, then cleared).
`;
console.log(md);
writeSection('pricing', md);
