// Fault suite: a full disk does not turn the store off for the rest of the process. The writer keeps
// the calls queued (bounded), retries with back-off, says once that the disk is full and once that
// writing resumed, and counts what the bounded queue dropped meanwhile. The full disk is SQLite's
// real SQLITE_FULL, from a page cap on the writer's own connection; freeing space lifts the cap.
// (Before: after one SQLITE_FULL, the next 500 calls were not stored although space was freed.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createBatchWriter } from '../../src/batch-writer.js';
import type { Database } from '../../src/driver/index.js';
import { openStore } from '../../src/index.js';
import { call, tempDir } from '../helpers.js';

const T0 = Date.UTC(2026, 10, 1);

/** A disk with no room left for this writer until free() is called. */
function fullDisk() {
  let full = true;
  return {
    onOpen: (db: Database) => {
      if (full) db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    },
    free: () => {
      full = false;
    },
  };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), `timed out waiting for: ${what}`);
}

test('a full disk keeps the calls queued and retried; once space is freed every call is written, with one line at each end', async (t) => {
  const file = path.join(tempDir(t), 'full.db');
  openStore(file).close();
  const disk = fullDisk();
  const notices: string[] = [];
  const errors: Error[] = [];
  const writer = createBatchWriter(
    { path: file, flushIntervalMs: 5, onNotice: (l) => notices.push(l), onError: (e) => errors.push(e) },
    { onOpen: disk.onOpen },
  );
  for (let i = 0; i < 300; i++) writer.write(call({ startTimeMs: T0 + i, responseId: `a${i}` }));
  await until('the full-disk line', () => notices.length > 0);
  assert.match(notices[0]!, /disk is full \(SQLITE_FULL/);
  assert.ok(notices[0]!.includes(file));
  assert.match(notices[0]!, /Retrying with back-off; up to 10,000 calls are kept in memory meanwhile/);
  assert.deepEqual(
    { ...writer.stats(), longestFlushMs: 0 },
    {
      written: 0,
      dropped: 0,
      spilled: 0,
      queued: 300,
      failed: false,
      batches: 0,
      longestFlushMs: 0,
    },
  );
  // More calls while the disk is full are kept too.
  for (let i = 0; i < 200; i++) writer.write(call({ startTimeMs: T0 + 300 + i, responseId: `b${i}` }));

  disk.free();
  await until('every call written', () => writer.stats().written === 500);
  assert.equal(notices.length, 2, notices.join('\n'));
  assert.match(notices[1]!, /writing to .*full\.db resumed after \d+ s of a full disk; no call lost/);
  for (let i = 0; i < 500; i++) writer.write(call({ startTimeMs: T0 + 500 + i, responseId: `c${i}` }));
  writer.close();
  assert.deepEqual(errors, []);
  assert.equal(writer.stats().failed, false);
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary().totals.calls, 1000);
  store.close();
});

test('while the disk is full the queue is bounded: the newest calls are dropped and counted, with one line when it starts and the count when writing resumes', async (t) => {
  const file = path.join(tempDir(t), 'overflow.db');
  openStore(file).close();
  const disk = fullDisk();
  const notices: string[] = [];
  const writer = createBatchWriter(
    { path: file, flushIntervalMs: 5, maxQueue: 200, onNotice: (l) => notices.push(l) },
    { onOpen: disk.onOpen },
  );
  const accepted = Array.from({ length: 500 }, (_, i) =>
    writer.write(call({ startTimeMs: T0 + i, responseId: `o${i}` })),
  );
  assert.equal(accepted.filter(Boolean).length, 200, 'the first 200 are kept, the newest 300 dropped');
  assert.deepEqual(accepted.slice(0, 200), Array(200).fill(true));
  await until('the full-disk line', () => notices.some((l) => /disk is full/.test(l)));
  assert.equal(notices.filter((l) => /200 calls are waiting to be written/.test(l)).length, 1);
  assert.equal(writer.stats().dropped, 300);

  disk.free();
  await until('the kept calls written', () => writer.stats().written === 200);
  assert.match(
    notices.at(-1)!,
    /resumed after \d+ s of a full disk; 300 calls dropped while the queue was full, the rest kept/,
  );
  assert.equal(notices.length, 3, notices.join('\n'));
  writer.close();
  const store = openStore(file, { readonly: true });
  assert.deepEqual(
    [...store.exportCalls()].map((c) => c.responseId),
    Array.from({ length: 200 }, (_, i) => `o${i}`),
  );
  store.close();
});

test('a disk still full at close: the queued calls are saved next to the store, and one line says where', async (t) => {
  const file = path.join(tempDir(t), 'closing.db');
  openStore(file).close();
  const disk = fullDisk();
  const notices: string[] = [];
  const writer = createBatchWriter(
    { path: file, flushIntervalMs: 5, exitBusyTimeoutMs: 50, onNotice: (l) => notices.push(l) },
    { onOpen: disk.onOpen },
  );
  for (let i = 0; i < 300; i++) writer.write(call({ startTimeMs: T0 + i }));
  await until('the full-disk line', () => notices.length > 0);
  writer.close();
  // Only the store's pages are capped here, so the spill file fits: the calls are saved, not lost.
  assert.equal(notices.length, 2, notices.join('\n'));
  assert.match(notices[1]!, /300 calls could not be written to .* \(the disk is full\); saved to .*\.spill-/);
  assert.equal(writer.stats().spilled, 300);
});
