// Fault suite: the disk under the local store fills up while an app runs under the preload, then
// space is freed. A real full disk: a small tmpfs mounted for the test, filled by a file. The store
// is not turned off for the rest of the process: one line when the disk is full, one when writing
// resumes, and every call stored. (Before: after one SQLITE_FULL, no later call was stored.)
// Mounting needs root; CI (TOKENMETER_CI) runs as root and fails here instead of skipping.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { openStore } from '@tokenmeter/store';
import { runApp, tokenmeterLines } from '../helpers/run-app.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/exit-app.mjs');
const CALLS = 30;

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'tm-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMount();
let mock: MockProvider;
let dir: string;
let disk: string;

before(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-disk-full-'));
  disk = path.join(dir, 'disk');
});
after(async () => {
  await mock.close();
  try {
    execFileSync('umount', [disk], { stdio: 'ignore' });
  } catch {
    // not mounted (skipped, or the test failed before mounting)
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the disk fills up under the preload, then space is freed: one line each way, and every call is stored', {
  skip: !mountable && !process.env.TOKENMETER_CI && 'needs root to mount a small tmpfs',
}, async () => {
  execFileSync('mkdir', ['-p', disk]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
  const store = path.join(disk, 'tokenmeter.db');
  openStore(store).close();
  // Fill the disk, leaving room for the connection's shared-memory file and little else.
  const filler = path.join(disk, 'filler');
  const { bavail, bsize } = statfsSync(disk);
  writeFileSync(filler, Buffer.alloc(bavail * bsize - 36 * 1024));
  const resume = path.join(dir, 'resume');

  let freed = false;
  const r = await runApp(APP, {
    preload: 'import',
    env: {
      MODE: 'calls',
      CALLS: String(CALLS),
      RESUME_FLAG: resume,
      EXIT_CODE: '3',
      MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
      TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      TOKENMETER_STORE: store,
    },
    killAfterMs: 120_000,
    // Space comes back once the app has said the disk is full; then it makes its second round of calls.
    onErrLine: (line) => {
      if (freed || !/disk is full/.test(line)) return;
      freed = true;
      unlinkSync(filler);
      writeFileSync(resume, '');
    },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.ok(freed, `the app never met the full disk: ${r.stderr}`);
  const lines = tokenmeterLines(r.stderr);
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /disk is full \(SQLITE_FULL/);
  assert.match(lines[0]!, /Retrying with back-off/);
  assert.match(lines[1]!, /writing to .*tokenmeter\.db resumed after \d+ s of a full disk; no call lost/);
  const s = openStore(store, { readonly: true });
  assert.equal(s.summary().totals.calls, 2 * CALLS);
  s.close();
});
