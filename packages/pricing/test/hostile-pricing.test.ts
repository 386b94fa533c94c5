// Hostile pricing files and model names (issue 13): a pattern that backtracks, a name chosen to make
// matching slow, a YAML alias bomb, an oversized file. Each costs one problem line; the rest applies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GEN_AI_PROVIDER_NAME_VALUE_OPENAI } from '@tokenmeter/semconv';
import {
  createPricer,
  loadPricingFile,
  MAX_MODEL_NAME_LENGTH,
  MAX_PRICING_FILE_BYTES,
  parsePricingOverrides,
} from '../src/index.js';
import { checkMatch, MAX_RULE_DEPTH } from '../src/match.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const usage = { inputTokens: 1000, outputTokens: 1000 };

describe('regex rules from users', () => {
  it('a pattern the linear-time matcher cannot run (a lookahead) is one problem naming file, model and pattern; the other overrides apply', () => {
    const file = join(dir, 'lookahead.yaml');
    writeFileSync(
      file,
      [
        'models:',
        '  - id: llama-not-guard',
        '    match: { regex: "^llama(?!-guard)" }',
        '    prices: { input_mtok: 9, output_mtok: 9 }',
        '  - id: house-model',
        '    match: { starts_with: "house-" }',
        '    prices: { input_mtok: 1, output_mtok: 2 }',
        '',
      ].join('\n'),
    );
    const { overrides, problems } = loadPricingFile(file);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    const [p] = problems;
    assert.equal(p!.file, file);
    assert.equal(p!.path, 'models[0].match.regex');
    assert.match(
      p!.reason,
      /^model "llama-not-guard": "\^llama\(\?!-guard\)" cannot run on tokenmeter's linear-time matcher/,
    );
    assert.match(p!.reason, /lookahead, lookbehind and back-references are not supported/);
    const pricer = createPricer({ overrides });
    const house = pricer.calculateCost({ provider: 'vllm', model: 'house-7b', usage });
    assert.equal(house?.modelId, 'house-model');
    assert.equal(house?.totalNanos, 1000 * 1000 + 1000 * 2000);
    assert.equal(pricer.calculateCost({ provider: 'vllm', model: 'llama-3', usage }), null);
  });

  it('a back-reference and an over-long pattern are refused too', () => {
    const { problems } = parsePricingOverrides(
      JSON.stringify({
        models: [
          { id: 'a', match: { regex: '(x)\\1' }, prices: { input_mtok: 1 } },
          { id: 'b', match: { or: [{ regex: 'y'.repeat(1001) }] }, prices: { input_mtok: 1 } },
        ],
      }),
      'p.json',
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['models[0].match.regex', 'models[1].match.or[0].regex'],
    );
    assert.match(problems[1]!.reason, /^model "b": is 1001 characters long; a regex rule takes at most 1000/);
  });

  it('a pattern that backtracks exponentially in JavaScript (^(a+)+$) cannot stall pricing: it matches as written, and a hostile name is answered', () => {
    // In a child process so that a regression (a backtracking engine) fails by the hang guard
    // instead of blocking this test runner: with JavaScript's engine this name takes 2^60 steps.
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const code = `
      import { createPricer } from ${JSON.stringify(index)};
      const overrides = { models: [{ id: 'as', match: { regex: '^(a+)+$' }, prices: { input_mtok: 1, output_mtok: 1 } }] };
      const pricer = createPricer({ overrides });
      const usage = { inputTokens: 1, outputTokens: 1 };
      const hostile = pricer.priceCall({ provider: 'vllm', model: 'a'.repeat(60) + '!', usage });
      const plain = pricer.calculateCost({ provider: 'vllm', model: 'aaaa', usage });
      console.log(JSON.stringify({ hostile: hostile.cost, plain: plain?.modelId }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 120_000, // a hang guard, not a measure: the answer takes milliseconds
    });
    assert.equal(r.signal, null, `pricing did not finish: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { hostile: null, plain: 'as' });
  });

  it(`model names longer than ${MAX_MODEL_NAME_LENGTH} characters are refused before any rule runs`, () => {
    const pricer = createPricer({
      overrides: {
        models: [{ id: 'any-a', match: { contains: 'a' }, prices: { input_mtok: 1, output_mtok: 1 } }],
      },
    });
    const longest = 'a'.repeat(MAX_MODEL_NAME_LENGTH);
    assert.equal(pricer.calculateCost({ provider: 'vllm', model: longest, usage })?.modelId, 'any-a');
    const r = pricer.priceCall({ provider: 'vllm', model: `${longest}a`, usage });
    assert.equal(r.cost, null);
    assert.equal(r.reason, 'invalid_input');
    assert.match(r.error!.message, /model .*is 257 characters long; names longer than 256 are not matched/);
    assert.equal(pricer.explainPrice(undefined, `${longest}a`), null);
    // A catalog model is no exception.
    const gpt = `gpt-4o-mini${' '.repeat(MAX_MODEL_NAME_LENGTH)}`;
    assert.equal(
      pricer.priceCall({ provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI, model: gpt, usage }).reason,
      'invalid_input',
    );
  });

  it(`or/and nested more than ${MAX_RULE_DEPTH} deep is one problem, not a stack overflow`, () => {
    const deep = `${'{"or":['.repeat(20_000)}{"equals":"x"}${']}'.repeat(20_000)}`;
    const { overrides, problems } = parsePricingOverrides(
      `{"models":[{"id":"deep","match":${deep},"prices":{"input_mtok":1}},{"id":"ok","prices":{"input_mtok":1}}]}`,
      'p.json',
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.reason, /nests or\/and more than 16 deep/);
    assert.deepEqual(
      overrides.models?.map((m) => m.id),
      ['ok'],
    );
    assert.deepEqual(checkMatch({ and: [{ or: [{ equals: 'a' }] }] }, 'm'), []);
  });
});

