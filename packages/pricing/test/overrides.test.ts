// The pricing file: YAML and JSON, every problem with file, path and reason, the valid part applied.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
} from '@tokenmeter/semconv';
import {
  createPricer,
  loadPricingFile,
  loadPricingFileFromEnv,
  PricingConfigError,
  type PricingProblem,
  parsePricingOverrides,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-pricing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const GOOD_YAML = `
# Our prices
models:
  - id: llama-3.3-70b
    provider: ollama
    match: { regex: "^llama3\\\\.3:70b" }
    prices: { input_mtok: 0.2, output_mtok: 0.6 }
    price_comments: GPU cost per token on our own cluster
  - id: acme-ft
    match: { starts_with: "ft:gpt-4o-mini-2024-07-18:acme" }
    prices:
      - prices: { input_mtok: 0.3, cache_read_mtok: 0.15, output_mtok: 1.2 }
      - constraint: { start_date: 2026-12-01 }
        prices: { input_mtok: "0.25", output_mtok: "1.0" }
discounts:
  openai: 0.8
  anthropic: "0.9"
azure_deployments:
  my-gpt4o: gpt-4o
`;

function problemsAt(problems: PricingProblem[]): string[] {
  return problems.map((p) => `${p.path}: ${p.reason}`);
}

describe('pricing file', () => {
  it('a valid YAML file parses with no problems and prices calls', () => {
    const { overrides, problems } = parsePricingOverrides(GOOD_YAML, 'pricing.yaml');
    assert.deepEqual(problems, []);
    const pricer = createPricer({ overrides });
    const c = pricer.calculateCost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_OLLAMA,
      model: 'llama3.3:70b-instruct-q4',
      usage: { inputTokens: 1000, outputTokens: 1000 },
    });
    assert.equal(c?.totalNanos, 1000 * 200 + 1000 * 600);
    assert.equal(c?.match, 'override');
    const d = pricer.calculateCost({
      provider: GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI,
      model: 'my-gpt4o',
      usage: { inputTokens: 1000, outputTokens: 0 },
    });
    assert.equal(d?.match, 'deployment');
    assert.equal(
      pricer.calculateCost({
        provider: 'anthropic',
        model: 'claude-3-haiku-20240307',
        usage: { inputTokens: 1_000_000, outputTokens: 0 },
      })?.totalUsd,
      0.225,
    );
  });

  it('the same overrides as JSON', () => {
    const json = JSON.stringify({
      models: [{ id: 'x', provider: 'vllm', prices: { input_mtok: 1, output_mtok: 2 } }],
      discounts: { openai: 0.5 },
    });
    const { overrides, problems } = parsePricingOverrides(json, 'pricing.json');
    assert.deepEqual(problems, []);
    assert.equal(
      createPricer({ overrides }).calculateCost({
        provider: 'vllm',
        model: 'X',
        usage: { inputTokens: 1e6, outputTokens: 1e6 },
      })?.totalUsd,
      3,
    );
  });

  it('reports every problem with file, path and reason, and keeps the valid entries', () => {
    const yaml = `
models:
  - id: good
    prices: { input_mtok: 1, output_mtok: 2 }
  - id: neg
    prices: { input_mtok: -1, output_mtok: abc }
  - prices: { input_mtok: 1 }
  - id: badre
    match: { regex: "([unclosed" }
    prices: { input_mtok: 1 }
  - id: unknown-key
    prices: { input_mtoks: 1, cache_read_mtok: 0.1234567 }
    colour: blue
  - id: badtier
    prices:
      input_mtok: { base: 1, tiers: [{ start: -5, price: 2 }] }
  - id: baddate
    prices:
      - constraint: { start_date: 2026-13-45 }
        prices: { input_mtok: 1 }
  - id: needsinput
    prices: { cache_read_mtok: 0.1, output_mtok: 1 }
discounts:
  openai: 0
  mistral: lots
azure_deployments:
  dep1: ""
  dep2: gpt-4o
extra: true
`;
    const { overrides, problems } = parsePricingOverrides(yaml, 'prices.yaml');
    for (const p of problems) assert.equal(p.file, 'prices.yaml');
    const got = problemsAt(problems);
    const expect: [string, RegExp][] = [
      ['extra', /unknown key/],
      ['models[1].prices.input_mtok', /must not be negative/],
      ['models[1].prices.output_mtok', /must be a decimal number/],
      ['models[2].id', /is required/],
      ['models[3].match.regex', /does not compile/],
      ['models[4].colour', /unknown key/],
      ['models[4].prices.input_mtoks', /unknown price key/],
      ['models[4].prices.cache_read_mtok', /more than 6 decimal places/],
      ['models[5].prices.input_mtok.tiers[0].start', /non-negative integer/],
      ['models[6].prices[0].constraint.start_date', /YYYY-MM-DD/],
      ['models[7].prices', /cache_read_mtok without input_mtok/],
      ['discounts.openai', /> 0/],
      ['discounts.mistral', /decimal multiplier/],
      ['azure_deployments.dep1', /model name/],
    ];
    for (const [path, reason] of expect) {
      assert.ok(
        problems.some((p) => p.path === path && reason.test(p.reason)),
        `expected a problem at ${path} matching ${reason}; got:\n${got.join('\n')}`,
      );
    }
    assert.equal(problems.length, expect.length, got.join('\n'));
    // The valid part: one model, no discounts, one deployment.
    assert.deepEqual(
      overrides.models?.map((m) => m.id),
      ['good'],
    );
    assert.deepEqual(overrides.discounts, {});
    assert.deepEqual(overrides.azure_deployments, { dep2: 'gpt-4o' });
    assert.doesNotThrow(() => createPricer({ overrides }));
  });

  it('a YAML syntax error is a problem with no overrides, never an exception', () => {
    const r = parsePricingOverrides('models:\n  - id: a\n    prices: { input_mtok: 1\n', 'broken.yaml');
    assert.deepEqual(r.overrides, {});
    assert.equal(r.problems.length >= 1, true);
    assert.match(r.problems[0]!.reason, /not valid YAML/);
    const j = parsePricingOverrides('{"models": [', 'broken.json');
    assert.match(j.problems[0]!.reason, /not valid JSON/);
    const top = parsePricingOverrides('- 1\n- 2\n', 'list.yaml');
    assert.equal(top.problems[0]!.path, '');
  });

  it('loadPricingFile reads YAML and JSON files, and reports a missing file as a problem', () => {
    const y = join(dir, 'pricing.yml');
    writeFileSync(y, GOOD_YAML);
    assert.deepEqual(loadPricingFile(y).problems, []);
    const j = join(dir, 'pricing.json');
    writeFileSync(j, '{"discounts": {"openai": 2.5, "x": -1}}');
    const r = loadPricingFile(j);
    assert.deepEqual(r.overrides.discounts, { openai: 2.5 });
    assert.deepEqual(problemsAt(r.problems), [
      'discounts.x: must be a decimal multiplier with at most 9 places, got -1',
    ]);
    const missing = loadPricingFile(join(dir, 'nope.yaml'));
    assert.equal(missing.problems.length, 1);
    assert.match(missing.problems[0]!.reason, /cannot read/);
    assert.equal(loadPricingFileFromEnv({}), undefined);
    assert.deepEqual(loadPricingFileFromEnv({ TOKENMETER_PRICING_FILE: y })?.problems, []);
  });

  it('invalid overrides passed in code throw PricingConfigError listing the problems', () => {
    assert.throws(
      () => createPricer({ overrides: { models: [{ id: 'a', prices: { input_mtok: Number.NaN } }] } }),
      (e: unknown) => e instanceof PricingConfigError && /models\[0\]\.prices\.input_mtok/.test(e.message),
    );
  });
});
