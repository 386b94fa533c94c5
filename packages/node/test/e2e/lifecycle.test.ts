// How the preload joins and leaves an app: exit codes, signals, a dead or slow collector, memory
// over many calls, bad settings and OTEL_SDK_DISABLED. The app's own behaviour never changes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_USAGE_COST,
  ATTR_TOKENMETER_PRICING_SOURCE,
  TOKENMETER_PRICING_SOURCE_VALUE_OVERRIDE,
} from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test-support/otlp-receiver.js';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { freePort, type RunOptions, runApp, tokenmeterLines } from '../helpers/run-app.js';

const e2e = useE2eEnv('life');
let slow: OtlpReceiver;
let failing: OtlpReceiver;

before(async () => {
  slow = await startOtlpReceiver();
  slow.delayMs = 120_000;
  failing = await startOtlpReceiver();
  failing.status = 503;
});
after(async () => {
  await Promise.all([slow.close(), failing.close()]);
});

let serial = 0;
function opts(
  mode: string,
  extra: Record<string, string | undefined> = {},
  more: Partial<RunOptions> = {},
): RunOptions {
  return {
    preload: 'import',
    env: {
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      MODE: mode,
      OTEL_SERVICE_NAME: `life-${++serial}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: 'off',
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      // These tests assert that the flush at exit delivers; on a loaded CI machine the default 2 s
      // bound can run out first. The bound itself is tested below with its own, shorter value.
      TOKENMETER_SHUTDOWN_TIMEOUT_MS: '60000',
      ...extra,
    },
    ...more,
  };
}
const spansOf = (service: string) =>
  e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);

test('spans are exported without switching AsyncLocalStorage on (no promise hooks for the app on Node 20/22)', async () => {
  const run = await runApp('lifecycle.mjs', opts('context', { OTEL_SERVICE_NAME: 'life-context' }));
  assert.equal(run.code, 0, run.stderr);
  const state = run.json.find((l) => 'manager' in l) as { manager: string; asyncPropagation: boolean };
  assert.equal(state.manager, 'LazyAsyncLocalStorageContextManager');
  assert.equal(state.asyncPropagation, false);
  assert.equal(spansOf('life-context').length, 4, 'the spans were exported (flushed before the check)');
});

test('exit codes are the app’s: process.exit(3), process.exitCode = 5, an uncaught error', async () => {
  const store = path.join(e2e.dir, 'exit.db');
  const [exit3, exit3bare, code5, code5bare, thrown, thrownBare] = await Promise.all([
    runApp('lifecycle.mjs', opts('exit3', { TOKENMETER_STORE: store })),
    runApp('lifecycle.mjs', { ...opts('exit3'), preload: 'none' }),
    runApp('lifecycle.mjs', opts('exitcode5')),
    runApp('lifecycle.mjs', { ...opts('exitcode5'), preload: 'none' }),
    runApp('lifecycle.mjs', opts('throw')),
    runApp('lifecycle.mjs', { ...opts('throw'), preload: 'none' }),
  ]);
  assert.equal(exit3bare.code, 3);
  assert.equal(exit3.code, 3, exit3.stderr);
  assert.equal(code5bare.code, 5);
  assert.equal(code5.code, 5, code5.stderr);
  assert.equal(thrownBare.code, 1);
  assert.equal(thrown.code, 1);
  assert.match(thrown.stderr, /app failure/);
  // process.exit() skips beforeExit; the store is still written synchronously at 'exit'.
  const s = openStore(store, { readonly: true });
  assert.equal(s.summary().totals.calls, 1);
  s.close();
});

test('exitCode 5 after a normal end: the pending span is exported before the process leaves', async () => {
  const o = opts('exitcode5');
  const r = await runApp('lifecycle.mjs', o);
  assert.equal(r.code, 5);
  assert.equal(spansOf(o.env!.OTEL_SERVICE_NAME!).length, 1);
});

test('SIGTERM and SIGINT without an app handler: spans and store flushed, then the signal ends the process', async () => {
  const results = await Promise.all(
    (['SIGTERM', 'SIGINT'] as const).map(async (signal) => {
      const store = path.join(e2e.dir, `${signal}.db`);
      const o = opts(
        'hold',
        { TOKENMETER_STORE: store },
        {
          onLine: (line, child) => {
            if (line.includes('"ready"')) child.kill(signal);
          },
        },
      );
      const r = await runApp('lifecycle.mjs', o);
      return { signal, r, service: o.env!.OTEL_SERVICE_NAME!, store };
    }),
  );
  for (const { signal, r, service, store } of results) {
    assert.equal(r.signal, signal, `${signal}: ${r.stderr}`);
    assert.equal(r.killed, false);
    // The batch processor would have waited 5 s: the span arrived because the signal flushed it.
    assert.equal(spansOf(service).length, 1, `${signal}: span exported`);
    const s = openStore(store, { readonly: true });
    assert.equal(s.summary().totals.calls, 1, `${signal}: stored`);
    s.close();
  }
});

test('SIGTERM with an app handler: tokenmeter does not exit for the app; the app exits its own way', async () => {
  const r = await runApp(
    'lifecycle.mjs',
    opts(
      'sigterm-handler',
      {},
      {
        onLine: (line, child) => {
          if (line.includes('"ready"')) child.kill('SIGTERM');
        },
      },
    ),
  );
  assert.equal(r.code, 7, r.stderr);
  assert.ok(r.json.some((j) => j.appHandler === 'SIGTERM'));
});

test('a dead, a hanging and a failing collector: the app is unaffected and exits within the flush bound', async () => {
  const dead = await freePort();
  // The exporter would retry for OTEL_EXPORTER_OTLP_TIMEOUT (60 s); the child is killed at 30 s.
  const bounded = { OTEL_EXPORTER_OTLP_TIMEOUT: '60000', TOKENMETER_SHUTDOWN_TIMEOUT_MS: '500' };
  const kill = { killAfterMs: 30_000 };
  const [bare, down, hanging, failing503, downSigterm] = await Promise.all([
    runApp('lifecycle.mjs', { ...opts('plain'), preload: 'none' }),
    runApp(
      'lifecycle.mjs',
      opts('plain', { ...bounded, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}` }, kill),
    ),
    runApp('lifecycle.mjs', opts('plain', { ...bounded, OTEL_EXPORTER_OTLP_ENDPOINT: slow.url }, kill)),
    runApp('lifecycle.mjs', opts('plain', { ...bounded, OTEL_EXPORTER_OTLP_ENDPOINT: failing.url }, kill)),
    runApp(
      'lifecycle.mjs',
      opts(
        'hold',
        { ...bounded, OTEL_EXPORTER_OTLP_ENDPOINT: slow.url },
        {
          ...kill,
          onLine: (line, child) => {
            if (line.includes('"ready"')) child.kill('SIGTERM');
          },
        },
      ),
    ),
  ]);
  for (const [label, r] of [
    ['dead', down],
    ['hanging', hanging],
    ['503', failing503],
  ] as const) {
    assert.equal(r.killed, false, `${label}: hung on exit`);
    assert.equal(r.code, 0, `${label}: ${r.stderr}`);
    assert.deepEqual(r.json, bare.json, `${label}: app output`);
    assert.deepEqual(tokenmeterLines(r.stderr), [], `${label}: nothing printed`);
  }
  assert.ok(slow.requests.length > 0, 'the hanging collector was reached');
  assert.ok(failing.requests.length > 0, 'the failing collector was reached');
  assert.equal(downSigterm.killed, false, 'SIGTERM with a hanging collector');
  assert.equal(downSigterm.signal, 'SIGTERM');
});

