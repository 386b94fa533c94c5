// The openai SDK pointed at a base URL tokenmeter does not know and nobody declared (a company
// gateway, a proxy, a test mock on loopback), under the real preload: the provider is inferred from
// the model, so the call is priced in the span, the metrics and the store alike, marked
// inferred_provider; a stream whose caller asked for usage records exactly what the server sent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { calculateCost } from '@tokenmeter/pricing';
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_TOKENMETER_COST_LOCAL,
  ATTR_TOKENMETER_PRICING_MATCH,
  ATTR_TOKENMETER_USAGE_ESTIMATED,
  LABEL_PROVIDER,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { REPO, type RunResult, runApp } from '../helpers/run-app.js';
import { byScenario, openaiChatUsage } from './expect.js';

const e2e = useE2eEnv('unknown-host');

const SERVICE = 'unknown-host-e2e';
let ran: Promise<{ run: RunResult; storePath: string }> | undefined;
function runOnce(): Promise<{ run: RunResult; storePath: string }> {
  ran ??= (async () => {
    const storePath = path.join(e2e.dir, 'calls.db');
    const run = await runApp('openai.mjs', {
      preload: 'import',
      env: {
        // Not declared in TOKENMETER_PROVIDERS: an unknown host.
        MOCK_OPENAI_BASE_URL: `${e2e.mock.url}/v1`,
        SCENARIOS: 'chat,chat-stream-usage',
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
        OTEL_METRICS_EXPORTER: 'otlp',
        TOKENMETER_STORE: storePath,
      },
    });
    assert.equal(run.code, 0, run.stderr);
    return { run, storePath };
  })();
  return ran;
}

const gpt4oMini = (usage: Parameters<typeof openaiChatUsage>[0]) =>
  calculateCost({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage: openaiChatUsage(usage) })!;

test('gpt-4o-mini at an undeclared loopback base URL: priced spans marked inferred_provider, stream usage as sent', async () => {
  const { run } = await runOnce();
  const app = byScenario(run.json);
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === SERVICE && s.kind === 3);
  assert.equal(spans.length, 2);
  for (const [i, name] of ['chat', 'chat-stream-usage'].entries()) {
    const a = spans[i]!.attributes;
    const usage = app.get(name)!.usage as Parameters<typeof openaiChatUsage>[0];
    assert.equal(a[ATTR_GEN_AI_PROVIDER_NAME], 'openai', name);
    assert.equal(a[ATTR_SERVER_ADDRESS], '127.0.0.1', name);
    assert.equal(a[ATTR_TOKENMETER_PRICING_MATCH], 'inferred_provider', name);
    assert.equal(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS], usage.prompt_tokens, `${name}: input tokens as sent`);
    assert.equal(
      a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS],
      usage.completion_tokens,
      `${name}: output tokens as sent`,
    );
    assert.equal(a[ATTR_TOKENMETER_USAGE_ESTIMATED], undefined, name);
    assert.equal(Math.round((a[ATTR_GEN_AI_USAGE_COST] as number) * 1e9), gpt4oMini(usage).totalNanos, name);
  }
});

test('gpt-4o-mini at an undeclared base URL: the metrics count it priced under provider openai', async () => {
  const { run } = await runOnce();
  const app = byScenario(run.json);
  const points = e2e.receiver.points.filter((p) => p.resource[ATTR_SERVICE_NAME] === SERVICE);
  const requests = points.filter((p) => p.metric === METRIC_LLM_REQUESTS_DESCRIPTOR.name);
  assert.deepEqual(
    requests.map((p) => [p.attributes[LABEL_PROVIDER], String(p.attributes.priced), p.value]),
    [['openai', 'true', 2]],
  );
  const cost = points
    .filter((p) => p.metric === METRIC_LLM_COST_USD_DESCRIPTOR.name)
    .reduce((sum, p) => sum + p.value, 0);
  const expected = ['chat', 'chat-stream-usage']
    .map((n) => gpt4oMini(app.get(n)!.usage as Parameters<typeof openaiChatUsage>[0]).totalNanos)
    .reduce((x, y) => x + y, 0);
  assert.equal(Math.round(cost * 1e9), expected);
});

