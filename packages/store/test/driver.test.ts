// The SQLite driver choice (src/driver/): node:sqlite where Node has it without a flag, the optional
// better-sqlite3 elsewhere, TOKENMETER_SQLITE_DRIVER to choose, and nothing on the app's stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultDriver, hasNodeSqlite } from '../src/driver/index.js';
import { tempDir } from './helpers.js';

// The built package, not the sources: tsx would hide Node's ExperimentalWarnings from the child.
const INDEX = fileURLToPath(new URL('../dist/esm/index.js', import.meta.url));

/** Runs `code` (an ES module importing the built store as `store`) in a child Node; bounded in time. */
function child(code: string, env: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import * as store from ${JSON.stringify(INDEX)};\n${code}`],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TOKENMETER_SQLITE_DRIVER: '', ...env } },
  );
  assert.equal(r.error, undefined);
  return r;
}

test('node:sqlite is used exactly on the Nodes that have it without a flag (22.13+, 23.4+)', () => {
  for (const v of ['20.20.2', '22.12.0', '23.3.0']) assert.equal(hasNodeSqlite(v), false, v);
  for (const v of ['22.13.0', '22.23.3', '23.4.0', '24.0.0', '26.10.0'])
    assert.equal(hasNodeSqlite(v), true, v);
  assert.equal(defaultDriver({}), hasNodeSqlite() ? 'node:sqlite' : 'better-sqlite3');
  assert.equal(defaultDriver({ TOKENMETER_SQLITE_DRIVER: 'better-sqlite3' }), 'better-sqlite3');
  assert.equal(defaultDriver({ TOKENMETER_SQLITE_DRIVER: 'Node:SQLite' }), 'node:sqlite');
  assert.equal(defaultDriver({ TOKENMETER_SQLITE_DRIVER: 'sqlite3' }), defaultDriver({}), 'bad value: auto');
});

// Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" on the first load of
// node:sqlite; the preload must not add that line to the app's stderr. (On Node 24 and 26 Node
// prints nothing; on Node 20 the store uses better-sqlite3: this guards every Node it runs on.)
test("opening a store adds nothing to the app's stderr, and the app's own warnings still print", (t) => {
  const file = path.join(tempDir(t), 'quiet.db');
  const r = child(
    `const s = store.openStore(${JSON.stringify(file)});
     s.insertMany([]);
     console.log(s.health().binding);
     s.close();
     process.emitWarning('the app warns', 'ExperimentalWarning');`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, hasNodeSqlite() ? /^node:sqlite \(Node / : /^better-sqlite3 12\./);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.deepEqual(
    lines.filter((l) => !l.includes('--trace-warnings')),
    [`(node:${r.pid}) ExperimentalWarning: the app warns`],
  );
});

test('TOKENMETER_SQLITE_DRIVER=node:sqlite on a Node without it: one clear error naming the fix', (t) => {
  if (hasNodeSqlite()) {
    t.skip('this Node has node:sqlite');
    return;
  }
  const file = path.join(tempDir(t), 'none.db');
  const r = child(`try { store.openStore(${JSON.stringify(file)}); } catch (e) { console.log(e.message); }`, {
    TOKENMETER_SQLITE_DRIVER: 'node:sqlite',
  });
  assert.match(r.stdout, /node:sqlite cannot be loaded on Node 20\.\d+\.\d+ .*Use Node 22\.13 or later/);
});
