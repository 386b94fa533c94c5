// The providers registered at start-up in place of the SDK's (late-providers.ts): handing out a
// tracer or a meter loads nothing; the first span or instrument loads the SDK once, and what it
// records reaches the real provider; a provider never loaded has nothing to flush.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { PreSendHook } from '@tokenmeter/instrumentation';
import { LateMeterProvider, LateTracerProvider } from '../src/late-providers.js';
import { afterNextRequestSent, firstRequestHook } from '../src/start.js';

function lateTracing() {
  const exporter = new InMemorySpanExporter();
  let loads = 0;
  const provider = new LateTracerProvider(() => {
    loads++;
    return new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  return { provider, exporter, loads: () => loads };
}

test('a tracer handed out before the SDK loads records its spans to the SDK loaded by the first span, loaded once', async () => {
  const { provider, exporter, loads } = lateTracing();
  const a = provider.getTracer('a');
  const b = provider.getTracer('b', '1.0.0');
  assert.equal(loads(), 0, 'getTracer loads nothing');
  await provider.forceFlush();
  assert.equal(loads(), 0, 'a flush with no span loads nothing');

  a.startSpan('first').end();
  b.startActiveSpan('second', (span) => span.end());
  assert.equal(loads(), 1);
  assert.equal(provider.loaded, true);
  assert.deepEqual(
    exporter.getFinishedSpans().map((s) => [s.name, s.instrumentationScope.name]),
    [
      ['first', 'a'],
      ['second', 'b'],
    ],
  );
  await provider.shutdown();
});

test('an SDK that cannot load leaves the tracers non-recording, without throwing into the app', () => {
  const provider = new LateTracerProvider(() => undefined);
  const span = provider.getTracer('a').startSpan('x');
  assert.equal(span.isRecording(), false);
  span.end();
});

test('a meter handed out before the SDK loads: its first instrument loads the SDK, and the reader collects what it recorded', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  let loads = 0;
  const provider = new LateMeterProvider(() => {
    loads++;
    return new MeterProvider({ readers: [reader] });
  });
  const meter = provider.getMeter('m');
  assert.equal(loads, 0, 'getMeter loads nothing');
  await provider.forceFlush();
  assert.equal(loads, 0, 'a flush with nothing recorded loads nothing');

  meter.createCounter('calls').add(2);
  assert.equal(loads, 1);
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics[0]?.metrics[0];
  assert.equal(metric?.descriptor.name, 'calls');
  assert.equal(metric?.dataPoints[0]?.value, 2);
  await provider.shutdown();
});

test('the first LLM request runs the warm-up once, after the budgets decided and the request was written out, and leaves the budgets hook (or none) in place', async () => {
  const installed: (PreSendHook | undefined)[] = [];
  const inst = { setBeforeSend: (h: PreSendHook | undefined) => void installed.push(h) };
  let warmUps = 0;
  let sent: (() => void) | undefined;
  // The request written out: what the default waits for (undici's bodySent channel).
  const install = firstRequestHook(
    inst,
    () => warmUps++,
    (fn) => {
      sent = fn;
    },
  );
  const first = installed.at(-1);
  assert.ok(first, 'a hook waits for the first request');

  let decided = false;
  const budgets: PreSendHook = async () => {
    decided = true;
    return undefined;
  };
  install(budgets);
  assert.equal(installed.at(-1), first, 'the budgets hook waits behind the first-request hook');

  await first!({} as Parameters<PreSendHook>[0]);
  assert.equal(decided, true, 'the budgets hook decided the first request');
  assert.equal(installed.at(-1), budgets, 'then the budgets hook alone');
  await new Promise((r) => setImmediate(r));
  assert.equal(warmUps, 0, 'not before the request is written out');
  sent?.();
  assert.equal(warmUps, 1);

  install(undefined);
  assert.equal(installed.at(-1), undefined, 'no budgets: no hook at all');
});

test('afterNextRequestSent runs its function once a fetch request has been written out, once', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    let runs = 0;
    afterNextRequestSent(() => runs++);
    assert.equal(runs, 0);
    await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' })).text();
    await new Promise((r) => setImmediate(r));
    assert.equal(runs, 1);
    await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'y' })).text();
    await new Promise((r) => setImmediate(r));
    assert.equal(runs, 1, 'once');
  } finally {
    server.close();
  }
});
