// Deduplication, cooldown, escalation and resolution, on the pure planner.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertChange, AlertRecord } from '@tokenmeter/store';
import { NOTIFY_DEFAULTS } from '../src/defaults.js';
import { detailOf, type NotifyInput, planNotices, planOpens } from '../src/plan.js';
import type { Finding, SinkTarget } from '../src/types.js';
import { HOUR, MIN } from './helpers.js';

const T = Date.UTC(2026, 10, 18, 15);

function finding(over: Partial<Finding> = {}): Finding {
  return {
    key: 'spend_spike',
    kind: 'spend_spike',
    severity: 'warning',
    level: 1,
    title: 'Spend spike',
    value: 3,
    baseline: 1,
    unit: 'nanos',
    sinceMs: T - HOUR,
    contributors: {},
    contributorUnit: 'nanos',
    runbook: 'look',
    path: '/',
    scope: {},
    ...over,
  };
}

function alert(over: Partial<AlertRecord> = {}): AlertRecord {
  const f = finding();
  return {
    id: 7,
    key: f.key,
    kind: f.kind,
    severity: f.severity,
    level: f.level,
    state: 'firing',
    openedMs: f.sinceMs,
    updatedMs: T - MIN,
    resolvedMs: null,
    notifiedMs: null,
    notifiedLevel: null,
    detail: detailOf(f),
    ...over,
  };
}

const SINKS: SinkTarget[] = [
  { name: 'all', kind: 'webhook', url: 'http://127.0.0.1:9/a', secret: 's', minSeverity: 'warning' },
  { name: 'pager', kind: 'pagerduty', url: 'http://127.0.0.1:9/p', secret: 'rk', minSeverity: 'critical' },
];

let n = 0;
function plan(over: Partial<NotifyInput>): AlertChange[] {
  return planNotices({
    firing: [],
    findings: [],
    lastNotified: new Map(),
    triggeredSinks: () => [],
    sinks: SINKS,
    now: T,
    options: NOTIFY_DEFAULTS,
    dashboardUrl: 'http://dash',
    newId: () => `m${++n}`,
    ...over,
  });
}

const sinksOf = (c: AlertChange | undefined) => c?.messages.map((m) => m.sink);

test('a new finding opens an alert since its window start; a key already firing is not opened twice', () => {
  const opens = planOpens([], [finding()]);
  assert.equal(opens.length, 1);
  assert.equal(opens[0]!.op === 'open' && opens[0]!.alert.openedMs, T - HOUR);
  assert.deepEqual(planOpens([alert()], [finding()]), []);
});

test('an alert is notified once, to the sinks whose minimum severity it reaches', () => {
  const [first] = plan({ firing: [alert()], findings: [finding()] });
  assert.equal(first?.op, 'update');
  assert.deepEqual(sinksOf(first), ['all'], 'a warning does not page');
  assert.ok(first?.op === 'update' && first.notified);
  const body = JSON.parse(first!.messages[0]!.body);
  assert.equal(body.type, 'alert.triggered');
  assert.equal(body.id, first!.messages[0]!.id);
  assert.equal(body.alert.url, 'http://dash/');
  assert.equal(body.alert.alertUrl, 'http://dash/?view=alerts&alert=7');
  // The next evaluation still sees it: recorded, not notified again.
  const [again] = plan({ firing: [alert({ notifiedMs: T, notifiedLevel: 1 })], findings: [finding()] });
  assert.deepEqual(sinksOf(again), []);
  assert.ok(again?.op === 'update' && !again.notified);
});

test('an escalation to critical is sent at once, paging too, whatever the cooldown', () => {
  const [c] = plan({
    firing: [alert({ notifiedMs: T - MIN, notifiedLevel: 1 })],
    findings: [finding({ severity: 'critical', level: 2 })],
  });
  assert.deepEqual(sinksOf(c), ['all', 'pager']);
  assert.equal(JSON.parse(c!.messages[1]!.body).payload.severity, 'critical');
});

test('a key that fires again within the cooldown is recorded but held; sent once the cooldown is over', () => {
  const lastNotified = new Map([['spend_spike', { ms: T - 20 * MIN, level: 1 }]]);
  const [held] = plan({ firing: [alert()], findings: [finding()], lastNotified });
  assert.deepEqual(sinksOf(held), []);
  assert.ok(held?.op === 'update' && !held.notified);
  const [worse] = plan({
    firing: [alert()],
    findings: [finding({ severity: 'critical', level: 2 })],
    lastNotified,
  });
  assert.deepEqual(sinksOf(worse), ['all', 'pager'], 'a higher level is not held');
  // Past the cooldown, lastNotified no longer holds the key: the still-firing alert is sent.
  const [later] = plan({ firing: [alert()], findings: [finding()], now: T + HOUR });
  assert.deepEqual(sinksOf(later), ['all']);
});

test('an alert resolves once its condition has been gone for resolveAfterMs, telling only the sinks that got it', () => {
  const notified = alert({ notifiedMs: T - 30 * MIN, notifiedLevel: 1, updatedMs: T - 5 * MIN });
  assert.deepEqual(plan({ firing: [notified], findings: [] }), [], 'gone for 5 minutes: still firing');
  const [r] = plan({
    firing: [alert({ notifiedMs: T - 30 * MIN, notifiedLevel: 1, updatedMs: T - 10 * MIN })],
    findings: [],
    triggeredSinks: () => ['all'],
  });
  assert.equal(r?.op, 'resolve');
  assert.deepEqual(sinksOf(r), ['all']);
  const body = JSON.parse(r!.messages[0]!.body);
  assert.equal(body.type, 'alert.resolved');
  assert.equal(body.alert.state, 'resolved');
  assert.equal(body.alert.resolvedAt, new Date(T).toISOString());
  const [quiet] = plan({ firing: [alert({ updatedMs: T - HOUR })], findings: [] });
  assert.deepEqual(sinksOf(quiet), [], 'never notified: resolved silently');
});
