// Properties of the engine over the real catalog, with fast-check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type CostInput,
  calculateCost,
  listCatalogModels,
  PricingInputError,
  priceCall,
  type TokenUsage,
  validateCostInput,
} from '../src/index.js';

// A sample of real catalog models: every model of the main providers.
const MAIN = new Set([
  'openai',
  'anthropic',
  'google',
  'aws',
  'azure',
  'mistral',
  'deepseek',
  'x-ai',
  'groq',
  'perplexity',
]);
const models = listCatalogModels()
  .filter((m) => MAIN.has(m.provider))
  .filter(
    (m) =>
      priceCall({ provider: m.provider, model: m.modelId, usage: { inputTokens: 1, outputTokens: 1 } }).cost,
  );

const arbModel = fc.constantFrom(...models);
const tok = fc.integer({ min: 0, max: 2_000_000 });

/** A consistent usage: parts never exceed their totals. */
const arbUsage: fc.Arbitrary<TokenUsage> = fc
  .record({
    uncached: tok,
    cacheRead: tok,
    cacheWrite: tok,
    w1hShare: fc.double({ min: 0, max: 1, noNaN: true }),
    text: tok,
    reasoning: tok,
  })
  .map(({ uncached, cacheRead, cacheWrite, w1hShare, text, reasoning }) => ({
    inputTokens: uncached + cacheRead + cacheWrite,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: Math.floor(cacheWrite * w1hShare),
    outputTokens: text + reasoning,
    reasoningTokens: reasoning,
  }));

const arbTier = fc.constantFrom(undefined, 'default', 'flex', 'priority', 'batch');

