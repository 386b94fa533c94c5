import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test-support/otlp-receiver.js';
import { LazySpanExporter } from '../src/lazy-exporter.js';
import { buildSpanProcessors } from '../src/sdk.js';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

/** A lazy OTLP/protobuf exporter to the test receiver, counting its loads. */
function lazyOtlp(): { exporter: LazySpanExporter; loads: () => number } {
  let loads = 0;
  const exporter = new LazySpanExporter(async () => {
    loads++;
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) as unknown as SpanExporter;
  }, 'OTLP span');
  return { exporter, loads: () => loads };
}

test('the span exporter is loaded when spans are first exported, and they reach the collector', async () => {
  const { exporter, loads } = lazyOtlp();
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.getTracer('t').startSpan('lazy-1').end();
  assert.equal(loads(), 0, 'nothing loaded before an export');
  await provider.forceFlush();
  assert.equal(loads(), 1);
  provider.getTracer('t').startSpan('lazy-2').end();
  await provider.shutdown();
  assert.equal(loads(), 1, 'loaded once');
  const names = receiver.spans.map((s) => s.name);
  assert.ok(names.includes('lazy-1') && names.includes('lazy-2'), names.join());
});

test('flush and shutdown before any span load nothing (a script that made no LLM call)', async () => {
  const { exporter, loads } = lazyOtlp();
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(loads(), 0);
  assert.equal(exporter.loaded, false);
});

test('an exporter that fails to load: the export fails, one diag error, nothing thrown', async () => {
  const errors: string[] = [];
  const logger: DiagLogger = {
    error: (m) => errors.push(m),
    warn: () => {},
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, DiagLogLevel.ERROR);
  try {
    const exporter = new LazySpanExporter(async () => {
      throw new Error('Cannot find module');
    }, 'OTLP span');
    const results = await Promise.all(
      [1, 2].map(() => new Promise<number>((resolve) => exporter.export([], (r) => resolve(r.code)))),
    );
    assert.deepEqual(results, [ExportResultCode.FAILED, ExportResultCode.FAILED]);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(
      errors[0]!,
      /the OTLP span exporter did not load \(Cannot find module\); nothing is exported through it/,
    );
    await exporter.forceFlush();
    await exporter.shutdown();
  } finally {
    diag.disable();
  }
});

test('as the distro sets it up, the exporter starts loading when the first span starts, ready before the batch leaves', async () => {
  const { exporter, loads } = lazyOtlp();
  const provider = new NodeTracerProvider({ spanProcessors: buildSpanProcessors([exporter]) });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(loads(), 0, 'no span, nothing loaded');
  const span = provider.getTracer('t').startSpan('warm');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(loads(), 1, 'loading once the first span started');
  span.end();
  await provider.shutdown();
  assert.equal(loads(), 1);
  assert.ok(receiver.spans.some((s) => s.name === 'warm'));
});
