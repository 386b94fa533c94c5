// A hostile or broken pricing file under the real preload costs one line on stderr: the app runs,
// its calls are still priced (by the catalog, and by the file's valid entries). Issue 13.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_USAGE_COST,
  ATTR_TOKENMETER_PRICING_SOURCE,
  TOKENMETER_PRICING_SOURCE_VALUE_CATALOG,
  TOKENMETER_PRICING_SOURCE_VALUE_OVERRIDE,
} from '@tokenmeter/semconv';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { runApp, tokenmeterLines } from '../helpers/run-app.js';

const e2e = useE2eEnv('pricing');

async function runWith(name: string, text: string, model = 'gpt-4o-mini') {
  const file = path.join(e2e.dir, name);
  writeFileSync(file, text);
  const service = `pricing-${name}`;
  const run = await runApp('lifecycle.mjs', {
    preload: 'import',
    env: {
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      MODE: 'plain',
      MODEL: model,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: 'off',
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      TOKENMETER_PRICING_FILE: file,
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(
    run.json.some((j) => j.called === true),
    'the app made its call',
  );
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  assert.equal(spans.length, 1, `one span exported (tokenmeter is on): ${run.stderr}`);
  return { file, lines: tokenmeterLines(run.stderr), span: spans[0]! };
}

test('a YAML alias bomb in the pricing file is one line; tokenmeter stays on and prices from the catalog', async () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 8; i++) {
    const [name, prev] = ['abcdefgh'[i], 'abcdefgh'[i - 1]];
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const { file, lines, span } = await runWith('bomb.yaml', `${levels.join('\n')}\nmodels: [*h]\n`);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.ok(
    lines[0]!.startsWith(`tokenmeter: TOKENMETER_PRICING_FILE ${file}: not used: its YAML aliases`),
    lines[0],
  );
  assert.ok(Number(span.attributes[ATTR_GEN_AI_USAGE_COST]) > 0);
  assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_SOURCE], TOKENMETER_PRICING_SOURCE_VALUE_CATALOG);
});

test('a pricing file over 1 MiB is not read: one line with its size; calls are priced from the catalog', async () => {
  const entry = '  - id: m\n    prices: { input_mtok: 1 }\n';
  const { file, lines, span } = await runWith('big.yaml', `models:\n${entry.repeat(80_000)}`);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(
    lines[0]!,
    /^tokenmeter: TOKENMETER_PRICING_FILE \S+: is \d+ bytes, over the 1048576-byte limit/,
  );
  assert.ok(lines[0]!.includes(file));
  assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_SOURCE], TOKENMETER_PRICING_SOURCE_VALUE_CATALOG);
});

test('a regex the linear-time matcher cannot run is one line naming file, model and pattern; the next override prices the call', async () => {
  const { file, lines, span } = await runWith(
    'lookahead.yaml',
    [
      'models:',
      '  - id: not-guard',
      '    match: { regex: "^my-(?!guard)" }',
      '    prices: { input_mtok: 9, output_mtok: 9 }',
      '  - id: my-finetune',
      '    match: { regex: "^(my-)+finetune-\\\\w+$" }',
      '    prices: { input_mtok: 1, output_mtok: 2 }',
      '',
    ].join('\n'),
    'my-finetune-xyz',
  );
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.ok(
    lines[0]!.startsWith(
      `tokenmeter: TOKENMETER_PRICING_FILE ${file} at models[0].match.regex: model "not-guard": "^my-(?!guard)" cannot run`,
    ),
    lines[0],
  );
  assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_SOURCE], TOKENMETER_PRICING_SOURCE_VALUE_OVERRIDE);
  // 7 input tokens at $1/Mtok + 20 output tokens at $2/Mtok (the mock's usage).
  assert.equal(Math.round(Number(span.attributes[ATTR_GEN_AI_USAGE_COST]) * 1e9), 7 * 1000 + 20 * 2000);
});
