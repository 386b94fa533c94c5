import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type CallInput, openStore } from '@tokenmeter/store';
import { budgetSpend, listBudgets, parseBudgetsFile } from '../src/index.js';
import { storedCall } from './helpers/stored-call.js';

function call(startTimeMs: number, totalNanos: number, over: Partial<CallInput> = {}): CallInput {
  return { ...storedCall(startTimeMs, totalNanos, undefined), ...over };
}

test('listBudgets(store) and budgetSpend: store and file budgets, spend from the store, reservations in flight', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'budgets-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openStore(path.join(dir, 's.db'));
  t.after(() => store.close());
  const now = Date.UTC(2026, 10, 18, 12);
  store.setBudget({ period: 'day', limitNanos: 1000, tenant: 'acme', action: 'block', timeZone: 'UTC' });
  store.setBudget({ period: 'month', limitNanos: 50_000, name: 'everything' });
  const file = parseBudgetsFile(
    'budgets:\n  - { name: mini, limit_usd: 0.000001, period: rolling:2h, model: gpt-4o-mini }\n',
    'f',
    'UTC',
  );
  const budgets = listBudgets(store, { timeZone: 'UTC', file: file.budgets });
  assert.deepEqual(
    budgets.map((b) => [b.id, b.label, b.action, b.timeZone]),
    [
      ['store:1', 'daily budget for tenant=acme', 'block', 'UTC'],
      ['store:2', 'everything', 'warn', 'UTC'],
      ['file:mini', 'mini', 'warn', 'UTC'],
    ],
  );
  store.insertMany([
    call(now - 13 * 3_600_000, 100, { attribution: { tenant: 'acme' } }), // yesterday
    call(now - 3_600_000, 400, { attribution: { tenant: 'acme' } }),
    call(now - 60_000, 800, { attribution: { tenant: 'acme' } }),
    call(now - 60_000, 5, { requestModel: 'gpt-4o-mini' }),
  ]);
  const ledger = store.budgetLedger();
  ledger.atomically(() =>
    ledger.insert([{ ref: 'x', budgetKey: budgets[0]!.key, timeMs: now, nanos: 30, expiresMs: now + 1000 }]),
  );
  const day = budgetSpend(store, budgets[0]!, now);
  assert.deepEqual(
    [day.spentNanos, day.reservedNanos, day.limitNanos, day.state, day.periodStartMs],
    [1200, 30, 1000, 'exceeded', Date.UTC(2026, 10, 18)],
  );
  assert.equal(budgetSpend(store, budgets[1]!, now).spentNanos, 1305);
  assert.equal(budgetSpend(store, budgets[1]!, now).state, 'ok');
  assert.equal(budgetSpend(store, budgets[2]!, now).spentNanos, 5, 'a file budget against the store');
});
