import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { calculateCost } from '@tokenmeter/pricing';
import { formatUsd } from '../src/format/money.js';
import { makeStore, NOW, pricedCall, run, tempDir } from './helpers.js';

describe('tokenmeter price', () => {
  it('shows the catalog entry, its source and the price table per million tokens', async () => {
    const r = await run(['price', 'gpt-4o-mini']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gpt-4o-mini {2}priced as openai \/ gpt-4o-mini \(gpt 4o mini\), exact match\n/);
    assert.match(
      r.stdout,
      /source: catalog genai-prices@\d+\.\d+\.\d+ · prices in effect at 2026-11-23 · context window 128,000 tokens/,
    );
    assert.match(
      r.stdout,
      /PRICE\s+USD PER 1M TOKENS\ninput\s+\$0\.15\ncache read\s+\$0\.075\noutput\s+\$0\.60/,
    );
    assert.match(r.stdout, /batch\s+×0\.5/);
    assert.match(r.stdout, /priority\s+input \$0\.25, cache read \$0\.125, output \$1\.00/);
  });

  it('prices a call exactly as the pricing engine does, by kind', async () => {
    const r = await run([
      'price',
      'claude-sonnet-4-6',
      '--input',
      '12k',
      '--cache-read',
      '10000',
      '--cache-write',
      '1000',
      '--output',
      '800',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const c = calculateCost({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      usage: { inputTokens: 12_000, cacheReadTokens: 10_000, cacheWriteTokens: 1000, outputTokens: 800 },
      timestamp: NOW,
    })!;
    assert.match(r.stdout, new RegExp(`input \\(uncached\\)\\s+1,000\\s+\\${formatUsd(c.inputNanos)}`));
    assert.match(r.stdout, new RegExp(`cache read\\s+10,000\\s+\\${formatUsd(c.cacheReadNanos)}`));
    assert.match(r.stdout, new RegExp(`total\\s+12,800\\s+\\${formatUsd(c.totalNanos)}`));
    assert.ok(r.stdout.includes(`exactly ${c.totalNanos.toLocaleString('en-US')} nano-USD`));
    const j = JSON.parse(
      (
        await run([
          'price',
          'claude-sonnet-4-6',
          '--input',
          '12000',
          '--cache-read',
          '10000',
          '--cache-write',
          '1000',
          '--output',
          '800',
          '--json',
        ])
      ).stdout,
    );
    assert.equal(j.cost.totalNanos, c.totalNanos);
    assert.equal(j.entry.modelId, 'claude-sonnet-4-6');
    assert.equal(j.entry.source, 'catalog');
  });

  it('applies service tiers, and says when a tier has no price of its own', async () => {
    const flex = JSON.parse(
      (await run(['price', 'o4-mini', '--input', '2000', '--output', '1000', '--tier', 'flex', '--json']))
        .stdout,
    );
    const std = calculateCost({
      provider: 'openai',
      model: 'o4-mini',
      usage: { inputTokens: 2000, outputTokens: 1000 },
      timestamp: NOW,
    })!;
    assert.equal(flex.cost.serviceTier, 'flex');
    assert.equal(flex.cost.totalNanos, std.totalNanos / 2);
    const batch = JSON.parse(
      (await run(['price', 'gpt-4o-mini', '--input', '1000', '--output', '100', '--tier', 'batch', '--json']))
        .stdout,
    );
    assert.equal(batch.cost.serviceTier, 'batch');
    const noFlex = await run(['price', 'gpt-4o-mini', '--input', '1000', '--tier', 'flex']);
    assert.match(noFlex.stdout, /No flex price for this model: priced at the standard rate\./);
  });

  it('an unknown model exits 1 with the closest catalog names', async () => {
    const r = await run(['price', 'gpt-4o-minii']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: No price for "gpt-4o-minii" in genai-prices@/);
    assert.match(r.stderr, /Closest catalog names:\n {2}gpt-4o-mini \(/);
    assert.match(r.stderr, /TOKENMETER_PRICING_FILE/);
  });

  it('uses the pricing file of TOKENMETER_PRICING_FILE', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'prices.yaml');
    writeFileSync(
      file,
      'models:\n  - id: acme-llama\n    match: { starts_with: acme-llama }\n    prices: { input_mtok: 0.2, output_mtok: 0.6 }\n',
    );
    const r = await run(['price', 'acme-llama-70b', '--input', '1M', '--output', '1M', '--json'], {
      env: { TOKENMETER_PRICING_FILE: file },
    });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.entry.source, 'override');
    assert.equal(j.cost.totalNanos, 800_000_000);
  });

  it('rejects bad token counts and tiers with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['gpt-4o', '--input', 'lots'], /--input: "lots" is not a token count/],
      [['gpt-4o', '--input', '-5'], /--input/],
      [['gpt-4o', '--tier', 'gold'], /--tier: "gold" is not a tier: use flex, priority or batch/],
      [['gpt-4o', '--at', 'soon'], /--at: "soon": expected a date like 2026-11-01/],
      [['gpt-4o', '--input', '100', '--cache-read', '200'], /exceeds inputTokens/],
      [[], /missing the model name/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['price', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  it('--unpriced lists models seen without a price, with counts', async (t) => {
    const dir = tempDir(t);
    const at = NOW - 3_600_000;
    const store = makeStore(dir, [
      pricedCall({ at, provider: 'openai', model: 'ft:acme-intent-v3', input: 10, output: 5 }),
      pricedCall({ at: at + 1000, provider: 'openai', model: 'ft:acme-intent-v3', input: 10, output: 5 }),
      pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 10, output: 5 }),
      pricedCall({
        at,
        provider: 'openai',
        model: 'gpt-4o-mini',
        input: 0,
        output: 0,
        error: { type: '429', status: 429 },
      }),
    ]);
    const r = await run(['price', '--unpriced', '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /PROVIDER\s+MODEL\s+CALLS\s+FIRST SEEN\s+LAST SEEN\s+REASON\nopenai\s+ft:acme-intent-v3\s+2\s/,
    );
    assert.ok(!r.stdout.includes('gpt-4o-mini'));
    const j = JSON.parse((await run(['price', '--unpriced', '--store', store, '--json'])).stdout);
    assert.deepEqual(
      j.models.map((m: { model: string; calls: number }) => [m.model, m.calls]),
      [['ft:acme-intent-v3', 2]],
    );
    const clean = makeStore(
      dir,
      [pricedCall({ at, provider: 'openai', model: 'gpt-4o', input: 1, output: 1 })],
      'clean.db',
    );
    assert.match((await run(['price', '--unpriced', '--store', clean])).stdout, /has a price/);
  });
});
