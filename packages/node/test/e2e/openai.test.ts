// The openai SDK (v7) in an unchanged app, under the real preload, against the mock provider, with
// a real OTLP receiver: ESM with --import (http/protobuf), CommonJS with --require (http/json) and
// CommonJS with --import. What the app receives is compared with a bare run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  TOKENMETER_PRICING_MATCH_VALUE_UNKNOWN_MODEL,
} from '@tokenmeter/semconv';
import type { ReceivedSpan } from '../../../../test-support/otlp-receiver.js';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { type Preload, type RunResult, runApp, tokenmeterLines } from '../helpers/run-app.js';
import {
  assertErrorSpan,
  assertPricedSpan,
  assertUnpricedSpan,
  byScenario,
  openaiChatUsage,
  openaiResponsesUsage,
} from './expect.js';

const e2e = useE2eEnv('openai');

const SCENARIOS = [
  'chat',
  'chat-raw',
  'chat-stream',
  'chat-stream-raw',
  'chat-stream-usage',
  'chat-stream-usage-raw',
  'chat-cached',
  'responses',
  'responses-stream',
  'embeddings',
  'attributed',
  'baggage',
  'unknown-model',
  'error-400',
  'error-429',
  'error-500',
  'malformed-json',
  'stream-malformed',
  'truncated-sse',
  'cut-stream',
  'abort',
  'abort-stream',
  'conn-refused',
];

function env(service: string, extra: Record<string, string> = {}) {
  return {
    MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
    DEAD_URL: 'http://127.0.0.1:9/v1',
    SCENARIOS: SCENARIOS.join(','),
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
    OTEL_METRICS_EXPORTER: 'none',
    TOKENMETER_STORE: 'off',
    // The mock is at 127.0.0.1: tell tokenmeter it is OpenAI, as a proxy or gateway would be declared.
    TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
    ...extra,
  };
}

interface Run {
  label: string;
  app: string;
  preload: Preload;
  protocol?: string;
  result?: RunResult;
}

const runs: Run[] = [
  { label: 'bare ESM', app: 'openai.mjs', preload: 'none' },
  { label: 'bare CJS', app: 'openai.cjs', preload: 'none' },
  { label: 'ESM --import (http/protobuf)', app: 'openai.mjs', preload: 'import', protocol: 'http/protobuf' },
  { label: 'CJS --require (http/json)', app: 'openai.cjs', preload: 'require', protocol: 'http/json' },
  { label: 'CJS --import (http/protobuf)', app: 'openai.cjs', preload: 'import', protocol: 'http/protobuf' },
];

let ran: Promise<void> | undefined;
function runAll(): Promise<void> {
  ran ??= (async () => {
    await Promise.all(
      runs.map(async (r, i) => {
        r.result = await runApp(r.app, {
          preload: r.preload,
          env: env(`openai-e2e-${i}`, r.protocol ? { OTEL_EXPORTER_OTLP_PROTOCOL: r.protocol } : {}),
        });
      }),
    );
  })();
  return ran;
}

function spansOf(i: number): ReceivedSpan[] {
  return e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === `openai-e2e-${i}`);
}

test('every run completes every scenario, and tokenmeter prints nothing', async () => {
  await runAll();
  for (const r of runs) {
    const res = r.result!;
    assert.equal(res.code, 0, `${r.label}: exit code\n${res.stderr}`);
    assert.ok(
      res.json.some((j) => j.done === true),
      `${r.label}: did not finish`,
    );
    assert.deepEqual(tokenmeterLines(res.stderr), [], `${r.label}: tokenmeter lines`);
  }
});

test('the app receives exactly what it receives without tokenmeter (bodies, streams, errors)', async () => {
  await runAll();
  const bareEsm = byScenario(runs[0]!.result!.json);
  const bareCjs = byScenario(runs[1]!.result!.json);
  assert.equal(bareEsm.size, SCENARIOS.length);
  assert.deepEqual(bareCjs, bareEsm, 'the ESM and CJS apps see the same');
  // Guard against a vacuous comparison: the runs did see streams, errors and aborts.
  assert.equal(bareEsm.get('chat-stream')?.ok, true);
  assert.equal(bareEsm.get('error-429')?.errorClass, 'RateLimitError');
  assert.equal(bareEsm.get('abort')?.errorClass, 'APIUserAbortError');
  assert.equal(bareEsm.get('conn-refused')?.errorClass, 'APIConnectionError');
  for (const r of runs.slice(2)) {
    const got = byScenario(r.result!.json);
    for (const name of SCENARIOS) {
      assert.deepEqual(got.get(name), bareEsm.get(name), `${r.label}: ${name}`);
    }
    // What the SDK itself printed (its own warnings on malformed events) is unchanged too.
    assert.equal(
      r.result!.stderr,
      runs[r.app.endsWith('.mjs') ? 0 : 1]!.result!.stderr,
      `${r.label}: stderr`,
    );
  }
});

test('the injected include_usage leaves no trace in the raw stream the app reads', async () => {
  await runAll();
  const bare = byScenario(runs[0]!.result!.json).get('chat-stream-raw')!;
  const asked = byScenario(runs[0]!.result!.json).get('chat-stream-usage-raw')!;
  assert.notEqual(bare.bytes, asked.bytes, 'a usage chunk changes the bytes: the comparison can fail');
  for (const r of runs.slice(2)) {
    const got = byScenario(r.result!.json).get('chat-stream-raw')!;
    assert.equal(got.bytes, bare.bytes, `${r.label}: byte length`);
    assert.equal(got.digest, bare.digest, `${r.label}: bytes`);
  }
});

