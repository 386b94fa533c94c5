import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { calculateCost } from '@tokenmeter/pricing';
import type { CallInput } from '@tokenmeter/store';
import { DAY, HOUR, makeStore, NOW, ROUND_PRICES_YAML, run, tempDir, USD } from './helpers.js';

function stored(o: {
  at: number;
  model: string;
  feature: string;
  input: number;
  output: number;
  cacheRead?: number;
  costUsd: number | null;
  tier?: string;
}): CallInput {
  const nanos = o.costUsd === null ? 0 : Math.round(o.costUsd * USD);
  return {
    startTimeMs: o.at,
    durationMs: 100,
    provider: 'openai',
    operation: 'chat',
    requestModel: o.model,
    responseModel: o.model,
    stream: false,
    usage: { inputTokens: o.input, outputTokens: o.output, cacheReadTokens: o.cacheRead ?? 0 },
    usageEstimated: false,
    cost:
      o.costUsd === null
        ? null
        : {
            totalNanos: nanos,
            inputNanos: nanos,
            outputNanos: 0,
            cacheReadNanos: 0,
            cacheWriteNanos: 0,
            provider: 'openai',
            modelId: o.model,
            match: 'override',
            source: 'override',
            version: 'overrides',
            serviceTier: o.tier ?? 'standard',
          },
    pricingMatch: o.costUsd === null ? 'unknown_model' : 'override',
    attribution: { feature: o.feature },
  };
}

/**
 * chat: 2 calls of src-model, 1M input (400k cache reads), 100k output:
 *   600k × $2 + 400k × $0.50 + 100k × $8 = $2.20 each; on cheap-model $0.44 each.
 * search: 1 batch call, 200k input, 50k output: standard $0.80, batch $0.40; on cheap-model batch $0.08.
 * One call of a model without a price.
 */
function fixture(dir: string): { store: string; env: Record<string, string> } {
  const file = path.join(dir, 'prices.yaml');
  writeFileSync(file, ROUND_PRICES_YAML);
  const at = NOW - 2 * DAY;
  const store = makeStore(dir, [
    stored({
      at,
      model: 'src-model',
      feature: 'chat',
      input: 1_000_000,
      cacheRead: 400_000,
      output: 100_000,
      costUsd: 2.2,
    }),
    stored({
      at: at + HOUR,
      model: 'src-model',
      feature: 'chat',
      input: 1_000_000,
      cacheRead: 400_000,
      output: 100_000,
      costUsd: 2.2,
    }),
    stored({
      at,
      model: 'src-model',
      feature: 'search',
      input: 200_000,
      output: 50_000,
      costUsd: 0.4,
      tier: 'batch',
    }),
    stored({ at, model: 'mystery', feature: 'chat', input: 10, output: 10, costUsd: null }),
  ]);
  return { store, env: { TOKENMETER_PRICING_FILE: file } };
}

