import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../src/config.js';

test('defaults: OTLP http/protobuf traces to localhost:4318, Prometheus on loopback 9464, store in ~/.tokenmeter', () => {
  const { config, problems } = parseConfig({ HOME: os.homedir() });
  assert.deepEqual(problems, []);
  assert.equal(config.disabled, false);
  assert.equal(config.serviceName, 'unknown_service:node');
  assert.deepEqual(config.tracesExporters, ['otlp']);
  assert.deepEqual(config.metricsExporters, ['prometheus']);
  assert.deepEqual(config.otlpTraces, {
    url: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 10000,
  });
  assert.equal(config.otlpMetrics.url, 'http://localhost:4318/v1/metrics');
  assert.equal(config.otlpMetrics.temporality, 'cumulative');
  assert.deepEqual(config.prometheus, { host: '127.0.0.1', port: 9464 });
  assert.equal(config.sampler, 'parentbased_always_on');
  assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
  assert.equal(config.captureMessageContent, false);
  assert.equal(config.storePath, path.join(os.homedir(), '.tokenmeter', 'tokenmeter.db'));
  assert.equal(config.openaiStreamUsage, 'inject');
  assert.deepEqual(config.providers, []);
  assert.deepEqual(config.metricLabels, []);
  assert.equal(config.maxMetricSeries, 2000);
  assert.equal(config.costAttributes, 'tokenmeter');
  assert.equal(config.shutdownTimeoutMs, 2000);
  assert.equal(config.logLevel, 'none');
});

test('good values of every setting are taken', () => {
  const { config, problems } = parseConfig({
    OTEL_SDK_DISABLED: 'FALSE',
    OTEL_SERVICE_NAME: 'checkout',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=pay%20ments',
    OTEL_LOG_LEVEL: 'debug',
    OTEL_TRACES_EXPORTER: 'otlp,console',
    OTEL_METRICS_EXPORTER: 'prometheus, otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m.example/custom',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=abc,x-a=b%3Dc',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-a=traces',
    OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '7000',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
    OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
    OTEL_EXPORTER_PROMETHEUS_PORT: '9999',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_PROPAGATORS: 'baggage',
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    TOKENMETER_STORE: '/tmp/tm-test/x.db',
    TOKENMETER_PRICING_FILE: './prices.yaml',
    TOKENMETER_OPENAI_STREAM_USAGE: 'estimate',
    TOKENMETER_PROVIDERS: 'vllm=http://localhost:8000/v1/, ollama=http://localhost:11434',
    TOKENMETER_METRIC_LABELS: 'feature,user',
    TOKENMETER_METRIC_MAX_SERIES: '500',
    TOKENMETER_COST_ATTRIBUTES: 'both',
    TOKENMETER_SHUTDOWN_TIMEOUT_MS: '750',
  });
  assert.deepEqual(problems, []);
  assert.equal(config.serviceName, 'checkout');
  assert.deepEqual(config.resourceAttributes, { 'deployment.environment': 'prod', team: 'pay ments' });
  assert.equal(config.logLevel, 'debug');
  assert.deepEqual(config.tracesExporters, ['otlp', 'console']);
  assert.deepEqual(config.metricsExporters, ['prometheus', 'otlp']);
  assert.deepEqual(config.otlpTraces, {
    url: 'https://collector.example:4318/v1/traces',
    protocol: 'http/json',
    headers: { 'x-honeycomb-team': 'abc', 'x-a': 'traces' },
    timeoutMs: 5000,
  });
  assert.deepEqual(config.otlpMetrics, {
    url: 'http://m.example/custom',
    protocol: 'http/protobuf',
    headers: { 'x-honeycomb-team': 'abc', 'x-a': 'b=c' },
    timeoutMs: 7000,
    temporality: 'delta',
  });
  assert.deepEqual(config.prometheus, { host: '0.0.0.0', port: 9999 });
  assert.equal(config.sampler, 'parentbased_traceidratio');
  assert.equal(config.samplerRatio, 0.25);
  assert.deepEqual(config.propagators, ['baggage']);
  assert.equal(config.captureMessageContent, true);
  assert.equal(config.storePath, '/tmp/tm-test/x.db');
  assert.equal(config.pricingFile, './prices.yaml');
  assert.equal(config.openaiStreamUsage, 'estimate');
  assert.deepEqual(config.providers, [
    { provider: 'vllm', baseUrl: 'http://localhost:8000/v1' },
    { provider: 'ollama', baseUrl: 'http://localhost:11434' },
  ]);
  assert.deepEqual(config.metricLabels, ['feature', 'user']);
  assert.equal(config.maxMetricSeries, 500);
  assert.equal(config.costAttributes, 'both');
  assert.equal(config.shutdownTimeoutMs, 750);
});

test('service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset; none means no exporter', () => {
  const { config, problems } = parseConfig({
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=api,service.version=1.2',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'NONE',
    OTEL_PROPAGATORS: 'none',
    TOKENMETER_STORE: 'off',
    OTEL_SDK_DISABLED: 'true',
  });
  assert.deepEqual(problems, []);
  assert.equal(config.serviceName, 'api');
  assert.deepEqual(config.resourceAttributes, { 'service.version': '1.2' });
  assert.deepEqual(config.tracesExporters, []);
  assert.deepEqual(config.metricsExporters, []);
  assert.deepEqual(config.propagators, []);
  assert.equal(config.storePath, null);
  assert.equal(config.disabled, true);
});

