// One cardinality budget for every metric (issue 13: 10,000 model names gave 106,052 series and a
// 31 MB page because the gen_ai.* histograms, at 17 series per label set, and llm_tokens_total, at
// up to 4 per model, went far past TOKENMETER_METRIC_MAX_SERIES). A real Prometheus scrape of the
// preload's endpoint after 600 distinct model names with a cap of 100 series.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import {
  ATTR_OTEL_METRIC_OVERFLOW,
  LABEL_MODEL,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
  type MetricDescriptor,
} from '@tokenmeter/semconv';
import {
  parsePrometheus,
  promtoolAvailable,
  promtoolCheck,
  type Sample,
  total,
} from '../helpers/prometheus.js';
import { freePort, type RunResult, runApp } from '../helpers/run-app.js';

const MODELS = 600;
const CAP = 100;
const OVERFLOW_LABEL = ATTR_OTEL_METRIC_OVERFLOW.replaceAll('.', '_');

let mock: MockProvider;
let dir: string;
before(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-cardinality-'));
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

let scraped: Promise<{ run: RunResult; text: string; samples: Sample[] }> | undefined;
function scrape() {
  scraped ??= (async () => {
    const port = await freePort();
    // The app's models are priced by an override, so that the cost metrics have label sets too.
    const pricing = path.join(dir, 'prices.yaml');
    writeFileSync(
      pricing,
      'models:\n  - id: tenant-model\n    match: { starts_with: tenant-model- }\n    prices: { input_mtok: 1, output_mtok: 2 }\n',
    );
    let text = '';
    const run = await runApp('many-models.mjs', {
      preload: 'import',
      env: {
        MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
        MODELS: String(MODELS),
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        OTEL_LOG_LEVEL: 'warn',
        TOKENMETER_STORE: 'off',
        TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
        TOKENMETER_METRIC_MAX_SERIES: String(CAP),
        TOKENMETER_PRICING_FILE: pricing,
      },
      killAfterMs: 120_000,
      onLine: (line, child) => {
        if (!line.includes('"done":true')) return;
        void fetch(`http://127.0.0.1:${port}/metrics`)
          .then((r) => r.text())
          .then((t) => {
            text = t;
          })
          .finally(() => child.kill('SIGTERM'));
      },
    });
    return { run, text, samples: parsePrometheus(text) };
  })();
  return scraped;
}

const METRICS: MetricDescriptor[] = [
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR,
  METRIC_TOKENMETER_CLIENT_OPERATION_COST_DESCRIPTOR,
];

/** The samples of a metric: the series itself, or a histogram's _bucket, _sum and _count. */
function seriesOf(samples: Sample[], d: MetricDescriptor): Sample[] {
  const names = d.buckets
    ? ['_bucket', '_sum', '_count'].map((s) => `${d.prometheusName}${s}`)
    : [d.prometheusName];
  return samples.filter((s) => names.includes(s.name));
}

test('every metric stays within TOKENMETER_METRIC_MAX_SERIES series, plus its overflow set', async () => {
  const { run, samples } = await scrape();
  assert.equal(run.signal, 'SIGTERM', run.stderr);
  for (const d of METRICS) {
    const all = seriesOf(samples, d);
    const own = all.filter((s) => s.labels[OVERFLOW_LABEL] === undefined);
    const overflow = all.filter((s) => s.labels[OVERFLOW_LABEL] === 'true');
    assert.ok(own.length > 0, `${d.prometheusName}: some label sets fit`);
    assert.ok(own.length <= CAP, `${d.prometheusName}: ${own.length} series past the cap of ${CAP}`);
    assert.ok(overflow.length > 0, `${d.prometheusName}: the rest is in the overflow set`);
    assert.equal(own.length + overflow.length, all.length);
    for (const s of overflow) {
      const model = s.labels[LABEL_MODEL] ?? s.labels.gen_ai_request_model;
      assert.equal(model, 'other', `${d.prometheusName} overflow set: ${JSON.stringify(s.labels)}`);
      assert.equal(s.labels.gen_ai_response_model, undefined);
      assert.equal(s.labels.server_address, undefined);
    }
  }
});

test('totals stay whole: every call is counted once, in its own label set or the overflow set', async () => {
  const { samples } = await scrape();
  assert.equal(total(samples, METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName), MODELS);
  const count = (d: MetricDescriptor) => total(samples, `${d.prometheusName}_count`);
  assert.equal(count(METRIC_GEN_AI_CLIENT_OPERATION_DURATION_DESCRIPTOR), MODELS);
  assert.equal(count(METRIC_GEN_AI_CLIENT_TOKEN_USAGE_DESCRIPTOR), 2 * MODELS);
  assert.equal(count(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK_DESCRIPTOR), MODELS / 3);
});

test('each metric that reached the cap says so once (diag warn)', async () => {
  const { run } = await scrape();
  const lines = run.stderr.split('\n').filter((l) => l.includes('reached its cap'));
  for (const d of METRICS) {
    const mine = lines.filter((l) => l.includes(`the metric ${d.name} reached its cap of ${CAP} series`));
    assert.equal(mine.length, 1, `${d.name}: ${mine.length} lines\n${lines.join('\n')}`);
  }
});

test('promtool accepts the scrape', {
  skip: !promtoolAvailable() && !process.env.TOKENMETER_CI && 'promtool not installed',
}, async () => {
  const { text } = await scrape();
  const check = promtoolCheck(text);
  assert.ok(check.ok, check.output);
});
