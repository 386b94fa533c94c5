// The distro ends calls in batches (a call's span, metrics and store row are made a few
// milliseconds after the app's await returns). Nothing is lost or late for any reader: calls still
// waiting in the batch are in the store after process.exit, a natural end or SIGTERM; their spans
// are exported by forceFlush() and shutdown() before those resolve; a Prometheus scrape counts them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { METRIC_LLM_REQUESTS_DESCRIPTOR } from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { parsePrometheus, total } from '../helpers/prometheus.js';
import { freePort, type RunOptions, type RunResult, runApp } from '../helpers/run-app.js';

const e2e = useE2eEnv('batches');

const CALLS = 6;

function opts(mode: string, extra: Record<string, string> = {}, more: Partial<RunOptions> = {}): RunOptions {
  return {
    preload: 'import',
    env: {
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      MODE: mode,
      CALLS: String(CALLS),
      OTEL_SERVICE_NAME: `batches-${mode}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: path.join(e2e.dir, `${mode}.db`),
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      ...extra,
    },
    ...more,
  };
}

const spansOf = (service: string) =>
  e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);

function storedCalls(mode: string): number {
  const s = openStore(path.join(e2e.dir, `${mode}.db`), { readonly: true });
  try {
    return s.summary().totals.calls;
  } finally {
    s.close();
  }
}

/** How many calls the app saw waiting in the batch when it went on. */
function waitingAtEnd(run: RunResult): number {
  const line = run.json.find((l) => 'waiting' in l && 'calls' in l) as { waiting: number } | undefined;
  assert.ok(line, `the app reported its calls: ${run.stdout} ${run.stderr}`);
  return line.waiting;
}

test('calls still in the batch at process.exit, a natural end and SIGTERM: every one is stored and exported', async () => {
  const [exited, ended, signalled] = await Promise.all([
    runApp('batch-window.mjs', opts('exit')),
    runApp('batch-window.mjs', opts('end')),
    runApp(
      'batch-window.mjs',
      opts(
        'hold',
        {},
        {
          onLine: (line, child) => {
            if (line.includes('"ready"')) child.kill('SIGTERM');
          },
        },
      ),
    ),
  ]);
  assert.equal(exited.code, 0, exited.stderr);
  assert.equal(ended.code, 0, ended.stderr);
  assert.equal(signalled.signal, 'SIGTERM', signalled.stderr);
  for (const [mode, run] of [
    ['exit', exited],
    ['end', ended],
    ['hold', signalled],
  ] as const) {
    assert.ok(waitingAtEnd(run) >= 1, `${mode}: the last call was still in the batch`);
    assert.equal(storedCalls(mode), CALLS, `${mode}: every call stored`);
  }
  // process.exit leaves no time for an export (as without batches); the other two flush spans.
  assert.equal(spansOf('batches-end').length, CALLS, 'natural end: every span exported');
  assert.equal(spansOf('batches-hold').length, CALLS, 'SIGTERM: every span exported');
});

test('forceFlush() and shutdown() export the spans of calls still in the batch before they resolve', async () => {
  const atFlush = new Map<string, number>();
  const kill =
    (marker: string, mode: string) => (line: string, child: { kill(s: NodeJS.Signals): unknown }) => {
      if (!line.includes(marker)) return;
      atFlush.set(mode, spansOf(`batches-${mode}`).length);
      child.kill('SIGKILL');
    };
  const [flushed, shut] = await Promise.all([
    runApp('batch-window.mjs', opts('flush', {}, { onLine: kill('"flushed"', 'flush') })),
    runApp('batch-window.mjs', opts('shutdown', {}, { onLine: kill('"shutdown"', 'shutdown') })),
  ]);
  for (const [mode, run] of [
    ['flush', flushed],
    ['shutdown', shut],
  ] as const) {
    assert.ok(waitingAtEnd(run) >= 1, `${mode}: the last call was still in the batch`);
    assert.equal(atFlush.get(mode), CALLS, `${mode}: every span received when it resolved`);
    assert.equal(storedCalls(mode), CALLS, `${mode}: every call stored when it resolved`);
  }
});

test('a Prometheus scrape right after the calls counts the ones still in the batch', async () => {
  const port = await freePort();
  const run = await runApp(
    'batch-window.mjs',
    opts('scrape', { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.ok(waitingAtEnd(run) >= 1, 'the last call was still in the batch');
  const text = (run.json.find((l) => 'metrics' in l) as { metrics: string }).metrics;
  assert.equal(total(parsePrometheus(text), METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName), CALLS);
});
