// Loading a hooked SDK under the instrumentation reads the SDK's package.json once, not once per
// file of the SDK (@opentelemetry/instrumentation asks for the version on every file's require:
// hundreds of times for openai), and the SDK is still patched: its calls are priced.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { ATTR_GEN_AI_USAGE_COST } from '@tokenmeter/semconv';
import { type Harness, requireSdk, startHarness, tokenmeterSpans } from './helpers/otel.js';

type Reader = { _extractPackageVersion(baseDir: string): string | undefined };
const base = InstrumentationBase.prototype as unknown as Reader;
const original = base._extractPackageVersion;
const reads = new Map<string, number>();

let h: Harness;
before(async () => {
  base._extractPackageVersion = function (this: Reader, baseDir: string) {
    reads.set(baseDir, (reads.get(baseDir) ?? 0) + 1);
    return original.call(this, baseDir);
  };
  h = await startHarness();
});
after(async () => {
  base._extractPackageVersion = original;
  await h.close();
});

test('require("openai") reads openai’s version once, and its calls are still priced', async () => {
  assert.equal(
    Object.keys(requireSdk.cache).some((f) => /[\\/]node_modules[\\/]openai[\\/]/.test(f)),
    false,
    'openai not loaded before the test',
  );
  const { default: OpenAI } = requireSdk('openai') as typeof import('openai');
  const openaiReads = [...reads].filter(([dir]) => /[\\/]node_modules[\\/]openai$/.test(dir));
  assert.deepEqual(
    openaiReads.map(([, n]) => n),
    [1],
    'one read of openai/package.json',
  );
  const loadedFiles = Object.keys(requireSdk.cache).filter((f) =>
    /[\\/]node_modules[\\/]openai[\\/]/.test(f),
  );
  assert.ok(
    loadedFiles.length > 10,
    `openai loads many files (${loadedFiles.length}): the check means something`,
  );

  const client = new OpenAI({ baseURL: h.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const spans = tokenmeterSpans(h.spans);
  assert.equal(spans.length, 1);
  assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number');
});
