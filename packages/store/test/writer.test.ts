import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openConnection } from '../src/driver/index.js';
import { createBatchWriter, openStore } from '../src/index.js';
import { kindOf, toStoreError } from '../src/sqlite-errors.js';
import { call, tempDir } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHILD = path.join(import.meta.dirname, 'fixtures', 'writer-child.ts');

interface ChildReport {
  pid: number;
  errors: string[];
  stats: { written: number; dropped: number; queued: number; failed: boolean };
  alive: boolean;
}

function runChild(args: string[], opts: { uid?: number; gid?: number } = {}): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, ...opts });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildReport);
    });
  });
}

test('write() only queues; past maxQueue records are dropped and counted; flush writes the rest', (t) => {
  const file = path.join(tempDir(t), 'sub', 'q.db');
  const writer = createBatchWriter({ path: file, maxQueue: 10, batchSize: 4 });
  const results = Array.from({ length: 25 }, (_, i) =>
    writer.write(call({ startTimeMs: Date.UTC(2026, 10, 1) + i })),
  );
  assert.deepEqual(results, [...Array(10).fill(true), ...Array(15).fill(false)]);
  assert.deepEqual(writer.stats(), {
    written: 0,
    dropped: 15,
    spilled: 0,
    queued: 10,
    failed: false,
    batches: 0,
    longestFlushMs: 0,
  });
  assert.throws(() => statSync(file), /ENOENT/, 'nothing touched the disk before a flush');
  writer.flush();
  const s = writer.stats();
  assert.equal(s.written, 10);
  assert.equal(s.queued, 0);
  assert.equal(s.batches, 3, 'batches of at most 4');
  assert.ok(s.longestFlushMs > 0);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'store file is private');
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700, 'created directory is private');
  writer.close();
  assert.equal(writer.write(call()), false, 'closed writers drop');
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary().totals.calls, 10);
  store.close();
});

test('the timer writes queued records in the background without flush()', async (t) => {
  const file = path.join(tempDir(t), 'timer.db');
  const writer = createBatchWriter({ path: file, flushIntervalMs: 5, batchSize: 50 });
  for (let i = 0; i < 520; i++) writer.write(call({ startTimeMs: Date.UTC(2026, 10, 1) + i }));
  for (let i = 0; i < 200 && writer.stats().queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(writer.stats().written, 520);
  assert.ok(writer.stats().batches >= 11);
  writer.close();
});

test('process.exit() right after writing: the exit flush stores every record', async (t) => {
  const file = path.join(tempDir(t), 'exit.db');
  const report = await runChild([file, '3000', 'exit']);
  assert.deepEqual(report.errors, []);
  assert.equal(report.stats.written, 3000);
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary().totals.calls, 3000);
  assert.equal(store.summary().totals.costNanos, 3000 * 1000 + (2999 * 3000) / 2);
  store.close();
});

test('several processes writing one file at once lose no rows and keep rollups consistent', async (t) => {
  const file = path.join(tempDir(t), 'multi.db');
  const N = 4;
  const M = 2500;
  const reports = await Promise.all(
    Array.from({ length: N }, () => runChild([file, String(M), 'drain', '200'])),
  );
  for (const r of reports) {
    assert.deepEqual(r.errors, []);
    assert.equal(r.stats.written, M);
    assert.equal(r.stats.dropped, 0);
  }
  const store = openStore(file, { readonly: true });
  assert.equal(store.summary().totals.calls, N * M);
  assert.equal(store.health().calls, N * M);
  assert.equal(new Set([...store.exportCalls()].map((c) => c.responseId)).size, N * M, 'every record once');
  for (const groupBy of ['service', 'user', 'tenant', 'day', 'model'] as const) {
    const q = { groupBy, timeZone: 'UTC' };
    assert.deepEqual(store.summary(q), store.summaryFromRawRows(q), `rollups match raw rows by ${groupBy}`);
  }
  assert.equal(store.summary({ groupBy: 'service' }).groups.length, N);
  store.close();
});

