// ESM: with the import-in-the-middle loader registered for PATCHED_MODULES, `import OpenAI from
// 'openai'` (the ESM build) is patched too. The app runs in a child process, as under the preload.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';

let mock: MockProvider;
before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());

async function runEsmApp(entry: string) {
  const dir = fileURLToPath(new URL('./esm/', import.meta.url));
  // Asynchronously, so the in-process mock keeps serving.
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', `${dir}register.mjs`, `${dir}app.mjs`], {
      cwd: dir,
      env: { ...process.env, MOCK_URL: mock.url, NODE_OPTIONS: '', ENTRY: entry },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  return result;
}

test('an ESM app importing openai gets a priced span from the module patch alone', async () => {
  const result = await runEsmApp('@tokenmeter/instrumentation');
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { output: number; spans: [string, number][] };
  assert.equal(out.output, 20);
  assert.deepEqual(out.spans, [['chat gpt-4o-mini', 20]]);
});

test('an ESM app instrumented from @tokenmeter/instrumentation/preload (its fetch path loads with the first call) gets the same priced span', async () => {
  const result = await runEsmApp('@tokenmeter/instrumentation/preload');
  assert.equal(result.status, 0, result.stderr);
  // (Node 26 warns that this test's own loader uses module.register.)
  assert.doesNotMatch(
    result.stderr,
    /tokenmeter|ExperimentalWarning/,
    'no warning from loading the fetch path',
  );
  const out = JSON.parse(result.stdout) as { output: number; spans: [string, number][] };
  assert.equal(out.output, 20);
  assert.deepEqual(out.spans, [['chat gpt-4o-mini', 20]]);
});