test('one priced CLIENT span per call, to the nano-dollar, in each run', async () => {
  await runAll();
  const app = byScenario(runs[0]!.result!.json);
  const chatUsage = openaiChatUsage(app.get('chat')!.usage as Parameters<typeof openaiChatUsage>[0]);
  const cached = openaiChatUsage(app.get('chat-cached')!.usage as Parameters<typeof openaiChatUsage>[0]);
  const cachedFirst = openaiChatUsage(app.get('chat-cached')!.first as Parameters<typeof openaiChatUsage>[0]);
  assert.equal(cachedFirst.cacheReadTokens, 0, 'nothing cached on the first call');
  assert.ok((cached.cacheReadTokens ?? 0) > 0, 'the mock reported cached tokens');
  const respUsage = openaiResponsesUsage(
    app.get('responses')!.usage as Parameters<typeof openaiResponsesUsage>[0],
  );
  const embedUsage = {
    inputTokens: (app.get('embeddings')!.usage as { prompt_tokens: number }).prompt_tokens,
    outputTokens: 0,
  };
  const chat = (usage = chatUsage) => ({
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    operation: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    requestModel: 'gpt-4o-mini',
    usage,
  });

  for (const [i, r] of runs.entries()) {
    if (r.preload === 'none') continue;
    const spans = spansOf(i);
    // chat-cached makes two calls; every other scenario one.
    assert.equal(spans.length, SCENARIOS.length + 1, `${r.label}: span count`);
    assert.ok(spans.every((s) => s.encoding === (r.protocol === 'http/json' ? 'json' : 'protobuf')));
    const s = (n: number) => spans[n];
    const L = (n: string) => `${r.label} ${n}`;
    assertPricedSpan(s(0), chat(), L('chat'));
    assertPricedSpan(s(1), chat(), L('chat-raw'));
    // The app did not ask for usage: tokenmeter asked for it, and priced the real numbers.
    assertPricedSpan(s(2), chat(), L('chat-stream'));
    assert.equal(s(2)!.attributes[ATTR_GEN_AI_REQUEST_STREAM], true);
    assertPricedSpan(s(3), chat(), L('chat-stream-raw'));
    assertPricedSpan(s(4), chat(), L('chat-stream-usage'));
    assertPricedSpan(s(5), chat(), L('chat-stream-usage-raw'));
    assertPricedSpan(s(6), chat(cachedFirst), L('chat-cached (first call)'));
    assertPricedSpan(s(7), chat(cached), L('chat-cached (second call)'));
    assertPricedSpan(s(8), chat(respUsage), L('responses'));
    assertPricedSpan(s(9), chat(respUsage), L('responses-stream'));
    assertPricedSpan(
      s(10),
      {
        provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
        operation: GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
        requestModel: 'text-embedding-3-small',
        usage: embedUsage,
      },
      L('embeddings'),
    );
    assertPricedSpan(s(11), chat(), L('attributed'));
    assert.equal(s(11)!.attributes[ATTR_TOKENMETER_FEATURE], 'search');
    assert.equal(s(11)!.attributes[ATTR_TOKENMETER_USER_ID], 'u-1');
    assert.equal(s(11)!.attributes[ATTR_TOKENMETER_TENANT_ID], 'acme');
    assertPricedSpan(s(12), chat(), L('baggage'));
    assert.equal(s(12)!.attributes[ATTR_TOKENMETER_FEATURE], 'summarize');
    assert.equal(s(12)!.attributes[ATTR_TOKENMETER_TENANT_ID], 'globex');
    // Unknown model: usage recorded, no cost, and why.
    assertUnpricedSpan(s(13), L('unknown-model'));
    assert.equal(
      s(13)!.attributes[ATTR_TOKENMETER_PRICING_MATCH],
      TOKENMETER_PRICING_MATCH_VALUE_UNKNOWN_MODEL,
    );
    assert.equal(s(13)!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS], 7);
    // Provider errors: the status code as error.type.
    assertErrorSpan(s(14), '400', L('error-400'));
    assertErrorSpan(s(15), '429', L('error-429'));
    assertErrorSpan(s(16), '500', L('error-500'));
    // A body or stream the SDK cannot parse: a span, never a cost.
    assertUnpricedSpan(s(17), L('malformed-json'));
    // (The mock sends the rest of the stream after the broken event, usage included: it may be priced.)
    assert.equal(s(18)!.attributes[ATTR_GEN_AI_REQUEST_STREAM], true, L('stream-malformed'));
    assertUnpricedSpan(s(19), L('truncated-sse'));
    // A cut connection, an abort, a refused connection: the error class as error.type.
    assertErrorSpan(s(20), 'TypeError', L('cut-stream'));
    assertErrorSpan(s(21), 'AbortError', L('abort'));
    assertUnpricedSpan(s(22), L('abort-stream'));
    assertErrorSpan(s(23), 'TypeError', L('conn-refused'));
    for (const span of spans) {
      assert.equal(
        span.attributes[ATTR_GEN_AI_OPERATION_NAME] !== undefined,
        true,
        `${r.label}: ${span.name}`,
      );
    }
    const priced = spans.filter((x, n) => n !== 18 && x.attributes[ATTR_GEN_AI_USAGE_COST] !== undefined);
    assert.equal(priced.length, 13, `${r.label}: priced spans`);
  }
});
