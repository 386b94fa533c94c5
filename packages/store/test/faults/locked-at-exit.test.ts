// Fault suite: another connection holds the store's write lock when the writer closes (a sqlite3
// shell or a backup tool in a write transaction). Nothing may be lost silently: the writer waits at
// most its exit bound, saves what it could not write next to the store, says so in one line, and
// the next open of the store imports it, once. (Before: 0 of 1,000 calls stored, nothing printed.)
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createBatchWriter, importPendingSpills, openStore, pendingSpills } from '../../src/index.js';
import { call, tempDir } from '../helpers.js';
import { holdWriteLock } from '../sqlite-lock.js';

const T0 = Date.UTC(2026, 10, 1);

function calls(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => call({ startTimeMs: T0 + i, responseId: `${tag}-${i}` }));
}

test('a write lock held at close: the writer waits at most its exit bound, saves every call to a spill file and says so in one line', async (t) => {
  const file = path.join(tempDir(t), 'locked.db');
  openStore(file).close();
  const lock = await holdWriteLock(file);
  const notices: string[] = [];
  const errors: Error[] = [];
  const writer = createBatchWriter({
    path: file,
    serviceName: 'api',
    exitBusyTimeoutMs: 300,
    onNotice: (l) => notices.push(l),
    onError: (e) => errors.push(e),
  });
  for (const r of calls(1000, 'a')) writer.write(r);
  const started = performance.now();
  writer.close();
  const took = performance.now() - started;
  await lock.release();

  assert.deepEqual(errors, []);
  assert.equal(notices.length, 1, notices.join('\n'));
  const spills = pendingSpills(file);
  assert.equal(spills.length, 1);
  assert.match(notices[0]!, /1,000 calls could not be written/);
  assert.ok(notices[0]!.includes(file) && notices[0]!.includes(spills[0]!), notices[0]);
  assert.match(notices[0]!, /write lock/);
  assert.equal(writer.stats().spilled, 1000);
  assert.equal(writer.stats().written, 0);
  assert.ok(took < 5000, `close() waited ${Math.round(took)} ms, not its 300 ms bound`);
  assert.equal(statSync(spills[0]!).mode & 0o777, 0o600, 'the spill file is private like the store');
  assert.equal(readFileSync(spills[0]!, 'utf8').trim().split('\n').length, 1000);
});

test('the next writer that opens the store imports the spill file, once, with one line', async (t) => {
  const file = path.join(tempDir(t), 'reopen.db');
  openStore(file).close();
  const lock = await holdWriteLock(file);
  const first = createBatchWriter({
    path: file,
    serviceName: 'api',
    exitBusyTimeoutMs: 100,
    onNotice: () => {},
  });
  for (const r of calls(700, 'a')) first.write(r);
  first.close();
  await lock.release();
  assert.equal(pendingSpills(file).length, 1);

  const notices: string[] = [];
  const second = createBatchWriter({ path: file, serviceName: 'worker', onNotice: (l) => notices.push(l) });
  for (const r of calls(5, 'b')) second.write(r);
  second.close();
  assert.equal(notices.length, 1, notices.join('\n'));
  assert.match(notices[0]!, /imported 700 calls from 1 spill file/);
  assert.deepEqual(pendingSpills(file), []);
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary().totals.calls, 705);
  const byService = store.summary({ groupBy: 'service' }).groups.map((g) => [g.key, g.calls]);
  assert.deepEqual(
    new Map(byService as [string, number][]),
    new Map([
      ['api', 700],
      ['worker', 5],
    ]),
  );
  assert.equal(new Set([...store.exportCalls()].map((c) => c.responseId)).size, 705, 'every call once');
  store.close();
});

test('readers import spill files through a short read-write open; an import committed but not cleaned up is not repeated', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'readers.db');
  openStore(file).close();
  const spill = `${file}.spill-12345-${Date.now()}.ndjson`;
  writeFileSync(
    spill,
    `${calls(3, 's')
      .map((c) => JSON.stringify({ ...c, serviceName: 'spilled' }))
      .join('\n')}\n{"startTimeMs": 1, "prov`,
  );
  const keep = path.join(dir, 'copy.ndjson');
  copyFileSync(spill, keep);

  assert.deepEqual(importPendingSpills(file), { files: 1, calls: 3, badLines: 1 });
  assert.equal(existsSync(spill), false);
  // The same file back (as if the process died between the commit and the removal): not imported again.
  copyFileSync(keep, spill);
  assert.deepEqual(importPendingSpills(file), { files: 1, calls: 0, badLines: 0 });
  assert.deepEqual(importPendingSpills(file), { files: 0, calls: 0, badLines: 0 });
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary({ service: 'spilled' }).totals.calls, 3);
  store.close();
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.includes('.spill-')),
    [],
    'no spill file or claim left behind',
  );
});

test('a spill file claimed by an importer that died is imported by the next open', (t) => {
  const file = path.join(tempDir(t), 'claimed.db');
  openStore(file).close();
  // A pid that cannot be alive (above the kernel's pid_max).
  const orphan = `${file}.spill-1-${Date.now()}.ndjson.importing-99999999`;
  writeFileSync(
    orphan,
    `${calls(2, 'o')
      .map((c) => JSON.stringify(c))
      .join('\n')}\n`,
  );
  assert.deepEqual(importPendingSpills(file), { files: 1, calls: 2, badLines: 0 });
  assert.equal(existsSync(orphan), false);
});
