// A failure inside the metrics recorder is never swallowed silently: the call goes on, and the
// failure is logged through the OTel diag logger (warned once per place, debug after) and counted in
// tokenmeter.internal.errors{tokenmeter.component=metrics}, through a real MeterProvider.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_TOKENMETER_COMPONENT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import type { CallRecord } from '../src/call-record.js';
import { METRICS_COMPONENT, MetricsRecorder } from '../src/metrics/recorder.js';
import { points } from './helpers/otel.js';

const warned: string[] = [];
const debugged: string[] = [];
afterEach(() => {
  diag.disable();
  warned.length = 0;
  debugged.length = 0;
});

function setup() {
  diag.setLogger(
    {
      error: () => {},
      warn: (message: string) => warned.push(message),
      info: () => {},
      debug: (message: string) => debugged.push(message),
      verbose: () => {},
    },
    DiagLogLevel.DEBUG,
  );
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const recorder = new MetricsRecorder();
  recorder.setMeterProvider(provider);
  const collect = async () => [(await reader.collect()).resourceMetrics];
  const internalErrors = async (collected?: Awaited<ReturnType<typeof collect>>) =>
    points(collected ?? (await collect()), METRIC_TOKENMETER_INTERNAL_ERRORS_DESCRIPTOR.name)
      .filter((p) => p.attributes[ATTR_TOKENMETER_COMPONENT] === METRICS_COMPONENT)
      .reduce((n, p) => n + (p.value as number), 0);
  return { recorder, collect, internalErrors, close: () => provider.shutdown() };
}

const call = (over: Partial<CallRecord> = {}): CallRecord => ({
  startTimeMs: Date.now(),
  durationMs: 120,
  provider: 'openai',
  operation: 'chat',
  requestModel: 'gpt-4o-mini',
  stream: false,
  usage: { inputTokens: 7, outputTokens: 3 },
  usageEstimated: false,
  cost: null,
  pricingMatch: 'unknown_model',
  attribution: {},
  sampled: true,
  ...over,
});

/** A record whose `field` throws when read (a bug of ours, or a hostile object). */
function throwingOn(field: keyof CallRecord, base: CallRecord = call()): CallRecord {
  return new Proxy(base, {
    get(target, key, receiver) {
      if (key === field) throw new Error(`${String(field)} unreadable`);
      return Reflect.get(target, key, receiver);
    },
  });
}

test('a call the recorder fails to record: record() does not throw, one diag warning, counted as a metrics failure', async () => {
  const { recorder, internalErrors, close } = setup();
  try {
    assert.doesNotThrow(() => recorder.record(throwingOn('attribution')));
    assert.doesNotThrow(() => recorder.record(throwingOn('attribution')));
    assert.equal(await internalErrors(), 2);
    assert.equal(warned.length, 1, 'warned once for the same place');
    assert.match(warned[0]!, /tokenmeter metrics: recording a call failed/);
    assert.equal(debugged.filter((m) => m.startsWith('tokenmeter metrics:')).length, 1, 'then at debug');
  } finally {
    await close();
  }
});

test("a call whose histograms fail to record: the other calls' histograms are recorded, the failure logged and counted", async () => {
  const { recorder, collect, internalErrors, close } = setup();
  try {
    recorder.record(call());
    // durationMs is read only when the queued histograms are recorded (at collection).
    recorder.record(throwingOn('durationMs'));
    recorder.record(call());
    const collected = await collect();
    const durations = points(collected, METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
    assert.equal(
      durations.reduce((n, p) => n + (p.value as Histogram).count, 0),
      2,
      'the two good calls are in the duration histogram',
    );
    assert.equal(await internalErrors(collected), 1);
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /recording a call's histograms failed/);
  } finally {
    await close();
  }
});
