// Calls read from batch results keep their batch id and custom id (schema 7): listed, filtered by
// batch, totalled per batch, and shown in calls_view with every column added since schema 2.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openConnection } from '../src/driver/index.js';
import { type CallInput, openStore } from '../src/index.js';
import { migrate } from '../src/schema.js';
import { call, tempDir } from './helpers.js';

const HOUR_AGO = Date.now() - 3_600_000;

function batchCall(batchId: string | undefined, customId: string, startTimeMs: number): CallInput {
  return {
    ...call({ startTimeMs, batch: true }),
    ...(batchId === undefined ? {} : { batchId }),
    batchCustomId: customId,
  };
}

function fixture(t: { after: (fn: () => void) => void }) {
  const file = path.join(tempDir(t), 'calls.db');
  const store = openStore(file);
  t.after(() => store.close());
  store.insertMany([
    call({ startTimeMs: HOUR_AGO }),
    batchCall('batch_A', 'request-1', HOUR_AGO + 1),
    batchCall('batch_A', 'request-2', HOUR_AGO + 2),
    batchCall('msgbatch_B', 'ask-1', HOUR_AGO + 3),
    batchCall(undefined, 'orphan-1', HOUR_AGO + 4),
  ]);
  return { store, file };
}

test('a batch result call keeps its batch id and custom id; other calls have neither', (t) => {
  const { store } = fixture(t);
  const rows = store.calls({ limit: 10 }).calls;
  assert.deepEqual(
    rows.map((r) => [r.batch, r.batchId, r.batchCustomId]),
    [
      [true, null, 'orphan-1'],
      [true, 'msgbatch_B', 'ask-1'],
      [true, 'batch_A', 'request-2'],
      [true, 'batch_A', 'request-1'],
      [false, null, null],
    ],
  );
});

test('calls and totals filtered by batch id: that batch only, an unknown batch matches nothing', (t) => {
  const { store } = fixture(t);
  const a = store.calls({ batch: 'batch_A', limit: 10 }).calls;
  assert.deepEqual(a.map((r) => r.batchCustomId).sort(), ['request-1', 'request-2']);
  const summary = store.summary({ batch: 'batch_A' });
  assert.equal(summary.totals.calls, 2);
  assert.equal(summary.totals.costNanos, 2 * call().cost!.totalNanos);
  assert.equal(store.calls({ batch: 'batch_never_seen' }).calls.length, 0);
  assert.equal(store.summary({ batch: 'batch_never_seen' }).totals.calls, 0);
  const exported = [...store.exportCalls({ batch: 'msgbatch_B' })];
  assert.deepEqual(
    exported.map((r) => r.batchCustomId),
    ['ask-1'],
  );
});

test('calls_view shows the reported and local cost, the gateway and the batch ids, after the columns it had', (t) => {
  const { store, file } = fixture(t);
  const base = call();
  store.insertMany([
    {
      ...call({ startTimeMs: HOUR_AGO + 5 }),
      cost: { ...base.cost!, totalNanos: 1500, source: 'provider' },
      localCost: { totalNanos: 1000 },
      gateway: 'openrouter',
    },
  ]);
  store.close();
  const db = openConnection(file, { readonly: true });
  try {
    const columns = (db.prepare('PRAGMA table_info(calls_view)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    // The view of schema 2 ended with span_id: its columns keep their places, the new ones follow.
    assert.deepEqual(columns.slice(columns.indexOf('span_id') + 1), [
      'cache_write_1h_tokens',
      'input_audio_tokens',
      'output_audio_tokens',
      'cache_audio_read_tokens',
      'cost_reported',
      'local_cost_nanos',
      'local_cost_usd',
      'gateway',
      'batch_id',
      'batch_custom_id',
    ]);
    assert.deepEqual(columns.slice(0, 5), ['id', 'start_time', 'start_iso', 'duration_ms', 'ttfc_ms']);
    const reported = db
      .prepare(
        'SELECT cost_usd, cost_reported, local_cost_usd, gateway FROM calls_view WHERE gateway IS NOT NULL',
      )
      .get();
    assert.deepEqual(
      { ...(reported as object) },
      {
        cost_usd: 1500 / 1e9,
        cost_reported: 1,
        local_cost_usd: 1000 / 1e9,
        gateway: 'openrouter',
      },
    );
    const batch = db
      .prepare("SELECT batch, batch_id, batch_custom_id FROM calls_view WHERE batch_custom_id = 'ask-1'")
      .get();
    assert.deepEqual(
      { ...(batch as object) },
      { batch: 1, batch_id: 'msgbatch_B', batch_custom_id: 'ask-1' },
    );
  } finally {
    db.close();
  }
});

test('a schema-6 store upgrades: its calls kept, batch ids empty, the view recreated', (t) => {
  const file = path.join(tempDir(t), 'v6.db');
  const db = openConnection(file);
  assert.equal(migrate(db, 6), 6);
  db.prepare("INSERT INTO strings (id, value) VALUES (1, 'openai'), (2, 'chat')").run();
  db.prepare(
    `INSERT INTO calls (start_time, duration_ms, provider, operation, stream, batch, usage_known,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, estimated,
      priced, cost_nanos, input_cost_nanos, output_cost_nanos, cache_read_cost_nanos,
      cache_write_cost_nanos, pricing_match)
     VALUES (?, 5, 1, 2, 0, 1, 1, 10, 5, 0, 0, 0, 0, 1, 42, 20, 22, 0, 0, 2)`,
  ).run(HOUR_AGO);
  db.close();
  const store = openStore(file);
  t.after(() => store.close());
  const [row] = store.calls().calls;
  assert.equal(row?.costNanos, 42);
  assert.equal(row?.batch, true);
  assert.equal(row?.batchId, null);
  assert.equal(row?.batchCustomId, null);
  store.insertMany([batchCall('batch_C', 'r-1', HOUR_AGO + 10)]);
  assert.equal(store.calls({ batch: 'batch_C' }).calls.length, 1);
});
