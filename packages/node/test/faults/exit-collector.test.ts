// Fault suite: the app exits on time whatever the OTLP collector does. A collector that accepts
// connections and never answers, one that refuses them, one that answers 503: in each case the
// process leaves within TOKENMETER_SHUTDOWN_TIMEOUT_MS of the app's last work, with the app's exit
// code. (Before: 16-50 s after 20k spans, and never with OTLP metrics every second.)
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test-support/otlp-receiver.js';
import { freePort, type Preload, type RunResult, runApp } from '../helpers/run-app.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/exit-app.mjs');
const SHUTDOWN_TIMEOUT_MS = 500;
/**
 * The bound of the runs that check delivery: what is in flight when the app's work ends must arrive
 * within it, and a loaded test machine needs more than 500 ms for that.
 */
const DELIVERY_TIMEOUT_MS = 10_000;
/**
 * What the test allows between the app's last work and the end of the process, past the bound: room
 * for a loaded machine. Far below the exporter's own timeout (60 s here), which is how long a
 * process held by an export would stay.
 */
const SLACK_MS = 4500;

let mock: MockProvider;
let healthy: OtlpReceiver;
let failing: OtlpReceiver;
let blackHole: net.Server;
let blackHoleUrl: string;
let accepted = 0;
const held = new Set<net.Socket>();

before(async () => {
  mock = await startMockProvider();
  healthy = await startOtlpReceiver();
  failing = await startOtlpReceiver();
  failing.status = 503;
  // Accepts every connection, reads what is sent, never answers.
  blackHole = net.createServer((socket) => {
    accepted++;
    held.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
});
after(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
  await Promise.all([healthy.close(), failing.close(), mock.close()]);
});

let serial = 0;
type Run = RunResult & { lingeredMs: number; service: string; boundMs: number };

async function run(
  endpoint: string,
  env: Record<string, string>,
  preload: Preload = 'import',
  boundMs = SHUTDOWN_TIMEOUT_MS,
): Promise<Run> {
  const service = `exit-fault-${++serial}`;
  let closedAt = 0;
  const r = await runApp(APP, {
    preload,
    env: {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // The exporter alone would wait a minute for an answer (and retry a refusal as long).
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: 'off',
      TOKENMETER_SHUTDOWN_TIMEOUT_MS: String(boundMs),
      MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
      EXIT_CODE: '3',
      ...env,
    },
    killAfterMs: 90_000,
  }).then((result) => {
    closedAt = Date.now();
    return result;
  });
  const done = r.json.find((j) => typeof j.done === 'number')?.done as number | undefined;
  assert.ok(done, `the app finished its work: ${r.stderr}`);
  return { ...r, lingeredMs: closedAt - done, service, boundMs };
}

function assertExitedOnTime(r: Run, label: string): void {
  assert.equal(r.killed, false, `${label}: still running after 90 s`);
  assert.equal(r.code, 3, `${label}: the app's exit code (${r.stderr})`);
  assert.ok(
    r.lingeredMs < r.boundMs + SLACK_MS,
    `${label}: exited ${r.lingeredMs} ms after the app's last work (bound ${r.boundMs} ms)`,
  );
}

test('a collector that accepts and never answers: 20,000 spans, the app exits within the shutdown bound (--import and --require)', async () => {
  const before = accepted;
  const [esm, cjs] = await Promise.all([
    run(blackHoleUrl, { MODE: 'spans', SPANS: '20000' }, 'import'),
    run(blackHoleUrl, { MODE: 'spans', SPANS: '20000' }, 'require'),
  ]);
  assertExitedOnTime(esm, '--import');
  assertExitedOnTime(cjs, '--require');
  assert.ok(accepted > before, 'the exports reached the black hole');
});

test('OTLP metrics every second to a collector that never answers: the app exits within the shutdown bound', async () => {
  const before = accepted;
  const r = await run(blackHoleUrl, {
    MODE: 'calls',
    WORK_MS: '3000',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  });
  assertExitedOnTime(r, 'metrics');
  assert.ok(accepted > before, 'the metric exports reached the black hole');
});

test('a collector that refuses connections or answers 503 (retried with back-off): the app exits within the shutdown bound', async () => {
  const refusing = `http://127.0.0.1:${await freePort()}`;
  const [refused, unavailable] = await Promise.all([
    run(refusing, { MODE: 'spans', SPANS: '20000' }),
    run(failing.url, { MODE: 'spans', SPANS: '20000' }),
  ]);
  assertExitedOnTime(refused, 'refused');
  assertExitedOnTime(unavailable, '503');
  assert.ok(failing.requests.length > 1, 'the 503 collector was asked (and asked again)');
});

test('a healthy collector still receives every span the app ended, flushed at exit (protobuf; gzip-compressed JSON with headers)', async () => {
  const [plain, gzipped] = await Promise.all([
    run(healthy.url, { MODE: 'spans', SPANS: '1500' }, 'import', DELIVERY_TIMEOUT_MS),
    run(
      healthy.url,
      {
        MODE: 'spans',
        SPANS: '1500',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=exit-faults',
      },
      'import',
      DELIVERY_TIMEOUT_MS,
    ),
  ]);
  for (const [label, r] of [
    ['protobuf', plain],
    ['gzip json', gzipped],
  ] as const) {
    assertExitedOnTime(r, label);
    const got = healthy.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === r.service).length;
    assert.equal(got, 1500, label);
  }
  const compressed = healthy.requests.filter((q) => q.headers['content-encoding'] === 'gzip');
  assert.ok(compressed.length > 0 && compressed.every((q) => q.headers['x-team'] === 'exit-faults'));
});

test('an app that starts tokenmeter itself and awaits shutdown() last: spans delivered to a healthy collector, exit within the bound from a black hole', async () => {
  const own = { MODE: 'spans', SPANS: '1500', OWN_START: '1' };
  const [delivered, blackHoled] = await Promise.all([
    run(healthy.url, own, 'none', DELIVERY_TIMEOUT_MS),
    run(blackHoleUrl, own, 'none'),
  ]);
  assertExitedOnTime(delivered, 'healthy');
  assertExitedOnTime(blackHoled, 'black hole');
  const got = healthy.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === delivered.service).length;
  assert.equal(got, 1500);
});
