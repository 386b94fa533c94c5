// Anthropic, Gemini and Bedrock SDKs, the Vercel AI SDK and LangChain in an unchanged app under the
// real preload (ESM --import with http/protobuf, CJS --require with http/json), against the mock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TokenUsage } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
} from '@tokenmeter/semconv';
import type { ReceivedSpan } from '../../../../test-support/otlp-receiver.js';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { type Preload, type RunResult, runApp, tokenmeterLines } from '../helpers/run-app.js';
import { assertErrorSpan, assertPricedSpan, assertUnpricedSpan, byScenario } from './expect.js';

const OURS = '@tokenmeter/instrumentation';
const e2e = useE2eEnv('providers');

interface Run {
  label: string;
  app: string;
  preload: Preload;
  protocol?: string;
  result?: RunResult;
}
const runs: Run[] = [
  { label: 'bare ESM', app: 'providers.mjs', preload: 'none' },
  { label: 'bare CJS', app: 'providers.cjs', preload: 'none' },
  {
    label: 'ESM --import (http/protobuf)',
    app: 'providers.mjs',
    preload: 'import',
    protocol: 'http/protobuf',
  },
  { label: 'CJS --require (http/json)', app: 'providers.cjs', preload: 'require', protocol: 'http/json' },
];

let ran: Promise<void> | undefined;
function runAll(): Promise<void> {
  ran ??= (async () => {
    // OpenAI-format calls go to /openai/v1 on the mock, declared as OpenAI (a proxy would be).
    const openaiBase = `${e2e.mock.url}/openai/v1`;
    await Promise.all(
      runs.map(async (r, i) => {
        r.result = await runApp(r.app, {
          preload: r.preload,
          env: {
            MOCK_URL: e2e.mock.url,
            MOCK_OPENAI_BASE_URL: openaiBase,
            OTEL_SERVICE_NAME: `providers-e2e-${i}`,
            OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
            ...(r.protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: r.protocol } : {}),
            OTEL_METRICS_EXPORTER: 'none',
            TOKENMETER_STORE: 'off',
            TOKENMETER_PROVIDERS: `openai=${openaiBase}`,
          },
        });
      }),
    );
  })();
  return ran;
}

const spansOf = (i: number, provider: string): ReceivedSpan[] =>
  e2e.receiver.spans.filter(
    (s) =>
      s.resource[ATTR_SERVICE_NAME] === `providers-e2e-${i}` &&
      s.scope === OURS &&
      s.attributes[ATTR_GEN_AI_PROVIDER_NAME] === provider,
  );

type AnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
};
const anthropicUsage = (u: AnthropicUsage): TokenUsage => ({
  // Anthropic reports input without the cached part; the GenAI meaning includes it.
  inputTokens: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
  outputTokens: u.output_tokens,
  cacheReadTokens: u.cache_read_input_tokens ?? 0,
  cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
});

test('every run finishes; the app receives what it receives without tokenmeter', async () => {
  await runAll();
  const bare = [byScenario(runs[0]!.result!.json), byScenario(runs[1]!.result!.json)];
  assert.ok(bare[0]!.size >= 15, 'ESM scenarios ran');
  for (const [i, r] of runs.entries()) {
    assert.equal(r.result!.code, 0, `${r.label}: ${r.result!.stderr}`);
    assert.ok(
      r.result!.json.some((j) => j.done === true),
      `${r.label}: finished`,
    );
    assert.deepEqual(tokenmeterLines(r.result!.stderr), [], `${r.label}: tokenmeter printed nothing`);
    if (i < 2) continue;
    const expected = bare[r.app.endsWith('.mjs') ? 0 : 1]!;
    const got = byScenario(r.result!.json);
    for (const [name, line] of expected) assert.deepEqual(got.get(name), line, `${r.label}: ${name}`);
  }
  assert.equal(bare[0]!.get('anthropic-529')?.errorClass, 'OverloadedError');
  assert.equal(bare[0]!.get('bedrock-throttled')?.errorClass, 'ThrottlingException');
});

