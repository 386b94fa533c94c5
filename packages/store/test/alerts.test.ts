import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 10, 2, 12);

test('alert sinks: added, updated on the same kind and URL, removed; bad input named', (t) => {
  const store = openStore(path.join(tempDir(t), 'a.db'));
  const a = store.alerts.addSink({ kind: 'webhook', url: 'https://hooks.example/a', secret: 's1' });
  assert.equal(a.minSeverity, 'warning');
  const a2 = store.alerts.addSink({
    kind: 'webhook',
    url: 'https://hooks.example/a',
    secret: 's2',
    minSeverity: 'critical',
  });
  assert.equal(a2.id, a.id);
  assert.equal(a2.secret, 's2');
  assert.equal(a2.minSeverity, 'critical');
  store.alerts.addSink({ kind: 'slack', url: 'https://hooks.slack.example/x' });
  assert.equal(store.alerts.listSinks().length, 2);
  assert.equal(store.alerts.removeSink(a.id), true);
  assert.equal(store.alerts.removeSink(a.id), false);
  assert.throws(() => store.alerts.addSink({ kind: 'email' as 'slack', url: 'x' }), /kind must be one of/);
  assert.throws(
    () => store.alerts.addSink({ kind: 'slack', url: 'x', minSeverity: 'info' as 'warning' }),
    /minSeverity must be one of warning, critical/,
  );
  store.close();
});

test('an alert change and the notices it queues are written together; one firing alert per key', (t) => {
  const store = openStore(path.join(tempDir(t), 'a.db'));
  const msg = (id: string) => ({ id, sink: 'store:1', notice: 'trigger' as const, body: `{"id":"${id}"}` });
  const [id] = store.alerts.apply(
    [
      {
        op: 'open',
        alert: {
          key: 'spend_spike',
          kind: 'spend_spike',
          severity: 'warning',
          level: 1,
          openedMs: T0,
          detail: { title: 'Spend spike' },
          notifiedMs: T0,
          notifiedLevel: 1,
        },
        messages: [msg('m1')],
      },
    ],
    T0,
  );
  assert.ok(id);
  assert.deepEqual(
    store.alerts.firing().map((a) => [a.key, a.severity, a.detail]),
    [['spend_spike', 'warning', { title: 'Spend spike' }]],
  );
  // A second firing row for the same key is refused, and nothing of that change remains.
  assert.throws(() =>
    store.alerts.apply(
      [
        {
          op: 'open',
          alert: {
            key: 'spend_spike',
            kind: 'spend_spike',
            severity: 'critical',
            level: 2,
            openedMs: T0,
            detail: {},
            notifiedMs: null,
            notifiedLevel: null,
          },
          messages: [msg('m2')],
        },
      ],
      T0,
    ),
  );
  assert.deepEqual(
    store.alerts.messages().map((m) => m.id),
    ['m1'],
  );
  store.alerts.apply(
    [
      {
        op: 'update',
        id: id!,
        severity: 'critical',
        level: 2,
        updatedMs: T0 + 60_000,
        detail: { title: 'worse' },
        notified: { ms: T0 + 60_000, level: 2 },
        messages: [msg('m2')],
      },
    ],
    T0 + 60_000,
  );
  store.alerts.apply([{ op: 'resolve', id: id!, resolvedMs: T0 + 120_000, messages: [] }], T0 + 120_000);
  const [a] = store.alerts.log();
  assert.equal(a!.state, 'resolved');
  assert.equal(a!.severity, 'critical');
  assert.equal(a!.notifiedLevel, 2);
  assert.deepEqual(a!.detail, { title: 'worse' }, 'resolving without a detail keeps the last one');
  assert.equal(store.alerts.firing().length, 0);
  store.close();
});

test('outbox: due messages in order, retried later, delivered or failed once', (t) => {
  const store = openStore(path.join(tempDir(t), 'a.db'));
  const open = (key: string, ids: string[]) =>
    store.alerts.apply(
      [
        {
          op: 'open',
          alert: {
            key,
            kind: key,
            severity: 'warning',
            level: 1,
            openedMs: T0,
            detail: {},
            notifiedMs: T0,
            notifiedLevel: 1,
          },
          messages: ids.map((id) => ({ id, sink: 's', notice: 'trigger' as const, body: '{}' })),
        },
      ],
      T0,
    );
  open('a', ['a1', 'a2']);
  assert.equal(store.alerts.nextDueMs(), T0);
  assert.deepEqual(
    store.alerts.dueMessages(T0, 10).map((m) => m.id),
    ['a1', 'a2'],
  );
  store.alerts.retryLater('a1', T0 + 5000, 'HTTP 503');
  assert.deepEqual(
    store.alerts.dueMessages(T0 + 1000, 10).map((m) => m.id),
    ['a2'],
  );
  store.alerts.markDelivered('a2', T0 + 1000);
  store.alerts.markDelivered('a2', T0 + 2000); // a second mark changes nothing
  const a2 = store.alerts.messages({ state: 'delivered' })[0]!;
  assert.equal(a2.doneMs, T0 + 1000);
  assert.equal(a2.attempts, 1);
  assert.equal(store.alerts.nextDueMs(), T0 + 5000);
  store.alerts.markFailed('a1', T0 + 6000, 'gave up');
  const a1 = store.alerts.messages({ state: 'failed' })[0]!;
  assert.equal(a1.attempts, 2);
  assert.equal(a1.lastError, 'gave up');
  assert.equal(store.alerts.nextDueMs(), null);
  store.close();
});

test('leases: one owner at a time; renewed by its owner, taken over once expired or released', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  const one = openStore(file);
  const two = openStore(file);
  assert.equal(one.alerts.acquireLease('alerts', 'p1', T0, 1000), true);
  assert.equal(two.alerts.acquireLease('alerts', 'p2', T0 + 500, 1000), false);
  assert.equal(one.alerts.acquireLease('alerts', 'p1', T0 + 900, 1000), true, 'renewed');
  assert.equal(two.alerts.acquireLease('alerts', 'p2', T0 + 1500, 1000), false);
  assert.equal(two.alerts.acquireLease('alerts', 'p2', T0 + 1900, 1000), true, 'expired: taken over');
  assert.deepEqual(one.alerts.leaseHolder('alerts'), { owner: 'p2', untilMs: T0 + 2900 });
  assert.equal(one.alerts.replaceLease('alerts', 'p1', 'p9', T0 + 2000, 1000), false, 'not the holder named');
  assert.equal(
    one.alerts.replaceLease('alerts', 'p1', 'p2', T0 + 2000, 1000),
    true,
    'a gone holder replaced',
  );
  one.alerts.releaseLease('alerts', 'p1');
  assert.equal(two.alerts.acquireLease('alerts', 'p2', T0 + 2100, 1000), true, 'released: free');
  assert.equal(one.alerts.leaseHolder('other'), null);
  one.close();
  two.close();
});

test('a read-only store refuses alert writes with a clear message', (t) => {
  const file = path.join(tempDir(t), 'a.db');
  openStore(file).close();
  const ro = openStore(file, { readonly: true });
  assert.throws(
    () => ro.alerts.addSink({ kind: 'slack', url: 'https://x' }),
    /read-only; cannot write alert data/,
  );
  assert.deepEqual(ro.alerts.listSinks(), []);
  ro.close();
});