test('each bad value gives one line naming the variable, the value and the default used', () => {
  const { config, problems } = parseConfig({
    OTEL_SDK_DISABLED: 'yes',
    OTEL_LOG_LEVEL: 'loud',
    OTEL_TRACES_EXPORTER: 'otlp,zipkin',
    OTEL_METRICS_EXPORTER: 'statsd',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318',
    OTEL_EXPORTER_OTLP_TIMEOUT: '10s',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
    OTEL_EXPORTER_PROMETHEUS_PORT: '70000',
    OTEL_TRACES_SAMPLER: 'sometimes',
    OTEL_PROPAGATORS: 'tracecontext,b3',
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '1',
    TOKENMETER_OPENAI_STREAM_USAGE: 'always',
    TOKENMETER_PROVIDERS: 'vllm=localhost:8000,=http://x,ok=http://127.0.0.1:1/v1',
    TOKENMETER_METRIC_LABELS: 'feature,tenant',
    TOKENMETER_METRIC_MAX_SERIES: '-3',
    TOKENMETER_COST_ATTRIBUTES: 'all',
    TOKENMETER_SHUTDOWN_TIMEOUT_MS: 'soon',
    TOKENMETER_STOR: '/tmp/x.db',
  });
  assert.deepEqual(problems, [
    'OTEL_SDK_DISABLED="yes" is not true or false; using false',
    'OTEL_LOG_LEVEL="loud" is not one of none, error, warn, info, debug, verbose, all; using none',
    'OTEL_TRACES_EXPORTER: "zipkin" is not one of otlp, console, none (not shipped by tokenmeter; send OTLP to a collector); ignored',
    'OTEL_METRICS_EXPORTER: "statsd" is not one of prometheus, otlp, console, none; ignored',
    'OTEL_METRICS_EXPORTER: no usable value; using prometheus',
    'OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4318" is not an http:// or https:// URL; using http://localhost:4318',
    `OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not one of http/protobuf, http/json (grpc: tokenmeter sends OTLP over HTTP only; point the endpoint at the collector's OTLP/HTTP port, 4318); using http/protobuf`,
    'OTEL_EXPORTER_OTLP_HEADERS: "novalue" is not key=value; ignored',
    'OTEL_EXPORTER_OTLP_TIMEOUT="10s" is not a whole count of ms in 1..3600000; using 10000',
    'OTEL_EXPORTER_PROMETHEUS_PORT="70000" is not a whole port number in 0..65535; using 9464',
    'OTEL_TRACES_SAMPLER="sometimes" is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on',
    'OTEL_PROPAGATORS: "b3" is not one of tracecontext, baggage, none (not shipped by tokenmeter); ignored',
    'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="1" is not true or false; using false',
    'TOKENMETER_OPENAI_STREAM_USAGE="always" is not one of inject, estimate, off; using inject',
    'TOKENMETER_PROVIDERS: "localhost:8000" (for vllm) is not an http:// or https:// URL; ignored',
    'TOKENMETER_PROVIDERS: "=http://x" is not name=url (e.g. vllm=http://localhost:8000/v1); ignored',
    'TOKENMETER_METRIC_LABELS: "tenant" is not one of feature, user, none; ignored',
    'TOKENMETER_METRIC_MAX_SERIES="-3" is not a whole number in 1..1000000; using 2000',
    'TOKENMETER_COST_ATTRIBUTES="all" is not one of tokenmeter, upstream, both; using tokenmeter',
    'TOKENMETER_SHUTDOWN_TIMEOUT_MS="soon" is not a whole count of ms in 0..600000; using 2000',
    'TOKENMETER_STOR is not a tokenmeter setting; did you mean TOKENMETER_STORE?',
  ]);
  // Defaults (or the usable part) were kept.
  assert.equal(config.disabled, false);
  assert.deepEqual(config.tracesExporters, ['otlp']);
  assert.deepEqual(config.metricsExporters, ['prometheus']);
  assert.equal(config.otlpTraces.url, 'http://localhost:4318/v1/traces');
  assert.equal(config.otlpTraces.protocol, 'http/protobuf');
  assert.equal(config.otlpTraces.timeoutMs, 10000);
  assert.equal(config.prometheus.port, 9464);
  assert.deepEqual(config.propagators, ['tracecontext']);
  assert.deepEqual(config.providers, [{ provider: 'ok', baseUrl: 'http://127.0.0.1:1/v1' }]);
  assert.deepEqual(config.metricLabels, ['feature']);
  assert.equal(config.shutdownTimeoutMs, 2000);
});

test('a sampler ratio outside 0..1 is reported; the ratio is ignored for non-ratio samplers', () => {
  assert.deepEqual(
    parseConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }).problems,
    ['OTEL_TRACES_SAMPLER_ARG="1.5" is not a ratio in 0..1; using 1'],
  );
  const r = parseConfig({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'x' });
  assert.deepEqual(r.problems, []);
  assert.equal(r.config.samplerRatio, 1);
});

test('a metric export timeout longer than the interval is capped to it (the reader would refuse it)', () => {
  const { config } = parseConfig({ OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' });
  assert.equal(config.metricExportIntervalMs, 1000);
  assert.equal(config.metricExportTimeoutMs, 1000);
});

test('TOKENMETER_STORE: a path is resolved against the working directory, TOKENMETER_HOME moves the default', () => {
  assert.equal(
    parseConfig({ TOKENMETER_STORE: 'data/calls.db' }).config.storePath,
    path.resolve('data/calls.db'),
  );
  assert.equal(parseConfig({ TOKENMETER_HOME: '/srv/tm' }).config.storePath, '/srv/tm/tokenmeter.db');
  assert.equal(parseConfig({ TOKENMETER_STORE: 'OFF' }).config.storePath, null);
});
