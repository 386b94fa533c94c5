// Metrics and the local store under the real preload: a real Prometheus scrape of the distro's own
// /metrics endpoint (checked with promtool), and the SQLite store read back after the process ended.
// Traces are sampled out entirely: cost metrics and the store must not depend on sampling.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { calculateCost } from '@tokenmeter/pricing';
import {
  ATTR_ERROR_TYPE,
  LABEL_MODEL,
  LABEL_ORG_ID,
  LABEL_PROVIDER,
  LABEL_TOKEN_TYPE,
  LABEL_TOKEN_TYPE_VALUE_INPUT,
  LABEL_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { useE2eEnv } from '../helpers/e2e-env.js';
import {
  find,
  parsePrometheus,
  promtoolAvailable,
  promtoolCheck,
  type Sample,
  total,
} from '../helpers/prometheus.js';
import { freePort, type RunResult, runApp } from '../helpers/run-app.js';
import { byScenario, openaiChatUsage } from './expect.js';

const e2e = useE2eEnv('metrics');

const REQUESTS = METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName;
const TOKENS = METRIC_LLM_TOKENS_DESCRIPTOR.prometheusName;
const COST = METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName;
const ROLLING = METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.prometheusName;
const nanos = (usd: number) => Math.round(usd * 1e9);

interface Scraped {
  run: RunResult;
  text: string;
  samples: Sample[];
  port: number;
  storePath: string;
  offLoopback: string | undefined;
}

let scraped: Promise<Scraped> | undefined;
function scrapeRun(): Promise<Scraped> {
  scraped ??= (async () => {
    const port = await freePort();
    const storePath = path.join(e2e.dir, 'calls.db');
    let text = '';
    let offLoopback: string | undefined;
    const run = await runApp('openai.mjs', {
      preload: 'import',
      env: {
        MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
        SCENARIOS: 'chat,chat,attributed,chat-stream,unknown-model,error-400,embeddings',
        HOLD: '1',
        OTEL_TRACES_SAMPLER: 'always_off',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        OTEL_SERVICE_NAME: 'metrics-e2e',
        TOKENMETER_STORE: storePath,
        TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      },
      onLine: (line, child) => {
        if (!line.includes('"done":true')) return;
        void (async () => {
          try {
            text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
            // The endpoint is bound to loopback: another address of this host does not answer.
            const ext = Object.values(os.networkInterfaces())
              .flat()
              .find((i) => i && i.family === 'IPv4' && !i.internal);
            if (ext) {
              offLoopback = await fetch(`http://${ext.address}:${port}/metrics`, {
                signal: AbortSignal.timeout(2000),
              }).then(
                () => 'answered',
                (e: Error) => `refused: ${(e.cause as { code?: string })?.code ?? e.name}`,
              );
            }
          } finally {
            child.kill('SIGTERM');
          }
        })();
      },
    });
    return { run, text, samples: parsePrometheus(text), port, storePath, offLoopback };
  })();
  return scraped;
}

test('the app runs, and a SIGTERM with no handler of the app ends it by that signal', async () => {
  const { run } = await scrapeRun();
  assert.equal(run.signal, 'SIGTERM', run.stderr);
  assert.equal(run.code, null);
  assert.equal(run.killed, false);
});

test('promtool accepts the scrape', {
  skip: !promtoolAvailable() && !process.env.TOKENMETER_CI && 'promtool not installed',
}, async () => {
  const { text } = await scrapeRun();
  assert.match(text, new RegExp(`^${REQUESTS}\\{`, 'm'));
  const check = promtoolCheck(text);
  assert.ok(check.ok, check.output);
});

test('llm_requests_total, llm_tokens_total and llm_cost_usd_total by provider and model (request model)', async () => {
  const { samples, run } = await scrapeRun();
  const app = byScenario(run.json);
  const usage = openaiChatUsage(app.get('chat')!.usage as Parameters<typeof openaiChatUsage>[0]);
  const priced = calculateCost({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage })!;
  const mini = { [LABEL_PROVIDER]: 'openai', [LABEL_MODEL]: 'gpt-4o-mini' };
  // chat ×2, attributed, chat-stream (priced) + error-400 (not priced).
  assert.equal(total(samples, REQUESTS, mini), 5);
  assert.equal(total(samples, REQUESTS, { ...mini, [LABEL_ORG_ID]: 'acme' }), 1);
  assert.equal(total(samples, REQUESTS, { [LABEL_MODEL]: 'my-finetune-xyz' }), 1);
  assert.equal(total(samples, REQUESTS, { [LABEL_MODEL]: 'text-embedding-3-small' }), 1);
  assert.equal(total(samples, REQUESTS), 7);
  assert.equal(
    total(samples, TOKENS, { ...mini, [LABEL_TOKEN_TYPE]: LABEL_TOKEN_TYPE_VALUE_INPUT }),
    4 * usage.inputTokens,
  );
  assert.equal(
    total(samples, TOKENS, { ...mini, [LABEL_TOKEN_TYPE]: LABEL_TOKEN_TYPE_VALUE_OUTPUT }),
    4 * usage.outputTokens,
  );
  assert.equal(nanos(total(samples, COST, mini)), 4 * priced.totalNanos);
  assert.equal(nanos(total(samples, COST, { ...mini, [LABEL_ORG_ID]: 'acme' })), priced.totalNanos);
  // Unknown model: counted, never priced at $0.
  assert.deepEqual(find(samples, COST, { [LABEL_MODEL]: 'my-finetune-xyz' }), []);
  // Labels are only the allowed ones.
  for (const s of [...find(samples, REQUESTS), ...find(samples, COST)]) {
    for (const k of Object.keys(s.labels))
      assert.ok(['provider', 'model', 'org_id', 'priced'].includes(k), `label ${k}`);
  }
});

test('the call histograms: an observation per call, per token direction, per priced call and per stream', async () => {
  const { samples } = await scrapeRun();
  const count = (d: { prometheusName: string }, labels: Record<string, string> = {}) =>
    total(samples, `${d.prometheusName}_count`, labels);
  assert.equal(count(METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR), 7);
  assert.equal(
    count(METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR, { [ATTR_ERROR_TYPE.replace('.', '_')]: '400' }),
    1,
  );
  // Every call with usage (all but the failed one): input and output.
  assert.equal(count(METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR), 12);
  assert.equal(count(METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR), 5);
  assert.equal(count(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR), 1);
  // Buckets are cumulative and end at +Inf with the count.
  const buckets = find(samples, `${METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR.prometheusName}_bucket`);
  const inf = buckets.filter((b) => b.labels.le === '+Inf').reduce((a, b) => a + b.value, 0);
  assert.equal(inf, 12);
  const cost = total(samples, `${METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR.prometheusName}_sum`);
  assert.equal(nanos(cost), nanos(total(samples, COST)));
});

test('llm_cost_usd_rolling_24h per org_id', async () => {
  const { samples, run } = await scrapeRun();
  const app = byScenario(run.json);
  const usage = openaiChatUsage(app.get('chat')!.usage as Parameters<typeof openaiChatUsage>[0]);
  const chat = calculateCost({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage })!.totalNanos;
  const embed = calculateCost({
    provider: 'openai',
    model: 'text-embedding-3-small',
    usage: {
      inputTokens: (app.get('embeddings')!.usage as { prompt_tokens: number }).prompt_tokens,
      outputTokens: 0,
    },
  })!.totalNanos;
  assert.equal(nanos(total(samples, ROLLING, { [LABEL_ORG_ID]: 'acme' })), chat);
  assert.equal(nanos(total(samples, ROLLING)), 4 * chat + embed);
});

test('the endpoint listens on loopback only by default', async (t) => {
  const { offLoopback } = await scrapeRun();
  if (offLoopback === undefined) return t.skip('this host has no non-loopback IPv4 address');
  assert.match(offLoopback, /^refused/);
});

test('the local store holds every call after the process ended (flushed on SIGTERM)', async () => {
  const { storePath, run } = await scrapeRun();
  const app = byScenario(run.json);
  const usage = openaiChatUsage(app.get('chat')!.usage as Parameters<typeof openaiChatUsage>[0]);
  const chat = calculateCost({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage })!.totalNanos;
  const store = openStore(storePath, { readonly: true });
  try {
    const { totals, groups } = store.summary({ groupBy: 'tenant' });
    assert.equal(totals.calls, 7);
    assert.equal(totals.errors, 1);
    assert.equal(totals.unpricedCalls >= 1, true);
    assert.equal(groups.find((g) => g.key === 'acme')?.costNanos, chat);
    const page = store.calls({ limit: 10 });
    assert.ok(page.calls.every((c) => c.service === 'metrics-e2e'));
    assert.equal(page.calls.filter((c) => c.feature === 'search').length, 1);
  } finally {
    store.close();
  }
});

test('OTLP metrics, http/json and http/protobuf, cumulative and delta: the counters and the call histograms arrive at exit', async () => {
  const runs = [
    ['http/json', 'cumulative'],
    ['http/protobuf', 'delta'],
  ] as const;
  await Promise.all(
    runs.map(async ([protocol, temporality]) => {
      const run = await runApp('openai.mjs', {
        preload: 'import',
        env: {
          MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
          SCENARIOS: 'chat,chat,chat-stream,error-400,embeddings',
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality,
          OTEL_SERVICE_NAME: `otlp-metrics-${temporality}`,
          TOKENMETER_STORE: 'off',
          TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
        },
      });
      assert.equal(run.code, 0, run.stderr);
    }),
  );
  for (const [protocol, temporality] of runs) {
    const points = e2e.receiver.points.filter(
      (p) => p.resource[ATTR_SERVICE_NAME] === `otlp-metrics-${temporality}`,
    );
    assert.ok(points.every((p) => p.encoding === (protocol === 'http/json' ? 'json' : 'protobuf')));
    const histogram = (d: { name: string }) =>
      points.filter((p) => p.metric === d.name && p.type === 'histogram');
    const count = (d: { name: string }) => histogram(d).reduce((a, p) => a + (p.count ?? 0), 0);
    assert.equal(count(METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR), 5, `${temporality}: durations`);
    assert.equal(count(METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR), 8, `${temporality}: token usage`);
    assert.equal(count(METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR), 4, `${temporality}: cost`);
    assert.equal(
      count(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR),
      1,
      `${temporality}: ttfc`,
    );
    const cost = histogram(METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR).reduce(
      (a, p) => a + p.value,
      0,
    );
    const counter = points
      .filter((p) => p.metric === METRIC_LLM_COST_USD_DESCRIPTOR.name)
      .reduce((a, p) => a + p.value, 0);
    assert.ok(cost > 0);
    assert.equal(nanos(cost), nanos(counter), `${temporality}: the cost histogram sums to the cost counter`);
  }
});
