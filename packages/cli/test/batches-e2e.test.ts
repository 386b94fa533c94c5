// Batches end to end, as a user runs them: an unchanged app using the openai and Anthropic SDKs'
// batch APIs against the mock, under the preload with a store; then `tokenmeter cost --export`.
// Each result line is one stored call priced at the batch tier with its batch id and custom id;
// creating a batch stores nothing (an operation without cost).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { CSV_COLUMNS } from '../src/query/export.js';
import { run, spawnUnderPreload, tempDir } from './helpers.js';

let mock: MockProvider;
before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());

/** Runs the batch app under the preload until it exits (the store is written at exit); its printed ids. */
async function runBatchApp(storePath: string): Promise<Record<string, string>> {
  const child = spawnUnderPreload('batch-app.mjs', {
    MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
    MOCK_ANTHROPIC_BASE_URL: mock.anthropicBaseURL,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    TOKENMETER_STORE: storePath,
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // a hang guard
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(guard);
  assert.equal(code, 0, stderr);
  const line = stdout.split('\n').find((l) => l.includes('"done":true'));
  assert.ok(line, `the app printed no result: ${stdout}${stderr}`);
  return JSON.parse(line);
}

/** The CSV's rows as objects by column name (no quoted commas in these rows). */
function csvObjects(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

test('batch results downloaded by an app under the preload reach cost --export with their batch and custom ids', {
  timeout: 120_000,
}, async (t) => {
  const dir = tempDir(t);
  const storePath = path.join(dir, 'calls.db');
  const ids = await runBatchApp(storePath);
  const csvFile = path.join(dir, 'calls.csv');
  const r = await run(['cost', '--store', storePath, '--since', '1h', '--export', csvFile], {
    now: Date.now(),
  });
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(csvFile, 'utf8');
  assert.equal(text.split('\r\n')[0], CSV_COLUMNS.join(','));
  const rows = csvObjects(text);
  // Three OpenAI results and one Anthropic result; the three batch creations are not calls.
  assert.deepEqual(rows.map((row) => [row.batch_custom_id, row.batch_id, row.provider, row.batch]).sort(), [
    ['claude-1', ids.anthropic, 'anthropic', 'true'],
    ['fetch-1', ids.fetch, 'openai', 'true'],
    ['sdk-1', ids.sdk, 'openai', 'true'],
    ['sdk-2', ids.sdk, 'openai', 'true'],
  ]);
  for (const row of rows) assert.ok(Number(row.cost_usd) > 0, `${row.batch_custom_id} is priced`);
});