describe('cost properties over the catalog', () => {
  it('is never negative, and the total is the sum of its parts', () => {
    fc.assert(
      fc.property(arbModel, arbUsage, arbTier, (m, usage, serviceTier) => {
        const c = calculateCost({ provider: m.provider, model: m.modelId, usage, serviceTier });
        assert.ok(c);
        for (const v of [c.inputNanos, c.outputNanos, c.cacheReadNanos, c.cacheWriteNanos, c.requestNanos]) {
          assert.ok(Number.isSafeInteger(v) && v >= 0, `part ${v}`);
        }
        assert.equal(
          c.totalNanos,
          c.inputNanos + c.outputNanos + c.cacheReadNanos + c.cacheWriteNanos + c.requestNanos,
        );
        assert.equal(c.totalUsd, c.totalNanos / 1e9);
      }),
      { numRuns: 3000 },
    );
  });

  it('is monotone in each token count (more tokens of any kind never cost less)', () => {
    const arbDelta = fc.integer({ min: 1, max: 500_000 });
    const grow = fc.constantFrom(
      'uncached',
      'cacheRead',
      'cacheWrite',
      'cacheWrite1h',
      'output',
      'reasoning',
    );
    fc.assert(
      fc.property(arbModel, arbUsage, grow, arbDelta, arbTier, (m, u, kind, d, serviceTier) => {
        const v = { ...u } as Required<
          Pick<
            TokenUsage,
            | 'inputTokens'
            | 'outputTokens'
            | 'cacheReadTokens'
            | 'cacheWriteTokens'
            | 'cacheWrite1hTokens'
            | 'reasoningTokens'
          >
        >;
        // Each kind grows its own count and the totals that include it.
        const grows: Record<string, (keyof typeof v)[]> = {
          uncached: ['inputTokens'],
          cacheRead: ['inputTokens', 'cacheReadTokens'],
          cacheWrite: ['inputTokens', 'cacheWriteTokens'],
          cacheWrite1h: ['inputTokens', 'cacheWriteTokens', 'cacheWrite1hTokens'],
          output: ['outputTokens'],
          reasoning: ['outputTokens', 'reasoningTokens'],
        };
        for (const f of grows[kind]!) v[f] += d;
        const base = { provider: m.provider, model: m.modelId, serviceTier };
        const a = calculateCost({ ...base, usage: u })!;
        const b = calculateCost({ ...base, usage: v })!;
        assert.ok(
          b.totalNanos >= a.totalNanos,
          `${m.provider}/${m.modelId} ${kind}+${d}: ${b.totalNanos} < ${a.totalNanos}`,
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('bad input gives null and a PricingInputError naming the field, never an exception', () => {
    const badNumber = fc.oneof(
      fc.integer({ max: -1 }),
      fc.constantFrom(
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        1.5,
        0.1,
        1e12 + 1,
        1e15,
        2 ** 53,
      ),
      fc.double({ min: 0.001, max: 1e6, noInteger: true }),
      fc.string(),
      fc.boolean(),
      fc.object(),
    );
    const field = fc.constantFrom(
      'inputTokens',
      'outputTokens',
      'cacheReadTokens',
      'cacheWriteTokens',
      'reasoningTokens',
      'inputAudioTokens',
    );
    fc.assert(
      fc.property(arbModel, field, badNumber, (m, f, bad) => {
        const usage = { inputTokens: 100, outputTokens: 10, [f]: bad } as unknown as TokenUsage;
        const input = { provider: m.provider, model: m.modelId, usage };
        assert.equal(calculateCost(input), null);
        const r = priceCall(input);
        assert.equal(r.cost, null);
        assert.ok(r.error instanceof PricingInputError);
        assert.equal(r.error.field, `usage.${f}`);
        assert.match(r.error.message, new RegExp(`usage\\.${f}`));
        assert.ok(validateCostInput(input) instanceof PricingInputError);
      }),
      { numRuns: 2000 },
    );
  });

  it('anything at all as input gives a result or null, never an exception', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        (provider, model, usage, timestamp) => {
          const r = priceCall({ provider, model, usage, timestamp } as unknown as CostInput);
          assert.ok(r.cost === null || r.cost.totalNanos >= 0);
          calculateCost(provider as CostInput);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('cache tokens above input tokens are an input error, and so are parts above their totals', () => {
    const cases: [TokenUsage, string][] = [
      [
        { inputTokens: 100, cacheReadTokens: 80, cacheWriteTokens: 30, outputTokens: 0 },
        'usage.cacheReadTokens',
      ],
      [
        { inputTokens: 100, cacheWriteTokens: 10, cacheWrite1hTokens: 11, outputTokens: 0 },
        'usage.cacheWrite1hTokens',
      ],
      [{ inputTokens: 100, outputTokens: 10, reasoningTokens: 11 }, 'usage.reasoningTokens'],
      [{ inputTokens: 100, outputTokens: 10, outputAudioTokens: 11 }, 'usage.outputAudioTokens'],
      [{ inputTokens: 10, inputAudioTokens: 11, outputTokens: 0 }, 'usage.inputAudioTokens'],
    ];
    for (const [usage, f] of cases) {
      const r = priceCall({ provider: 'openai', model: 'gpt-4o', usage });
      assert.equal(r.cost, null);
      assert.equal((r.error as PricingInputError).field, f);
    }
    const noModel = priceCall({
      provider: 'openai',
      model: '  ',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    assert.equal((noModel.error as PricingInputError).field, 'model');
    const badTime = priceCall({
      provider: 'openai',
      model: 'gpt-4o',
      timestamp: new Date('nope'),
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    assert.equal((badTime.error as PricingInputError).field, 'timestamp');
  });

  it('is exact: 1,000,000 identical calls sum to exactly nanos × 1e6', () => {
    const input: CostInput = {
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { inputTokens: 1200, cacheReadTokens: 1024, outputTokens: 300 },
    };
    const one = calculateCost(input)!.totalNanos;
    let sum = 0;
    let usdSum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const c = calculateCost(input)!;
      sum += c.totalNanos;
      usdSum += c.totalUsd;
    }
    assert.equal(BigInt(sum), BigInt(one) * 1_000_000n);
    assert.equal(sum, 283_200_000_000);
    // The same sum in float dollars drifts; the integer sum does not.
    assert.notEqual(usdSum, 283.2);
  });

  it('huge token counts stay exact (BigInt path): 1e10 output tokens of o1-pro at $600/Mtok', () => {
    const c = calculateCost({
      provider: 'openai',
      model: 'o1-pro',
      usage: { inputTokens: 1e10, outputTokens: 1e10 },
    });
    assert.equal(c?.outputNanos, 6e15); // 10,000 Mtok × $600 = $6,000,000
    assert.equal(c?.inputNanos, 1.5e15);
    // Past 2^53 pico-USD inside, with a half to round: 999,999,999,999 × $0.035/Mtok × 0.5 (batch)
    // = 17,499,999,999,982.5 nano-USD → 17,499,999,999,983 (half-up).
    const odd = calculateCost({
      provider: 'aws',
      model: 'amazon.nova-micro-v1:0',
      batch: true,
      usage: { inputTokens: 999_999_999_999, outputTokens: 0 },
    });
    assert.equal(odd?.inputNanos, 17_499_999_999_983);
  });

  it('a call costing more than 2^53 nano-USD (~$9M) is an input error, not an inexact number', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'o1-pro',
      usage: { inputTokens: 1e12, outputTokens: 1e12 },
    });
    assert.equal(r.cost, null);
    assert.equal((r.error as PricingInputError).field, 'usage');
  });
});
