import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { StringDict } from '../src/dict.js';
import { openConnection } from '../src/driver/index.js';
import { type CallInput, MIGRATIONS, openStore, SCHEMA_VERSION } from '../src/index.js';
import { INSERT_COLUMNS, toRowValues } from '../src/rows.js';
import { migrate } from '../src/schema.js';
import { bruteSummary, call, DAY, HOUR, sortByKey, tempDir } from './helpers.js';

/** Writes `records` into a file at schema version 1 the way version 1 stored them (raw rows only). */
function makeV1(file: string, records: CallInput[]): void {
  const db = openConnection(file);
  db.pragma('journal_mode = WAL');
  assert.equal(migrate(db, 1), 1);
  const dict = new StringDict(db);
  // The columns version 1 had (migration 5 added the 1-hour cache write and audio counts).
  const v1 = INSERT_COLUMNS.slice(0, INSERT_COLUMNS.indexOf('cache_write_1h_tokens'));
  const insert = db.prepare(`INSERT INTO calls (${v1.join(', ')}) VALUES (${v1.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const r of records) insert.run(toRowValues(r, dict, undefined).values.slice(0, v1.length));
  })();
  db.close();
}

test('a version-1 store upgrades to the current schema: rollups backfilled, answers unchanged', (t) => {
  const file = path.join(tempDir(t), 'v1.db');
  const now = Date.now();
  const records: CallInput[] = [];
  for (let i = 0; i < 400; i++) {
    records.push(
      call({
        startTimeMs: now - 5 * DAY + i * 17 * 60_000,
        attribution: { tenant: `t${i % 3}`, user: `u${i % 7}`, feature: `f${i % 2}` },
        cost: i % 9 === 0 ? null : { ...call().cost!, totalNanos: 1000 + i },
        pricingMatch: i % 9 === 0 ? 'unknown_model' : 'exact',
      }),
    );
  }
  makeV1(file, records);
  const store = openStore(file);
  assert.equal(store.health().schemaVersion, SCHEMA_VERSION);
  for (const groupBy of ['model', 'tenant', 'user', 'feature', 'day'] as const) {
    for (const since of [undefined, now - 3 * DAY - 5 * HOUR - 7]) {
      const q = { groupBy, timeZone: 'UTC', ...(since === undefined ? {} : { since }) };
      const expected = bruteSummary(records, q);
      const got = store.summary(q);
      assert.deepEqual(got.totals, expected.totals);
      assert.deepEqual(sortByKey(got.groups), expected.groups);
    }
  }
  // Writing after the upgrade keeps everything consistent.
  const more = [call({ startTimeMs: now - 2 * HOUR }), call({ startTimeMs: now - 6 * DAY })];
  store.insertMany(more);
  assert.deepEqual(
    store.summary({ groupBy: 'tenant' }).totals,
    bruteSummary([...records, ...more], {}).totals,
  );
  store.close();
  const db = openConnection(file, { readonly: true });
  const view = db.prepare('SELECT provider, tenant, cost_usd FROM calls_view WHERE id = 2').get();
  db.close();
  assert.deepEqual({ ...(view as object) }, { provider: 'openai', tenant: 't1', cost_usd: 1001 / 1e9 });
});

test('a migration that fails leaves the file at its previous version, untouched', (t) => {
  const file = path.join(tempDir(t), 'fail.db');
  makeV1(file, [call()]);
  const db = openConnection(file);
  db.exec('CREATE TABLE rollup_user_day (x)'); // makes migration 2 fail half-way
  db.close();
  assert.throws(() => openStore(file), { name: 'StoreError' });
  const check = openConnection(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 1);
  const tables = (
    check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
  ).map((r) => r.name);
  check.close();
  assert.ok(!tables.includes('rollup_base_hour'), 'no table of the failed migration remains');
});

test('migrations are numbered 1..N in order', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
  );
});

test('open errors: missing file read-only, a foreign SQLite file, an old file opened read-only', (t) => {
  const dir = tempDir(t);
  assert.throws(() => openStore(path.join(dir, 'none.db'), { readonly: true }), {
    name: 'StoreError',
    kind: 'missing',
  });
  const foreign = path.join(dir, 'foreign.db');
  const db = openConnection(foreign);
  db.exec('CREATE TABLE notes (x)');
  db.close();
  assert.throws(() => openStore(foreign), { name: 'StoreError', message: /not a tokenmeter store/ });
  const old = path.join(dir, 'old.db');
  makeV1(old, [call()]);
  assert.throws(() => openStore(old, { readonly: true }), { name: 'StoreError', kind: 'needs_migration' });
  const ro = openStore(old);
  ro.close();
  const reader = openStore(old, { readonly: true });
  assert.equal(reader.summary().totals.calls, 1);
  assert.throws(() => reader.insertMany([call()]), { name: 'StoreError', kind: 'readonly' });
  assert.throws(() => reader.setBudget({ period: 'day', limitNanos: 5 }), { name: 'StoreError' });
  reader.close();
});

test('health: size, counts, time range, WAL, quick_check; a damaged file is reported, not thrown', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'h.db');
  const store = openStore(file);
  const empty = store.health();
  assert.deepEqual(
    { ...empty, sizeBytes: 0 },
    {
      path: file,
      sizeBytes: 0,
      calls: 0,
      schemaVersion: SCHEMA_VERSION,
      journalMode: 'wal',
      sqliteVersion: empty.sqliteVersion,
      binding: empty.binding,
      oldestMs: null,
      newestMs: null,
      ok: true,
    },
  );
  // The SQLite driver: Node's own where this Node has it, else the optional better-sqlite3 12.
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.(
    'node:sqlite',
  );
  assert.match(
    empty.binding,
    builtin ? /^node:sqlite \(Node \d+\.\d+\.\d+\)$/ : /^better-sqlite3 12\.\d+\.\d+$/,
  );
  assert.match(empty.sqliteVersion, /^3\.\d+\.\d+$/);
  store.insertMany([call({ startTimeMs: 1000 }), call({ startTimeMs: 5000 })]);
  const h = store.health();
  assert.equal(h.calls, 2);
  assert.equal(h.oldestMs, 1000);
  assert.equal(h.newestMs, 5000);
  assert.ok(h.sizeBytes > 0);
  store.close();
  // Damage a page in the middle of the file: quick_check finds it.
  const big = path.join(dir, 'big.db');
  const s2 = openStore(big);
  s2.insertMany(Array.from({ length: 3000 }, (_, i) => call({ startTimeMs: i * 1000, responseId: `r${i}` })));
  s2.close();
  const raw = openConnection(big);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = raw.pragma('page_size', { simple: true }) as number;
  raw.close();
  const fd = fs.openSync(big, 'r+');
  fs.writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, pageSize * 20);
  fs.closeSync(fd);
  let health: ReturnType<typeof s2.health> | undefined;
  try {
    const s3 = openStore(big);
    health = s3.health();
    s3.close();
  } catch (e) {
    assert.equal((e as { name: string }).name, 'StoreError');
    return;
  }
  assert.equal(health.ok, false);
  assert.ok(health.problem && health.problem.length > 0);
});