test('read-only directory: one onError with path and advice, every record dropped, the app goes on', async (t) => {
  const dir = tempDir(t);
  const locked = path.join(dir, 'locked');
  mkdirSync(locked, { mode: 0o755 });
  const file = path.join(locked, 'sub', 'ro.db');
  const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  if (process.getuid?.() !== 0) chmodSync(locked, 0o555);
  else chownSync(dir, 0, 0);
  const report = await runChild([file, '500', 'drain', '100'], asOther);
  assert.equal(report.alive, true);
  assert.equal(report.errors.length, 1, report.errors.join('\n'));
  assert.match(report.errors[0]!, new RegExp(file.replaceAll('/', '\\/')));
  assert.match(report.errors[0]!, /not writable/);
  assert.match(report.errors[0]!, /TOKENMETER_STORE/);
  assert.equal(report.stats.failed, true);
  assert.equal(report.stats.written, 0);
  assert.equal(report.stats.dropped, 500);
});

test('an existing store file the process cannot write: one onError, no throw', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'theirs.db');
  openStore(file).close();
  if (process.getuid?.() !== 0) chmodSync(file, 0o444);
  const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  if (process.getuid?.() === 0) chmodSync(dir, 0o755);
  const report = await runChild([file, '50', 'exit'], asOther);
  assert.equal(report.errors.length, 1, report.errors.join('\n'));
  assert.match(report.errors[0]!, /not writable|cannot use/);
  assert.equal(report.stats.dropped, 50);
});

test('a corrupt file: one onError naming the file and the fix, writes dropped, nothing thrown', (t) => {
  const file = path.join(tempDir(t), 'corrupt.db');
  writeFileSync(file, Buffer.alloc(8192, 'this is not a database '));
  const errors: Error[] = [];
  const writer = createBatchWriter({ path: file, onError: (e) => errors.push(e) });
  for (let i = 0; i < 20; i++) writer.write(call());
  writer.flush();
  for (let i = 0; i < 20; i++) writer.write(call());
  writer.flush();
  writer.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /corrupt\.db/);
  assert.match(errors[0]!.message, /not a SQLite database or is damaged/);
  assert.match(errors[0]!.message, /mv /);
  assert.equal((errors[0] as { kind?: string }).kind, 'corrupt');
  assert.deepEqual(
    { written: writer.stats().written, dropped: writer.stats().dropped, failed: writer.stats().failed },
    { written: 0, dropped: 40, failed: true },
  );
  assert.throws(() => openStore(file), { name: 'StoreError', kind: 'corrupt' });
});

test('a store written by a newer tokenmeter is refused with a clear message', (t) => {
  const file = path.join(tempDir(t), 'newer.db');
  openStore(file).close();
  const db = openConnection(file);
  db.pragma('user_version = 99');
  db.close();
  assert.throws(() => openStore(file), { name: 'StoreError', kind: 'newer_schema', message: /newer/ });
  const errors: Error[] = [];
  const writer = createBatchWriter({ path: file, onError: (e) => errors.push(e) });
  writer.write(call());
  writer.flush();
  writer.write(call());
  writer.flush();
  assert.equal(errors.length, 1);
  assert.equal(writer.stats().dropped, 2);
  writer.close();
});

test('a full disk is reported as such (real SQLITE_FULL from a page limit)', (t) => {
  const file = path.join(tempDir(t), 'full.db');
  const db = openConnection(file);
  db.exec('CREATE TABLE t (x BLOB)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
  let caught: unknown;
  try {
    db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(100_000));
  } catch (e) {
    caught = e;
  }
  db.close();
  assert.equal(kindOf(caught), 'full');
  const e = toStoreError(caught, file, 'writing calls to');
  assert.match(e.message, /disk is full/);
  assert.match(e.message, /prune/);
});
