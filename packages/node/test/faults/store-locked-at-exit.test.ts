// Fault suite: another connection (a sqlite3 shell in a write transaction) holds the local store's
// lock when an app under the preload ends, normally or by SIGTERM. The app still exits within
// TOKENMETER_SHUTDOWN_TIMEOUT_MS with its own exit code or signal; the calls it could not write are
// saved next to the store with one line saying how many and where; the next run imports them.
// (Before: 0 of 1,000 calls stored, nothing printed, 5.1 s to exit.)
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { importPendingSpills, openStore, pendingSpills } from '@tokenmeter/store';
import { holdWriteLock } from '../../../store/test/sqlite-lock.js';
import { type RunOptions, runApp, tokenmeterLines } from '../helpers/run-app.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/exit-app.mjs');
const SHUTDOWN_TIMEOUT_MS = 1000;
/** Room for a loaded machine past the bound (the old lock wait alone was 5 s). */
const SLACK_MS = 4000;
const CALLS = 150;

let mock: MockProvider;
let dir: string;

before(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-locked-exit-'));
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function opts(store: string, extra: Record<string, string> = {}, more: Partial<RunOptions> = {}): RunOptions {
  return {
    preload: 'import',
    env: {
      MODE: 'calls',
      CALLS: String(CALLS),
      EXIT_CODE: '3',
      MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_SERVICE_NAME: 'locked-app',
      TOKENMETER_STORE: store,
      TOKENMETER_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...extra,
    },
    killAfterMs: 90_000,
    ...more,
  };
}

/** The one line about the spill: how many calls, the store, and the spill file (which exists). */
function assertSpillLine(stderr: string, store: string): void {
  const lines = tokenmeterLines(stderr);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, new RegExp(`^tokenmeter: ${CALLS} calls could not be written to `));
  assert.ok(lines[0]!.includes(store), lines[0]);
  const [spill] = pendingSpills(store);
  assert.ok(spill && lines[0]!.includes(spill) && existsSync(spill), lines[0]);
}

test('store locked at a normal exit: exit within the bound with the app’s code, one line with the count and the spill file; the next run imports the calls', async () => {
  const store = path.join(dir, 'normal.db');
  openStore(store).close();
  const lock = await holdWriteLock(store);
  let closedAt = 0;
  const r = await runApp(APP, opts(store)).then((res) => {
    closedAt = Date.now();
    return res;
  });
  await lock.release();
  const done = r.json.find((j) => typeof j.done === 'number')?.done as number;
  assert.equal(r.code, 3, r.stderr);
  assert.ok(closedAt - done < SHUTDOWN_TIMEOUT_MS + SLACK_MS, `exited ${closedAt - done} ms after its work`);
  assertSpillLine(r.stderr, store);

  const next = await runApp(APP, opts(store, { CALLS: '5' }));
  assert.equal(next.code, 3, next.stderr);
  const lines = tokenmeterLines(next.stderr);
  assert.equal(lines.length, 1, next.stderr);
  assert.match(lines[0]!, new RegExp(`imported ${CALLS} calls from 1 spill file`));
  assert.deepEqual(pendingSpills(store), []);
  const s = openStore(store, { readonly: true });
  assert.equal(s.summary().totals.calls, CALLS + 5);
  s.close();
});

test('store locked at SIGTERM: the signal still ends the process within the bound, one line with the count and the spill file; nothing lost', async () => {
  const store = path.join(dir, 'sigterm.db');
  openStore(store).close();
  const lock = await holdWriteLock(store);
  let signalledAt = 0;
  let closedAt = 0;
  const r = await runApp(
    APP,
    opts(
      store,
      { HOLD: '1' },
      {
        onLine: (line, child) => {
          if (!line.includes('"ready"')) return;
          signalledAt = Date.now();
          child.kill('SIGTERM');
        },
      },
    ),
  ).then((res) => {
    closedAt = Date.now();
    return res;
  });
  await lock.release();
  assert.equal(r.signal, 'SIGTERM', r.stderr);
  assert.ok(
    closedAt - signalledAt < SHUTDOWN_TIMEOUT_MS + SLACK_MS,
    `ended ${closedAt - signalledAt} ms after SIGTERM`,
  );
  assertSpillLine(r.stderr, store);

  assert.deepEqual(importPendingSpills(store), { files: 1, calls: CALLS, badLines: 0 });
  const s = openStore(store, { readonly: true });
  assert.equal(s.summary({ service: 'locked-app' }).totals.calls, CALLS);
  s.close();
});
