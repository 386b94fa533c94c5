// Fault suite: a store path whose directory chain does not exist, as with a HOME that does not
// exist. Only the store's own directory is ever created, inside one that exists; otherwise one clear
// error, nothing on disk, and the writer is off. (Before: the whole chain was created, as root.)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createBatchWriter, openStore } from '../../src/index.js';
import { call, tempDir } from '../helpers.js';

test('a HOME that does not exist: no directory is created, one error names the missing directory and the fix, the writer is off', (t) => {
  const root = tempDir(t);
  const home = path.join(root, 'no', 'such', 'home');
  const file = path.join(home, '.tokenmeter', 'tokenmeter.db');
  const errors: Error[] = [];
  const writer = createBatchWriter({ path: file, onError: (e) => errors.push(e) });
  for (let i = 0; i < 5; i++) writer.write(call());
  writer.flush();
  writer.write(call());
  writer.close();
  assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
  assert.equal((errors[0] as { kind?: string }).kind, 'missing');
  assert.equal(
    errors[0]!.message,
    `tokenmeter store: cannot create ${file}: ${home} does not exist (only the store's own directory is created, inside one that exists). Point TOKENMETER_STORE or TOKENMETER_HOME at an existing place, or set TOKENMETER_STORE=off.`,
  );
  assert.equal(existsSync(path.join(root, 'no')), false, 'nothing was created');
  assert.deepEqual(
    { failed: writer.stats().failed, dropped: writer.stats().dropped },
    { failed: true, dropped: 6 },
  );
  assert.throws(() => openStore(file), { name: 'StoreError', kind: 'missing' });
  assert.equal(existsSync(path.join(root, 'no')), false);
});

test('a HOME that exists: only ~/.tokenmeter is created (0700), with the store in it', (t) => {
  const home = path.join(tempDir(t), 'home');
  mkdirSync(home);
  const inHome = path.join(home, '.tokenmeter', 'tokenmeter.db');
  openStore(inHome).close();
  assert.equal(statSync(path.dirname(inHome)).mode & 0o777, 0o700);
  assert.equal(statSync(inHome).mode & 0o777, 0o600);
});