describe('tokenmeter whatif', () => {
  it('prices the period on the target per feature and in total (hand-computed), with the caveats', async (t) => {
    const { store, env } = fixture(tempDir(t));
    const r = await run(['whatif', '--model', 'cheap-model', '--store', store, '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.period, 'month');
    assert.deepEqual(j.target, { provider: 'openai', model: 'cheap-model', tiers: ['batch', 'standard'] });
    assert.equal(j.totals.actualNanos, 4.8 * USD);
    assert.equal(j.totals.targetNanos, 0.96 * USD);
    assert.deepEqual(
      j.groups.map((g: { key: string; actualNanos: number; targetNanos: number; calls: number }) => [
        g.key,
        g.calls,
        g.actualNanos,
        g.targetNanos,
      ]),
      [
        ['chat', 2, 4.4 * USD, 0.88 * USD],
        ['search', 1, 0.4 * USD, 0.08 * USD],
      ],
    );
    assert.equal(j.unpricedCalls, 1);
    assert.equal(j.estimated, false);
    assert.equal(j.sources[0].ratio, 'no_tokenizer');

    const table = await run(['whatif', '--model', 'cheap-model', '--store', store], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^What-if: this month \(2026-11-01 → 2026-11-30, .+\) on cheap-model \(openai\)\n/,
    );
    assert.match(
      table.stdout,
      /chat\s+2\s+2,000,000\s+200,000\s+800,000\s+\$4\.40\s+\$0\.88\s+-\$3\.52\s+-80\.0%/,
    );
    assert.match(
      table.stdout,
      /TOTAL\s+3\s+2,200,000\s+250,000\s+800,000\s+\$4\.80\s+\$0\.96\s+-\$3\.84\s+-80\.0%/,
    );
    assert.match(table.stdout, /\$0\.96 on cheap-model instead of \$4\.80: \$3\.84 less \(-80\.0%\)\./);
    assert.match(table.stdout, /- Token counts differ across tokenizers/);
    assert.match(table.stdout, /Not tokenizer-adjusted \(no published tokenizer for one side\): src-model\./);
    assert.match(
      table.stdout,
      /- 1 call had no price: their actual cost is unknown, so they are left out of both columns\./,
    );
  });

  it('--tier batch prices every call at the batch rate; --feature and --from filter', async (t) => {
    const { store, env } = fixture(tempDir(t));
    const batch = JSON.parse(
      (
        await run(['whatif', '--model', 'cheap-model', '--tier', 'batch', '--store', store, '--json'], {
          env,
        })
      ).stdout,
    );
    assert.equal(batch.totals.targetNanos, 0.52 * USD);
    const chat = JSON.parse(
      (
        await run(['whatif', '--model', 'cheap-model', '--feature', 'chat', '--store', store, '--json'], {
          env,
        })
      ).stdout,
    );
    assert.equal(chat.totals.actualNanos, 4.4 * USD);
    const from = JSON.parse(
      (await run(['whatif', '--model', 'cheap-model', '--from', 'nope', '--store', store, '--json'], { env }))
        .stdout,
    );
    assert.equal(from.totals.calls, 0);
  });

  it('scales OpenAI token counts by the tokenizers’ ratio and marks the figure estimated', async (t) => {
    const dir = tempDir(t);
    const usage = { inputTokens: 100_000, outputTokens: 10_000 };
    const c = calculateCost({ provider: 'openai', model: 'gpt-4-turbo', usage, timestamp: NOW - DAY })!;
    const store = makeStore(dir, [
      {
        ...stored({
          at: NOW - DAY,
          model: 'gpt-4-turbo',
          feature: 'chat',
          input: 100_000,
          output: 10_000,
          costUsd: 0,
        }),
        cost: {
          ...stored({ at: 0, model: 'x', feature: 'x', input: 0, output: 0, costUsd: 0 }).cost!,
          totalNanos: c.totalNanos,
        },
      },
    ]);
    const j = JSON.parse((await run(['whatif', '--model', 'gpt-4o', '--store', store, '--json'])).stdout);
    assert.equal(j.sources[0].ratio, 'tokenizer', 'cl100k_base → o200k_base');
    const ratio = j.sources[0].tokenRatio;
    assert.ok(ratio > 0.6 && ratio < 1, `o200k_base needs fewer tokens than cl100k_base, got ${ratio}`);
    assert.equal(j.estimated, true);
    const expected = calculateCost({
      provider: 'openai',
      model: 'gpt-4o',
      usage: { inputTokens: Math.round(100_000 * ratio), outputTokens: Math.round(10_000 * ratio) },
      timestamp: NOW - DAY,
    })!;
    assert.equal(j.totals.targetNanos, expected.totalNanos);
    const table = await run(['whatif', '--model', 'gpt-4o', '--store', store]);
    assert.match(table.stdout, /ON GPT-4O ~/);
    assert.match(table.stdout, /gpt-4-turbo: counts × 0\.\d{3} .*the figure is estimated \(~\)/);
  });

  it('errors name the flag and the fix', async (t) => {
    const { store } = fixture(tempDir(t));
    const missing = await run(['whatif', '--store', store]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--model TARGET is required/);
    const unknown = await run(['whatif', '--model', 'gpt-4o-minii', '--store', store]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--model: no price for "gpt-4o-minii"/);
    assert.match(unknown.stderr, /gpt-4o-mini \(/);
    const tier = await run(['whatif', '--model', 'gpt-4o', '--tier', 'cheap', '--store', store]);
    assert.equal(tier.code, 2);
    assert.match(tier.stderr, /--tier: "cheap" is not a tier: use batch, flex or priority/);
  });
});

describe('tokenmeter savings', () => {
  it('what caching and the batch tier saved against list price (hand-computed)', async (t) => {
    const { store, env } = fixture(tempDir(t));
    const j = JSON.parse((await run(['savings', '--store', store, '--json'], { env })).stdout);
    // chat: without the cache 1M × $2 + 100k × $8 = $2.80 a call, $0.60 more than paid, twice.
    // search: standard $0.80, paid $0.40 at batch.
    assert.equal(j.totals.cachingSavedNanos, 1.2 * USD);
    assert.equal(j.totals.tierSavedNanos, 0.4 * USD);
    assert.equal(j.totals.listNanos, 6.4 * USD);
    assert.equal(j.totals.actualNanos, 4.8 * USD);
    assert.equal(j.unpricedCalls, 1);
    const chat = j.groups.find((g: { key: string }) => g.key === 'chat');
    assert.equal(chat.cacheHitRate, 0.4);
    assert.deepEqual(j.groups.find((g: { key: string }) => g.key === 'search').tierCalls, { batch: 1 });
    const table = await run(['savings', '--store', store], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /chat\s+2\s+40\.0%\s+\+\$1\.20\s+—\s+\$0\.00\s+\$5\.60\s+\$4\.40/);
    assert.match(table.stdout, /search\s+1\s+0\.0%\s+\$0\.00\s+1 batch\s+\+\$0\.40\s+\$0\.80\s+\$0\.40/);
    assert.match(table.stdout, /Prompt caching saved \$1\.20 \(36\.4% of input tokens read from the cache/);
    const csv = await run(['savings', '--store', store, '--csv', '--by', 'model'], { env });
    assert.match(
      csv.stdout,
      /\r\nsrc-model,3,2200000,800000,0,1\.200000000,0\.400000000,6\.400000000,4\.800000000,/,
    );
  });

  it('the caching opportunity: a long-prompt feature with few cache reads, at the best feature’s hit rate', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'prices.yaml');
    writeFileSync(file, ROUND_PRICES_YAML);
    const calls: CallInput[] = [];
    for (let i = 0; i < 20; i++) {
      // docs: 10k input, 8k read from the cache (80 %); agent: 10k input, none.
      calls.push(
        stored({
          at: NOW - DAY + i,
          model: 'src-model',
          feature: 'docs',
          input: 10_000,
          cacheRead: 8_000,
          output: 0,
          costUsd: 0.008,
        }),
      );
      calls.push(
        stored({
          at: NOW - DAY + i,
          model: 'src-model',
          feature: 'agent',
          input: 10_000,
          output: 0,
          costUsd: 0.02,
        }),
      );
    }
    const store = makeStore(dir, calls);
    const r = await run(['savings', '--store', store, '--json'], { env: { TOKENMETER_PRICING_FILE: file } });
    const j = JSON.parse(r.stdout);
    // agent at 80 %: 8,000 more cached tokens a call at $2 − $0.50 per million = $0.012, × 20 calls.
    assert.deepEqual(
      j.opportunities.map(
        (o: { feature: string; benchmark: string; targetHitRate: number; wouldSaveNanos: number }) => [
          o.feature,
          o.benchmark,
          o.targetHitRate,
          o.wouldSaveNanos,
        ],
      ),
      [['agent', 'docs', 0.8, 0.24 * USD]],
    );
    const table = await run(['savings', '--store', store], { env: { TOKENMETER_PRICING_FILE: file } });
    assert.match(
      table.stdout,
      /Caching opportunity\nFEATURE\s+CALLS\s+INPUT\/CALL\s+CACHE HIT\s+AT\s+WOULD SAVE\nagent\s+20\s+10,000\s+0\.0%\s+80\.0% \(docs\)\s+\$0\.24\n/,
    );
  });
});
