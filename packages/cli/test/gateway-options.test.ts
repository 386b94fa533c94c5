// `tokenmeter gateway` reads its environment through the one env table (@tokenmeter/config), as the
// distro does: blank is unset, values are trimmed, and its own defaults apply where the table's differ.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandContext } from '../src/command.js';
import { gatewayOptions } from '../src/commands/gateway.js';
import type { CliIO } from '../src/io.js';

function options(env: Record<string, string | undefined>) {
  const warnings: string[] = [];
  const ctx = {
    io: { env } as unknown as CliIO,
    values: { forward: 'http://collector:4318' },
    positionals: [],
    name: 'gateway',
    now: 0,
  } as unknown as CommandContext;
  return { ...gatewayOptions(ctx, (line) => warnings.push(line)), warnings };
}

test('the gateway names its service from OTEL_SERVICE_NAME, trimmed, and a blank one is unset (tokenmeter-gateway)', () => {
  assert.equal(options({ OTEL_SERVICE_NAME: '  billing-gw ' }).serviceName, 'billing-gw');
  assert.equal(options({ OTEL_SERVICE_NAME: '   ' }).serviceName, 'tokenmeter-gateway');
  assert.equal(options({}).serviceName, 'tokenmeter-gateway');
});

test('the gateway sends OTLP metrics to its next hop unless an OTLP endpoint is set (a blank one is unset)', () => {
  const otlp = { OTEL_METRICS_EXPORTER: 'otlp' };
  assert.equal(options(otlp).otlpMetrics?.url, 'http://collector:4318/v1/metrics');
  assert.equal(
    options({ ...otlp, OTEL_EXPORTER_OTLP_ENDPOINT: ' ', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '' })
      .otlpMetrics?.url,
    'http://collector:4318/v1/metrics',
  );
  assert.equal(
    options({ ...otlp, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }).otlpMetrics?.url,
    'http://otel:4318/v1/metrics',
  );
  assert.equal(
    options({ ...otlp, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://otel:9000/m' }).otlpMetrics?.url,
    'http://otel:9000/m',
  );
  assert.equal(options({}).otlpMetrics, undefined);
});

test('the gateway takes its bearer token from TOKENMETER_GATEWAY_TOKEN, and --token over it', () => {
  assert.equal(options({ TOKENMETER_GATEWAY_TOKEN: ' s3cret ' }).token, 's3cret');
  assert.equal(options({}).token, undefined);
});
