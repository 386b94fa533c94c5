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

test('an ESM app importing openai gets a priced span from the module patch alone', async () => {
  const dir = fileURLToPath(new URL('./esm/', import.meta.url));
  // Asynchronously, so the in-process mock keeps serving.
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', `${dir}register.mjs`, `${dir}app.mjs`], {
      cwd: dir,
      env: { ...process.env, MOCK_URL: mock.url, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { output: number; spans: [string, number][] };
  assert.equal(out.output, 20);
  assert.deepEqual(out.spans, [['chat gpt-4o-mini', 20]]);
});
