// The preload's module hooks: import-in-the-middle in the app's own thread where Node has
// `module.registerHooks` (22.22.3+, 24.11.1+, 26), in Node's hooks thread elsewhere (Node 20), and
// how either lives with `node -e` and with an app's own loader hook.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_GEN_AI_USAGE_COST } from '@tokenmeter/semconv';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { NODE_PKG, type Preload, runApp, tokenmeterLines } from '../helpers/run-app.js';

const e2e = useE2eEnv('hooks');

const quiet = { OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none', TOKENMETER_STORE: 'off' };

test('node -e and node -p run under the preload: the builtins they expose as globals load as builtins', async () => {
  const runs = await Promise.all(
    (['import', 'require'] as Preload[]).flatMap((preload) => [
      runApp('-e', {
        preload,
        env: quiet,
        args: [
          'console.log(typeof fs.readFileSync, typeof os.cpus, typeof require("node:module").isBuiltin)',
        ],
      }),
      runApp('-p', { preload, env: quiet, args: ['6 * 7'] }),
    ]),
  );
  for (const [i, r] of runs.entries()) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), i % 2 === 0 ? 'function function function' : '42');
  }
});

test('an ES module app that registers its own import-in-the-middle hook (module.register) is still priced', async () => {
  // import-in-the-middle 3.x, as a current OpenTelemetry setup of the app's own would bring.
  const otelInstrumentation = createRequire(
    createRequire(`${NODE_PKG}/package.json`).resolve('@tokenmeter/instrumentation'),
  ).resolve('@opentelemetry/instrumentation');
  const hook = createRequire(otelInstrumentation).resolve('import-in-the-middle/hook.mjs');
  const service = 'own-iitm-hook';
  const r = await runApp('one-call.mjs', {
    preload: 'import',
    nodeArgs: ['--import', './own-iitm-hook.mjs'],
    env: {
      TEST_IITM_HOOK: hook,
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: 'off',
    },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  assert.equal(spans.length, 1, 'one span for the one call');
  assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
});

/** Runs `app` under the preload with TOKENMETER_ESM_HOOK=off and the debug log; its spans by service. */
async function withEsmHookOff(app: string, preload: Preload, service: string) {
  const r = await runApp(app, {
    preload,
    env: {
      TOKENMETER_ESM_HOOK: 'off',
      OTEL_LOG_LEVEL: 'debug',
      MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: 'off',
    },
  });
  assert.equal(r.code, 0, r.stderr);
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  return { r, spans, log: r.stdout + r.stderr };
}

for (const preload of ['import', 'require'] as const) {
  test(`--${preload}, TOKENMETER_ESM_HOOK=off: a CommonJS app starts without the ES module hook, and its calls through openai required and imported are priced`, async () => {
    const { r, spans, log } = await withEsmHookOff(
      'esm-hook-off.cjs',
      preload,
      `esm-hook-off-cjs-${preload}`,
    );
    assert.match(log, /ES module hook: off \(TOKENMETER_ESM_HOOK=off, a CommonJS entry point\)/);
    assert.doesNotMatch(log, /ES module hook: (hooks-thread|in-thread)/);
    assert.deepEqual(tokenmeterLines(r.stderr), [], 'no warning');
    assert.deepEqual(r.json.at(-1), { done: true, sameClass: false });
    assert.equal(spans.length, 2, 'one span per call');
    for (const s of spans) assert.equal(typeof s.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'priced');
  });
}

test('TOKENMETER_ESM_HOOK=off is ignored, with one line, for an ES module app: its import of openai is still patched and priced', async () => {
  const { r, spans, log } = await withEsmHookOff('one-call.mjs', 'import', 'esm-hook-off-mjs');
  assert.deepEqual(tokenmeterLines(r.stderr), [
    'tokenmeter: TOKENMETER_ESM_HOOK=off is ignored: the entry point is not surely CommonJS (an ES module, TypeScript, stdin or the REPL), and its imports need the hook',
  ]);
  assert.match(log, /ES module hook: (hooks-thread|in-thread)/);
  assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
  assert.equal(spans.length, 1, 'one span for the one call');
  assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
});
