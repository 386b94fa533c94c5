// Attribution across services, under the real preload: service A (service-a.mjs) calls service B
// (service-b.mjs, a node:http server) over HTTP inside withAttribution; B calls the mock provider
// with the openai SDK. B's span (received by a real OTLP receiver) and B's row in its local store
// must carry A's feature, user, tenant and trace id. Two real processes, no propagation code in
// either app.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_USAGE_COST,
  ATTR_TOKENMETER_FEATURE,
  ATTR_TOKENMETER_TENANT_ID,
  ATTR_TOKENMETER_USER_ID,
} from '@tokenmeter/semconv';
import { type CallRow, openStore } from '@tokenmeter/store';
import type { ReceivedSpan } from '../../../../test-support/otlp-receiver.js';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { type RunResult, runApp, tokenmeterLines } from '../helpers/run-app.js';

const e2e = useE2eEnv('propagation');

function env(service: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'none',
    TOKENMETER_STORE: path.join(e2e.dir, `${service}.db`),
    MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
    TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
    ...extra,
  };
}

interface Step {
  step: string;
  traceId?: string;
  spanId?: string;
  received: { traceparent: string | null; baggage: string | null; completionId: string };
}

interface Pair {
  a: RunResult;
  b: RunResult;
  steps: Map<string, Step>;
  /** B's stored calls, oldest first. */
  rows: CallRow[];
  /** B's chat spans. */
  spans: ReceivedSpan[];
}

/** Starts B, runs A against it, ends B (SIGTERM: the preload flushes), and reads what B recorded. */
async function runPair(
  tag: string,
  opts: {
    steps: string[];
    aEnv?: Record<string, string>;
    bEnv?: Record<string, string>;
    aNodeArgs?: string[];
  },
): Promise<Pair> {
  const bService = `service-b-${tag}`;
  let port: (n: number) => void = () => {};
  const listening = new Promise<number>((resolve) => {
    port = resolve;
  });
  const bRun = runApp('service-b.mjs', {
    preload: 'import',
    env: env(bService, opts.bEnv),
    killAfterMs: 90_000,
    onLine: (line) => {
      if (line.startsWith('{"port"')) port((JSON.parse(line) as { port: number }).port);
    },
  });
  const bUrl = `http://127.0.0.1:${await Promise.race([listening, bRun.then(() => 0)])}/`;
  assert.notEqual(bUrl, 'http://127.0.0.1:0/', 'service B did not start');
  let a: RunResult;
  try {
    a = await runApp('service-a.mjs', {
      preload: 'import',
      env: env(`service-a-${tag}`, { B_URL: bUrl, STEPS: opts.steps.join(','), ...opts.aEnv }),
      ...(opts.aNodeArgs ? { nodeArgs: opts.aNodeArgs } : {}),
      killAfterMs: 60_000,
    });
  } finally {
    await fetch(`${bUrl}quit`).catch(() => undefined);
  }
  const b = await bRun;
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.signal, 'SIGTERM', b.stderr);
  assert.deepEqual(tokenmeterLines(a.stderr), []);
  assert.deepEqual(tokenmeterLines(b.stderr), []);
  const steps = new Map(a.json.map((j) => [j.step as string, j as unknown as Step]));
  const store = openStore(path.join(e2e.dir, `${bService}.db`), { readonly: true });
  let rows: CallRow[];
  try {
    rows = store.callsAfterId(0, 100);
  } finally {
    store.close();
  }
  const spans = e2e.receiver.spans.filter(
    (s) => s.resource[ATTR_SERVICE_NAME] === bService && s.name.startsWith('chat'),
  );
  return { a, b, steps, rows, spans };
}

const attributionOf = (r: CallRow) => ({ feature: r.feature, user: r.user, tenant: r.tenant });
const spanAttribution = (s: ReceivedSpan) => ({
  feature: s.attributes[ATTR_TOKENMETER_FEATURE] ?? null,
  user: s.attributes[ATTR_TOKENMETER_USER_ID] ?? null,
  tenant: s.attributes[ATTR_TOKENMETER_TENANT_ID] ?? null,
});
const ACME = { feature: 'search', user: 'u-42', tenant: 'acme' };
const NONE = { feature: null, user: null, tenant: null };