test('Anthropic: priced spans (cache writes and reads included in input), one cost per call despite the SDK’s own spans', async () => {
  await runAll();
  const app = byScenario(runs[0]!.result!.json);
  const model = 'claude-3-5-haiku-20241022';
  const e = (u: unknown) => ({
    provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    requestModel: model,
    usage: anthropicUsage(u as AnthropicUsage),
  });
  const cache = app.get('anthropic-cache')!;
  assert.ok(
    (cache.first as AnthropicUsage).cache_creation_input_tokens! > 0,
    'the first call wrote the cache',
  );
  assert.ok((cache.usage as AnthropicUsage).cache_read_input_tokens! > 0, 'the second read it');
  for (const [i, r] of runs.entries()) {
    if (r.preload === 'none') continue;
    const s = spansOf(i, GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    assert.equal(s.length, 5, `${r.label}: anthropic spans`);
    assertPricedSpan(s[0], e(app.get('anthropic-messages')!.usage), `${r.label} messages`);
    assertPricedSpan(s[1], e(app.get('anthropic-stream')!.usage), `${r.label} stream`);
    assertPricedSpan(s[2], e(cache.first), `${r.label} cache write`);
    assertPricedSpan(s[3], e(cache.usage), `${r.label} cache read`);
    assertErrorSpan(s[4], '529', `${r.label} overloaded`);
    // The Anthropic SDK traces itself under a registered provider: its spans carry usage, never a second cost.
    const all = e2e.receiver.spans.filter((x) => x.resource[ATTR_SERVICE_NAME] === `providers-e2e-${i}`);
    const sdkSpans = all.filter(
      (x) =>
        x.scope !== OURS && x.attributes[ATTR_GEN_AI_PROVIDER_NAME] === GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    );
    assert.ok(sdkSpans.length > 0, `${r.label}: the SDK made its own spans`);
    for (const x of sdkSpans)
      assert.equal(x.attributes[ATTR_GEN_AI_USAGE_COST], undefined, `${r.label}: ${x.name} priced twice`);
  }
});

test('Gemini (@google/genai): generateContent and its stream priced; embedContent (no usage on the wire) unpriced', async () => {
  await runAll();
  const app = byScenario(runs[0]!.result!.json);
  type G = {
    promptTokenCount: number;
    candidatesTokenCount: number;
    thoughtsTokenCount?: number;
    cachedContentTokenCount?: number;
  };
  const e = (u: unknown) => {
    const g = u as G;
    return {
      provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      operation: GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
      requestModel: 'gemini-2.0-flash',
      usage: {
        inputTokens: g.promptTokenCount,
        outputTokens: g.candidatesTokenCount + (g.thoughtsTokenCount ?? 0),
        cacheReadTokens: g.cachedContentTokenCount ?? 0,
      },
    };
  };
  for (const [i, r] of runs.entries()) {
    if (r.preload === 'none') continue;
    const s = spansOf(i, GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI);
    assert.equal(s.length, 3, `${r.label}: gemini spans`);
    assertPricedSpan(s[0], e(app.get('gemini-generate')!.usage), `${r.label} generate`);
    assertPricedSpan(s[1], e(app.get('gemini-stream')!.usage), `${r.label} stream`);
    assertUnpricedSpan(s[2], `${r.label} embed`);
    assert.equal(s[2]!.name, `${GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS} text-embedding-004`);
  }
});

test('Bedrock (AWS SDK, HTTP/2, its own send layer): Converse and ConverseStream priced, throttling recorded', async () => {
  await runAll();
  const app = byScenario(runs[0]!.result!.json);
  const modelId = 'anthropic.claude-3-haiku-20240307-v1:0';
  const e = (u: unknown) => {
    const b = u as { inputTokens: number; outputTokens: number };
    return {
      provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
      requestModel: modelId,
      usage: { inputTokens: b.inputTokens, outputTokens: b.outputTokens },
    };
  };
  for (const [i, r] of runs.entries()) {
    if (r.preload === 'none') continue;
    const s = spansOf(i, GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    assert.equal(s.length, 3, `${r.label}: bedrock spans`);
    assertPricedSpan(s[0], e(app.get('bedrock-converse')!.usage), `${r.label} converse`);
    assertPricedSpan(s[1], e(app.get('bedrock-converse-stream')!.usage), `${r.label} converse stream`);
    assertErrorSpan(s[2], '429', `${r.label} throttled`);
  }
});

function openaiSpans(i: number): ReceivedSpan[] {
  return spansOf(i, GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
}
const chat = (input: number, output: number) => ({
  provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
  requestModel: 'gpt-4o-mini',
  usage: { inputTokens: input, outputTokens: output, cacheReadTokens: 0, reasoningTokens: 0 },
});

test('Vercel AI SDK (chat, stream, Responses) and LangChain (invoke, stream): one priced span per call through the same fetch capture', async () => {
  await runAll();
  const app = byScenario(runs[0]!.result!.json);
  const esm = runs.findIndex((r) => r.preload === 'import');
  const spans = openaiSpans(esm);
  // ai-generate, ai-stream, ai-responses, langchain-invoke, langchain-stream.
  assert.equal(spans.length, 5, `openai spans: ${spans.map((x) => x.name).join(', ')}`);
  const u = (name: string) => {
    const x = app.get(name)!.usage as {
      input?: number;
      output?: number;
      input_tokens?: number;
      output_tokens?: number;
    };
    return chat(x.input ?? x.input_tokens!, x.output ?? x.output_tokens!);
  };
  const names = ['ai-generate', 'ai-stream', 'ai-responses', 'langchain-invoke', 'langchain-stream'];
  for (const [n, name] of names.entries()) assertPricedSpan(spans[n], u(name), `ESM ${name}`);
});