test('gpt-4o-mini at an undeclared base URL: the store rows are priced and marked inferred_provider', async () => {
  const { storePath } = await runOnce();
  const store = openStore(storePath, { readonly: true });
  try {
    const { calls } = store.calls({ limit: 10 });
    assert.equal(calls.length, 2);
    for (const c of calls) {
      assert.equal(c.provider, 'openai');
      assert.equal(c.pricingMatch, 'inferred_provider');
      assert.ok(c.costNanos !== null && c.costNanos > 0);
    }
  } finally {
    store.close();
  }
});

test('a LiteLLM proxy’s reported cost reaches the store as the call’s cost, the local price beside it', async () => {
  const storePath = path.join(e2e.dir, 'litellm.db');
  const run = await runApp('openai.mjs', {
    preload: 'import',
    env: {
      MOCK_OPENAI_BASE_URL: `${e2e.mock.url}/gateway/litellm/v1`,
      SCENARIOS: 'chat',
      OTEL_SERVICE_NAME: 'litellm-e2e',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: storePath,
    },
  });
  assert.equal(run.code, 0, run.stderr);
  const usage = byScenario(run.json).get('chat')!.usage as Parameters<typeof openaiChatUsage>[0];
  const store = openStore(storePath, { readonly: true });
  try {
    const [c] = store.calls({ limit: 10 }).calls;
    assert.ok(c);
    assert.equal(c.gateway, 'litellm');
    assert.equal(c.costReported, true);
    assert.equal(c.pricingSource, 'provider');
    // The mock's LiteLLM reports gpt-4o-mini's list price; the local price is the catalog's.
    assert.equal(c.costNanos, usage.prompt_tokens * 150 + usage.completion_tokens * 600);
    assert.equal(c.localCostNanos, gpt4oMini(usage).totalNanos);
  } finally {
    store.close();
  }
});

test('a reported cost on a model with no local price: span, metrics, store row and `tokenmeter cost` all count it priced by the provider', async () => {
  const storePath = path.join(e2e.dir, 'provider-reported.db');
  const service = 'provider-reported-e2e';
  const run = await runApp('openai.mjs', {
    preload: 'import',
    env: {
      MOCK_OPENAI_BASE_URL: `${e2e.mock.url}/gateway/litellm/v1`,
      MODEL: 'acme/house-model-no-catalog-knows',
      SCENARIOS: 'chat',
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'otlp',
      TOKENMETER_STORE: storePath,
    },
  });
  assert.equal(run.code, 0, run.stderr);
  const usage = byScenario(run.json).get('chat')!.usage as Parameters<typeof openaiChatUsage>[0];
  // The mock's LiteLLM reports the tokens at gpt-4o-mini's list price.
  const reported = usage.prompt_tokens * 150 + usage.completion_tokens * 600;

  const [span] = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service && s.kind === 3);
  assert.ok(span);
  assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_MATCH], 'provider_reported');
  assert.equal(Math.round((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) * 1e9), reported);
  assert.equal(span.attributes[ATTR_TOKENMETER_COST_LOCAL], undefined);

  const requests = e2e.receiver.points.filter(
    (p) => p.resource[ATTR_SERVICE_NAME] === service && p.metric === METRIC_LLM_REQUESTS_DESCRIPTOR.name,
  );
  assert.deepEqual(
    requests.map((p) => String(p.attributes.priced)),
    ['true'],
  );

  const store = openStore(storePath, { readonly: true });
  try {
    const [c] = store.calls({ limit: 10 }).calls;
    assert.ok(c);
    assert.equal(c.pricingMatch, 'provider_reported');
    assert.equal(c.costNanos, reported);
    assert.equal(c.costReported, true);
    assert.equal(c.localCostNanos, null);
  } finally {
    store.close();
  }

  const cli = path.join(REPO, 'packages/cli/bin/tokenmeter.mjs');
  const cost = async (...extra: string[]) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'cost', '--store', storePath, '--since', '1h', '--json', ...extra],
      { timeout: 60_000 },
    );
    return JSON.parse(stdout) as {
      totals: { costNanos: number; unpricedCalls: number };
      reportedCalls: number;
    };
  };
  const provider = await cost();
  assert.equal(provider.totals.costNanos, reported);
  assert.equal(provider.totals.unpricedCalls, 0, 'not unpriced: the provider priced it');
  assert.equal(provider.reportedCalls, 1);
  const local = await cost('--source', 'local');
  assert.equal(local.totals.costNanos, 0);
  assert.equal(local.totals.unpricedCalls, 1, 'tokenmeter has no price of its own for it');
});
