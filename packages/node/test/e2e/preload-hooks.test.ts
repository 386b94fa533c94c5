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
      ...appEnv(service),
    },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  assert.equal(spans.length, 1, 'one span for the one call');
  assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
});

/** One call's app against the mock (declared as OpenAI), its spans sent to the receiver under `service`. */
function appEnv(service: string): Record<string, string> {
  return {
    MOCK_OPENAI_BASE_URL: e2e.mock.openaiBaseURL,
    TOKENMETER_PROVIDERS: `openai=${e2e.mock.openaiBaseURL}`,
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
    OTEL_METRICS_EXPORTER: 'none',
    TOKENMETER_STORE: 'off',
  };
}

/** Runs `app` under the preload with the debug log and TOKENMETER_ESM_HOOK=`mode`; its spans by service. */
async function withEsmHook(
  app: string,
  preload: Preload,
  mode: string,
  service: string,
  args: string[] = [],
) {
  const r = await runApp(app, {
    preload,
    args,
    env: {
      TOKENMETER_ESM_HOOK: mode,
      OTEL_LOG_LEVEL: 'debug',
      ...appEnv(service),
    },
  });
  assert.equal(r.code, 0, r.stderr);
  const spans = e2e.receiver.spans.filter((s) => s.resource[ATTR_SERVICE_NAME] === service);
  return { r, spans, log: r.stdout + r.stderr };
}

/** The same with TOKENMETER_ESM_HOOK=off. */
const withEsmHookOff = (app: string, preload: Preload, service: string) =>
  withEsmHook(app, preload, 'off', service);

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

/** Whether this Node runs the hook in its module-hooks thread (no in-thread hooks), as esm-hook.ts decides. */
const hooksThreadNode = !/ES module hook: in-thread/.test(
  (
    await runApp('-e', {
      preload: 'require',
      args: ['0'],
      env: { ...quiet, OTEL_LOG_LEVEL: 'debug', TOKENMETER_ESM_HOOK: 'start' },
    })
  ).stdout,
);

for (const preload of ['import', 'require'] as const) {
  test(`--${preload}, defaults: a CommonJS app that imports openai's ES module build later gets its imported class patched (a client with its own fetch is priced)`, async () => {
    const { r, spans, log } = await withEsmHook(
      'import-own-fetch.cjs',
      preload,
      'on',
      `esm-on-demand-${preload}`,
    );
    assert.deepEqual(tokenmeterLines(r.stderr), [], 'no warning');
    assert.match(log, /ES module hook: waits for the first module that can import/);
    assert.match(
      log,
      /ES module hook: (hooks-thread|in-thread), started before \S*import-own-fetch\.cjs ran/,
    );
    assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
    assert.equal(spans.length, 1, 'one span for the one call');
    assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
  });
}

test('defaults, in-thread hooks: a CommonJS app that requires an ES module of its own, which imports openai, gets the imported class patched (the hook is registered before that module links)', async (t) => {
  if (hooksThreadNode) return t.skip(`${process.version} runs no hooks for require(esm)'s imports`);
  const { r, spans, log } = await withEsmHook(
    'require-esm-own-fetch.cjs',
    'require',
    'on',
    'esm-on-demand-require-esm',
  );
  assert.deepEqual(tokenmeterLines(r.stderr), [], 'no warning');
  assert.match(log, /ES module hook: waits for the first module that can import/);
  assert.match(log, /ES module hook: in-thread, started before \S*openai-esm\.mjs ran/);
  assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
  assert.equal(spans.length, 1, 'one span for the one call');
  assert.equal(typeof spans[0]!.attributes[ATTR_GEN_AI_USAGE_COST], 'number', 'the call was priced');
});

test('the same app with TOKENMETER_ESM_HOOK=off: the client with its own fetch goes unobserved (what the hook is for)', async () => {
  const { r, spans } = await withEsmHook('import-own-fetch.cjs', 'require', 'off', 'esm-on-demand-off');
  assert.deepEqual(r.json, [{ done: true, choices: 1 }]);
  assert.equal(spans.length, 0);
});

test('defaults: a CommonJS app that never imports does not register the ES module hook; an -e script that imports registers it at start-up', async () => {
  const none = await withEsmHook('-e', 'import', 'on', 'esm-on-demand-none', ['require("openai"); 0']);
  assert.match(none.log, /ES module hook: waits for the first module that can import/);
  assert.doesNotMatch(none.log, /ES module hook: (hooks-thread|in-thread)/);
  const script = await withEsmHook('-e', 'import', 'on', 'esm-on-demand-eval', [
    'import("openai").then(() => 0)',
  ]);
  assert.match(script.log, /ES module hook: at start-up \(the -e\/-p script can import\)/);
  assert.match(script.log, /ES module hook: (hooks-thread|in-thread)/);
});

test('defaults: another --import preload keeps the hook at start-up for a CommonJS app (its imports are ES module imports)', async () => {
  const r = await runApp('-e', {
    preload: 'import',
    nodeArgs: ['--import', 'data:text/javascript,0'],
    args: ['0'],
    env: { ...quiet, OTEL_LOG_LEVEL: 'debug' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /ES module hook: at start-up \(--import data:text\/javascript,0\)/);
  assert.match(r.stdout + r.stderr, /ES module hook: (hooks-thread|in-thread)/);
});
