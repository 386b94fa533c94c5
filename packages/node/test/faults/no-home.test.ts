// Fault suite: an app under the preload with a HOME that does not exist (a service account, a
// container). The default store would be ~/.tokenmeter/tokenmeter.db: nothing is created, one line
// says why the store is off and what to set, and the app runs and exits as without tokenmeter.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { runApp, tokenmeterLines } from '../helpers/run-app.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/exit-app.mjs');

let mock: MockProvider;
let dir: string;

before(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-no-home-'));
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a HOME that does not exist: no directory is created, one line says the store is off and why, the app runs as without tokenmeter', async () => {
  const home = path.join(dir, 'no', 'such', 'home');
  const r = await runApp(APP, {
    preload: 'import',
    env: {
      HOME: home,
      MODE: 'calls',
      CALLS: '3',
      EXIT_CODE: '3',
      MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    },
    killAfterMs: 60_000,
  });
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.json.some((j) => typeof j.done === 'number'));
  const lines = tokenmeterLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.includes(path.join(home, '.tokenmeter', 'tokenmeter.db')), lines[0]);
  assert.ok(lines[0]!.includes(`${home} does not exist`), lines[0]);
  assert.match(lines[0]!, /TOKENMETER_STORE/);
  assert.equal(existsSync(path.join(dir, 'no')), false, 'nothing was created');
});
