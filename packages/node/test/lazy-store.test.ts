// The store's writer loads @tokenmeter/store when first needed (lazy-store.ts): a record that comes
// before the background warm-up is written all the same, a process that records nothing never loads
// it, and a store that cannot load costs one line, never an exception in the app.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type CallInput, openStore } from '@tokenmeter/store';
import { LazyBatchWriter, loadStoreModule } from '../src/lazy-store.js';

function tempStore(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-lazy-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'tokenmeter.db');
}

const record = (): CallInput => ({
  startTimeMs: Date.now(),
  durationMs: 100,
  provider: 'openai',
  operation: 'chat',
  requestModel: 'gpt-4o-mini',
  responseModel: 'gpt-4o-mini',
  stream: false,
  usage: { inputTokens: 10, outputTokens: 2 },
  usageEstimated: false,
  cost: {
    totalNanos: 2700,
    inputNanos: 1500,
    outputNanos: 1200,
    cacheReadNanos: 0,
    cacheWriteNanos: 0,
    provider: 'openai',
    modelId: 'gpt-4o-mini',
    match: 'exact',
    source: 'catalog',
    version: 'test',
    serviceTier: 'standard',
  },
  pricingMatch: 'exact',
  attribution: {},
});

function storedCalls(file: string): number {
  const s = openStore(file, { readonly: true });
  try {
    return s.summary().totals.calls;
  } finally {
    s.close();
  }
}

test('a call recorded before the warm-up loaded the store is written at once and kept at close', (t) => {
  const file = tempStore(t);
  let loads = 0;
  const writer = new LazyBatchWriter({ path: file, serviceName: 'lazy' }, () => {
    loads++;
    return loadStoreModule();
  });
  assert.equal(writer.loaded, false, 'nothing loaded when made');
  assert.equal(writer.write(record()), true);
  assert.equal(writer.loaded, true);
  writer.warmUp(); // too late: already loaded, loads nothing more
  writer.close(); // synchronous, as at process exit
  assert.equal(loads, 1);
  assert.equal(storedCalls(file), 1);
});

test('warmUp loads the store in the background, once, and the next record needs no load', async (t) => {
  const file = tempStore(t);
  let loads = 0;
  const writer = new LazyBatchWriter({ path: file, serviceName: 'lazy' }, () => {
    loads++;
    return loadStoreModule();
  });
  writer.warmUp();
  writer.warmUp();
  assert.equal(loads, 0, 'not in the caller’s turn');
  await new Promise((r) => setImmediate(r));
  assert.equal(loads, 1);
  writer.write(record());
  writer.close();
  assert.equal(loads, 1);
  assert.equal(storedCalls(file), 1);
});

test('a process that records no call never loads the store (close and flush load nothing)', (t) => {
  const file = tempStore(t);
  let loads = 0;
  const writer = new LazyBatchWriter({ path: file, serviceName: 'lazy' }, () => {
    loads++;
    return loadStoreModule();
  });
  writer.flush();
  writer.close();
  assert.equal(loads, 0);
  assert.equal(writer.write(record()), false, 'after close a record is dropped, as by the store itself');
  assert.equal(loads, 0);
});

test('a store that cannot load: one error through onError, records dropped, nothing thrown', () => {
  const errors: string[] = [];
  const writer = new LazyBatchWriter(
    { path: '/nonexistent/tokenmeter.db', serviceName: 'lazy', onError: (e) => errors.push(e.message) },
    () => {
      throw new Error('Cannot find module @tokenmeter/store');
    },
  );
  assert.equal(writer.write(record()), false);
  assert.equal(writer.write(record()), false);
  writer.close();
  assert.deepEqual(errors, ['Cannot find module @tokenmeter/store']);
});