test('5000 calls under the preload: memory stays bounded', async () => {
  const store = path.join(e2e.dir, 'many.db');
  const r = await runApp(
    'lifecycle.mjs',
    opts(
      'many',
      {
        CALLS: '5000',
        TOKENMETER_STORE: store,
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      },
      { nodeArgs: ['--expose-gc'], killAfterMs: 240_000 },
    ),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = r.json.find((j) => j.calls !== undefined) as {
    calls: number;
    early: { heapUsed: number; rss: number };
    late: { heapUsed: number; rss: number };
  };
  assert.equal(out.calls, 5000);
  const growth = out.late.heapUsed - out.early.heapUsed;
  // 4000 calls after the first checkpoint: a per-call leak of even 5 KB would show as 20 MB.
  assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${(growth / 1048576).toFixed(1)} MB over 4000 calls`);
  assert.ok(out.late.rss < 400 * 1024 * 1024, `rss ${(out.late.rss / 1048576).toFixed(0)} MB`);
  const s = openStore(store, { readonly: true });
  assert.equal(s.summary().totals.calls, 5001);
  s.close();
});

test('bad settings: one line each on stderr, and the app runs as it would without them', async () => {
  const [bare, bad] = await Promise.all([
    runApp('lifecycle.mjs', { ...opts('plain'), preload: 'none' }),
    runApp(
      'lifecycle.mjs',
      opts('plain', {
        OTEL_TRACES_EXPORTER: 'zipkin,otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety',
        OTEL_TRACES_SAMPLER: 'sometimes',
        TOKENMETER_OPENAI_STREAM_USAGE: 'maybe',
        TOKENMETER_PROVIDERS: 'vllm',
        TOKENMETER_SHUTDOWN_TIMEOUT_MS: '-1',
        TOKENMETER_PRICING_FILE: path.join(e2e.dir, 'missing-prices.yaml'),
      }),
    ),
  ]);
  assert.equal(bad.code, 0);
  assert.deepEqual(bad.json, bare.json);
  const lines = tokenmeterLines(bad.stderr);
  const expected = [
    'OTEL_TRACES_EXPORTER',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_EXPORTER_PROMETHEUS_PORT',
    'OTEL_TRACES_SAMPLER',
    'TOKENMETER_OPENAI_STREAM_USAGE',
    'TOKENMETER_PROVIDERS',
    'TOKENMETER_SHUTDOWN_TIMEOUT_MS',
    'TOKENMETER_PRICING_FILE',
  ];
  assert.equal(lines.length, expected.length, lines.join('\n'));
  for (const [i, v] of expected.entries()) assert.ok(lines[i]!.includes(v), `line ${i}: ${lines[i]} (${v})`);
  assert.equal(bad.stderr.split('\n').filter(Boolean).length, expected.length, 'nothing else printed');
});

test('a pricing file is applied: an override prices a custom model', async () => {
  const file = path.join(e2e.dir, 'prices.yaml');
  writeFileSync(
    file,
    [
      'models:',
      '  - id: my-finetune-xyz',
      '    prices:',
      '      input_mtok: 1',
      '      output_mtok: 2',
      '',
    ].join('\n'),
  );
  const o = opts('plain', { TOKENMETER_PRICING_FILE: file, MODEL: 'my-finetune-xyz' });
  const r = await runApp('lifecycle.mjs', o);
  assert.equal(r.code, 0);
  assert.deepEqual(tokenmeterLines(r.stderr), []);
  const [span] = spansOf(o.env!.OTEL_SERVICE_NAME!);
  assert.ok(span);
  // 7 input tokens at $1/Mtok + 20 output tokens at $2/Mtok.
  assert.equal(Math.round(Number(span.attributes[ATTR_GEN_AI_USAGE_COST]) * 1e9), 7 * 1000 + 20 * 2000);
  assert.equal(span.attributes[ATTR_TOKENMETER_PRICING_SOURCE], TOKENMETER_PRICING_SOURCE_VALUE_OVERRIDE);
});

test('a port already taken for /metrics, an unwritable store: one line each, the app runs', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const notADir = path.join(e2e.dir, 'a-file');
  writeFileSync(notADir, 'x');
  try {
    const r = await runApp(
      'lifecycle.mjs',
      opts('plain', {
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        TOKENMETER_STORE: path.join(notADir, 'calls.db'),
      }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.json.some((j) => j.called === true));
    const lines = tokenmeterLines(r.stderr);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`port ${port} is in use`)));
    assert.ok(lines.some((l) => l.includes('local store')));
  } finally {
    blocker.close();
  }
});

test("the /metrics endpoint listens from the event loop's first turn: a script that ends before it (or, with --import, at it) binds no port and loads no HTTP server for it", async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const run = (script: string, preload: 'require' | 'import') =>
    spawnSync(
      process.execPath,
      [
        `--${preload}`,
        fileURLToPath(new URL(`../../register.${preload === 'require' ? 'cjs' : 'mjs'}`, import.meta.url)),
        '-e',
        script,
      ],
      {
        env: {
          ...process.env,
          TOKENMETER_HOME: e2e.dir,
          TOKENMETER_STORE: 'off',
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        },
        encoding: 'utf8',
      },
    );
  try {
    // The port is taken: a try to listen says so on one line. With --import, Node 20's ES module
    // loader turns the loop while it reads the preload: the first turn comes after the script ran.
    for (const preload of ['require', 'import'] as const) {
      const synchronous = run(
        "process.on('exit', () => console.log(process.moduleLoadList.includes('NativeModule cluster')))",
        preload,
      );
      assert.equal(synchronous.status, 0, synchronous.stderr);
      assert.deepEqual(tokenmeterLines(synchronous.stderr), [], `--${preload}`);
      assert.equal(synchronous.stdout.trim(), 'false', `--${preload}`);
      const turns = run('setTimeout(() => {}, 20)', preload);
      assert.equal(turns.status, 0, turns.stderr);
      assert.ok(
        tokenmeterLines(turns.stderr).some((l) => l.includes(`port ${port} is in use`)),
        `--${preload}: ${turns.stderr}`,
      );
    }
  } finally {
    blocker.close();
  }
});

test('OTEL_SDK_DISABLED=true: nothing starts, nothing is exported, the app is untouched', async () => {
  const o = opts('plain', { OTEL_SDK_DISABLED: 'true', OTEL_METRICS_EXPORTER: 'prometheus' });
  const [bare, off] = await Promise.all([
    runApp('lifecycle.mjs', { ...o, preload: 'none' }),
    runApp('lifecycle.mjs', o),
  ]);
  assert.equal(off.code, 0);
  assert.deepEqual(off.json, bare.json);
  assert.equal(off.stderr, '');
  assert.equal(spansOf(o.env!.OTEL_SERVICE_NAME!).length, 0);
});