test("service B's LLM call carries the feature, user, tenant and trace id of service A's withAttribution (fetch and http.request)", async () => {
  const { steps, rows, spans } = await runPair('on', { steps: ['fetch-attributed', 'http-attributed'] });
  assert.equal(rows.length, 2);
  assert.equal(spans.length, 2);
  for (const [i, name] of ['fetch-attributed', 'http-attributed'].entries()) {
    const step = steps.get(name)!;
    assert.match(step.received.traceparent ?? '', new RegExp(`^00-${step.traceId}-${step.spanId}-01$`), name);
    assert.deepEqual(attributionOf(rows[i]!), ACME, name);
    assert.equal(rows[i]!.traceId, step.traceId, name);
    assert.ok((rows[i]!.costNanos ?? 0) > 0, `${name}: priced`);
    const span = spans.find((s) => s.traceId === step.traceId);
    assert.ok(span, `${name}: B's span is in A's trace`);
    assert.deepEqual(spanAttribution(span), ACME, name);
    assert.ok((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
  }
});

test('TOKENMETER_FEATURE/USER/TENANT are service-wide defaults: A sends its own, withAttribution overrides them, B falls back to its own', async () => {
  const { rows } = await runPair('defaults', {
    steps: ['fetch-feature', 'fetch-plain'],
    aEnv: { TOKENMETER_USER: 'svc-a' },
    bEnv: { TOKENMETER_FEATURE: 'b-feature', TOKENMETER_TENANT: 'b-tenant' },
  });
  assert.deepEqual(rows.map(attributionOf), [
    { feature: 'search', user: 'svc-a', tenant: 'b-tenant' },
    { feature: 'b-feature', user: 'svc-a', tenant: 'b-tenant' },
  ]);
});

test('TOKENMETER_PROPAGATION=off sends nothing, and =outgoing does not read what arrives', async () => {
  const [off, outgoing] = await Promise.all([
    runPair('off', {
      steps: ['fetch-attributed', 'http-attributed'],
      aEnv: { TOKENMETER_PROPAGATION: 'off' },
    }),
    runPair('outgoing', { steps: ['fetch-attributed'], bEnv: { TOKENMETER_PROPAGATION: 'outgoing' } }),
  ]);
  for (const step of off.steps.values())
    assert.deepEqual([step.received.traceparent, step.received.baggage], [null, null]);
  assert.deepEqual(off.rows.map(attributionOf), [NONE, NONE]);
  assert.ok(off.rows.every((r) => r.traceId !== off.steps.get('fetch-attributed')!.traceId));

  const sent = outgoing.steps.get('fetch-attributed')!;
  assert.notEqual(sent.received.traceparent, null);
  assert.match(sent.received.baggage ?? '', /tokenmeter\.feature=search/);
  assert.deepEqual(outgoing.rows.map(attributionOf), [NONE]);
  assert.notEqual(outgoing.rows[0]!.traceId, sent.traceId);
});

test('an app with its own OpenTelemetry SDK is left alone: no headers added to its requests', async () => {
  const { steps, rows } = await runPair('own-sdk', {
    steps: ['fetch-attributed', 'http-attributed'],
    aNodeArgs: ['--import', './own-otel.mjs'],
  });
  for (const step of steps.values()) {
    assert.ok(step.traceId && step.traceId !== '0'.repeat(32), "the app's own SDK made the span");
    assert.deepEqual([step.received.traceparent, step.received.baggage], [null, null]);
  }
  assert.deepEqual(rows.map(attributionOf), [NONE, NONE]);
});

test('no trace context or attribution goes to LLM provider hosts or to public hosts not listed in TOKENMETER_PROPAGATION_HOSTS', async () => {
  const seen: { host: string; traceparent: boolean; baggage: boolean }[] = [];
  const echo = http.createServer((req, res) => {
    seen.push({
      host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      traceparent: req.headers.traceparent !== undefined,
      baggage: req.headers.baggage !== undefined,
    });
    res.end();
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as AddressInfo).port;
  try {
    const hosts =
      'api.openai.com,api.anthropic.com,example.com,api.partner.example.net,orders.internal,orders,127.0.0.1';
    const run = (extra: Record<string, string>) =>
      runApp('third-party.mjs', {
        preload: 'import',
        env: {
          ...env('third-party', { TOKENMETER_STORE: 'off' }),
          ECHO_PORT: String(port),
          HOSTS: hosts,
          ...extra,
        },
      });
    const byDefault = await run({});
    assert.equal(byDefault.code, 0, byDefault.stderr);
    const sentTo = (list: typeof seen) => list.filter((s) => s.traceparent && s.baggage).map((s) => s.host);
    assert.deepEqual(sentTo(seen), ['orders.internal', 'orders', '127.0.0.1']);
    assert.ok(seen.every((s) => s.traceparent === s.baggage));
    seen.length = 0;
    const listed = await run({ TOKENMETER_PROPAGATION_HOSTS: '*.example.net,api.openai.com' });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(sentTo(seen), ['api.partner.example.net', 'orders.internal', 'orders', '127.0.0.1']);
    seen.length = 0;
    const all = await run({ TOKENMETER_PROPAGATION_HOSTS: '*' });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(sentTo(seen), [
      'example.com',
      'api.partner.example.net',
      'orders.internal',
      'orders',
      '127.0.0.1',
    ]);
  } finally {
    echo.close();
  }
});