describe('hostile pricing files', () => {
  it('a YAML alias bomb is one problem and no overrides (it used to throw out of loadPricingFile)', () => {
    const file = join(dir, 'bomb.yaml');
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
      const prev = 'abcdefg'[i];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(file, `${levels.join('\n')}\nmodels: [*h]\n`);
    const r = loadPricingFile(file);
    assert.deepEqual(r.overrides, {});
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.file, file);
    assert.match(
      r.problems[0]!.reason,
      /^not used: its YAML aliases expand too far .*at most 100 alias references/,
    );
  });

  it('a file over 1 MiB is not read: one problem with its size, no overrides', () => {
    const file = join(dir, 'big.yaml');
    const entry = '  - id: m\n    prices: { input_mtok: 1 }\n';
    writeFileSync(file, `models:\n${entry.repeat(Math.ceil((2 * MAX_PRICING_FILE_BYTES) / entry.length))}`);
    const r = loadPricingFile(file);
    assert.deepEqual(r.overrides, {});
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!.reason,
      /^is \d+ bytes, over the 1048576-byte limit of a pricing file: not read, no overrides apply/,
    );
    const text = parsePricingOverrides('#'.repeat(MAX_PRICING_FILE_BYTES + 1), 'p.yaml');
    assert.match(text.problems[0]!.reason, /^is 1048577 characters, over the 1048576-byte limit/);
  });

  it('a file of exactly 1 MiB is read', () => {
    const file = join(dir, 'edge.yaml');
    const head = 'models:\n  - id: edge\n    prices: { input_mtok: 1 }\n';
    writeFileSync(file, `${head}${'#'.repeat(MAX_PRICING_FILE_BYTES - head.length)}`);
    const r = loadPricingFile(file);
    assert.deepEqual(r.problems, []);
    assert.equal(r.overrides.models?.[0]?.id, 'edge');
  });

  it('a directory is not read', () => {
    const r = loadPricingFile(dir);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.reason, /^cannot read/);
  });
});
