// What the preload leaves out of start-up, and the promises that must hold all the same: the
// OpenTelemetry SDK (tracer and meter providers, resources, the Prometheus exporter), the store, the
// budgets, the YAML parser, RE2, the OTLP exporter, the instrumentation's fetch path (request
// recognition, adapters, call and span code) and @tokenmeter/pricing load only when first needed
// (with the app's first LLM call, its first scrape, or never), yet an app that makes one call with the defaults
// (store on, OTLP on, Prometheus on) and ends at once has its call priced, exported, stored and
// scraped, and a scrape before any call gets a valid answer.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_GEN_AI_USAGE_COST, METRIC_LLM_REQUESTS_DESCRIPTOR } from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { parsePrometheus, promtoolAvailable, promtoolCheck, total } from '../helpers/prometheus.js';
import { freePort, type Preload, runApp } from '../helpers/run-app.js';

const e2e = useE2eEnv('lazy');

const NOTHING_LOADED = {
  store: false,
  budgets: false,
  yaml: false,
  re2js: false,
  otlpExporter: false,
  tracerSdk: false,
  meterSdk: false,
  prometheusExporter: false,
  resources: false,
  iitmHook: false,
  catalog: false,
  fetchPath: false,
  adapters: false,
  pricing: false,
};

let serial = 0;

async function firstCall(preload: Preload, mode: 'end' | 'exit' | 'scrape') {
  const service = `lazy-${preload}-${mode}-${++serial}`;
  const store = path.join(e2e.dir, `${service}.db`);
  const run = await runApp('first-call.cjs', {
    preload,
    env: {
      MODE: mode,
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      TOKENMETER_STORE: store,
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '', 'nothing printed by tokenmeter');
  const line = (key: string) => run.json.find((l) => key in l)?.[key];
  const rows = () => {
    const s = openStore(store, { readonly: true });
    try {
      return s.summary().totals.calls;
    } finally {
      s.close();
    }
  };
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  return { line, rows, spans };
}

for (const preload of ['import', 'require'] as const) {
  test(`--${preload}: the OpenTelemetry SDK, import-in-the-middle's hook, the store, budgets, YAML, RE2, the OTLP exporter, the pricing package and the instrumentation's fetch path are not loaded at start-up, and only the last two by require('openai')`, async () => {
    const { line } = await firstCall(preload, 'end');
    assert.deepEqual(line('atStart'), NOTHING_LOADED);
    // require('openai') loads the fetch path (and pricing with it): the first call does not wait for it.
    assert.deepEqual(line('afterRequire'), {
      ...NOTHING_LOADED,
      fetchPath: true,
      adapters: true,
      pricing: true,
    });
    // The first call loads what a call needs (the store, budgets with the store on); YAML and RE2
    // stay out (no budgets file, no pricing file).
    const afterCall = line('afterCall') as Record<string, boolean>;
    assert.equal(afterCall.store, true, 'the store is loaded by the first call');
    assert.equal(afterCall.tracerSdk, true, 'the SDK is loaded by the first call');
    assert.equal(afterCall.catalog, true, 'the catalog is parsed by the first call');
    assert.equal(afterCall.fetchPath, true, 'the fetch path is loaded by the first call');
    assert.equal(afterCall.yaml, false);
    assert.equal(afterCall.re2js, false);
    // A CommonJS app's require('openai') goes through require-in-the-middle, never import-in-the-middle.
    assert.equal(afterCall.iitmHook, false);
  });

  test(`--${preload}: one call with the defaults, then the event loop runs dry: the call is priced, exported and stored`, async () => {
    const { rows, spans } = await firstCall(preload, 'end');
    assert.equal(spans.length, 1, 'the span was exported');
    assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
    assert.equal(rows(), 1, 'the call was stored');
  });

  test(`--${preload}: one call with the defaults, then process.exit() at once: the call is stored`, async () => {
    const { line, rows } = await firstCall(preload, 'exit');
    assert.equal((line('done') as boolean) ?? false, true);
    assert.equal(rows(), 1, 'the call was stored');
  });

  test(`--${preload}: a Prometheus scrape before the first LLM call gets a valid answer, and the scrape after it counts the call`, async () => {
    const { line, rows } = await firstCall(preload, 'scrape');
    const before = line('scrapeBefore') as { status: number; text: string };
    assert.equal(before.status, 200);
    // What the SDK's exporter answers with no metric recorded yet: the resource's target_info and
    // "# no registered metrics", whose missing newline the endpoint adds so promtool accepts it.
    assert.equal(total(parsePrometheus(before.text), 'target_info'), 1);
    assert.ok(before.text.endsWith('\n'), 'the exposition ends with a newline');
    if (promtoolAvailable()) {
      const check = promtoolCheck(before.text);
      assert.ok(check.ok, check.output);
    }
    const after = line('scrapeAfter') as { status: number; text: string };
    assert.equal(after.status, 200);
    if (promtoolAvailable()) {
      const check = promtoolCheck(after.text);
      assert.ok(check.ok, check.output);
    }
    assert.equal(total(parsePrometheus(after.text), METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName), 1);
    assert.equal(rows(), 1, 'the call was stored');
  });
}

test('from Node 24 on, propagation (on by default) does not load node:http, node:https and TLS at start-up; on Node 20 it wraps http.request and https.request, so it does', async () => {
  for (const preload of ['import', 'require'] as const) {
    const r = await runApp('-p', {
      preload,
      env: {
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
        OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      },
      args: [
        "['http', 'https', 'tls'].map((m) => process.moduleLoadList.includes('NativeModule ' + m)).join()",
      ],
    });
    assert.equal(r.code, 0, r.stderr);
    const major = Number(process.versions.node.split('.')[0]);
    assert.equal(r.stdout.trim(), major >= 24 ? 'false,false,false' : 'true,true,true', `--${preload}`);
  }
});
