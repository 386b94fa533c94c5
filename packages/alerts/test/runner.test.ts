// The runner end to end in one process: a store with a spike, a signed webhook sink, evaluations
// over time (fired, deduplicated, resolved), and the lease that keeps a second runner out.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { openStore } from '@tokenmeter/store';
import { AlertRunner, type RunnerEvent } from '../src/runner.js';
import { HOUR, MIN, spread, startReceiver, tempDir, WEEK } from './helpers.js';

const T = Date.UTC(2026, 10, 18, 15);

function fillSpike(file: string): void {
  const store = openStore(file);
  for (let k = 1; k <= 3; k++)
    store.insertMany(spread(30, T - HOUR - k * WEEK, HOUR, { costNanos: 16_666_667 }));
  store.insertMany(spread(90, T - HOUR, HOUR, { costNanos: 16_666_667, feature: 'agent', tenant: 'acme' }));
  store.alerts.addSink({ kind: 'webhook', url: 'http://placeholder.invalid/', secret: 'topsecret' });
  store.close();
}

test('the runner fires once per alert, signs each notice, and sends a resolved notice when it clears', {
  timeout: 30_000,
}, async (t) => {
  const file = path.join(tempDir(t), 'r.db');
  fillSpike(file);
  const recv = await startReceiver();
  t.after(() => recv.close());
  const setup = openStore(file);
  const [sink] = setup.alerts.listSinks();
  setup.alerts.addSink({ kind: 'webhook', url: recv.url, secret: 'topsecret' });
  setup.alerts.removeSink(sink!.id);
  setup.close();

  let clock = T;
  const events: RunnerEvent[] = [];
  const runner = new AlertRunner({
    storePath: file,
    now: () => clock,
    dashboardUrl: 'https://tm.example',
    onEvent: (e) => events.push(e),
    log: (l) => assert.fail(l),
    timeZone: 'UTC',
  });
  t.after(() => runner.stop());
  const found = await runner.evaluateOnce();
  assert.deepEqual(found.map((f) => f.kind).sort(), ['spend_spike', 'volume_spike']);
  assert.equal(recv.accepted().length, 2);
  for (const r of recv.accepted()) {
    const expected = `sha256=${createHmac('sha256', 'topsecret').update(r.body).digest('hex')}`;
    assert.equal(r.headers['x-tokenmeter-signature'], expected);
    const doc = r.json as { id: string; type: string; alert: { url: string; since: string } };
    assert.equal(doc.type, 'alert.triggered');
    assert.equal(r.headers['x-tokenmeter-id'], doc.id);
    assert.match(doc.alert.url, /^https:\/\/tm\.example\/\?view=/);
    assert.equal(doc.alert.since, new Date(T - HOUR).toISOString());
  }
  assert.deepEqual(events.filter((e) => e.type === 'fired').length, 2);

  // A minute later, still spiking: nothing new is sent.
  clock = T + MIN;
  await runner.evaluateOnce();
  assert.equal(recv.requests.length, 2);

  // Two hours later the last hour is calm (no calls at all): last seen more than resolveAfterMs
  // (10 minutes) ago, so both resolve.
  clock = T + 2 * HOUR;
  await runner.evaluateOnce();
  const resolved = recv
    .accepted()
    .slice(2)
    .map((r) => r.json as { type: string; alert: { kind: string } });
  assert.deepEqual(resolved.map((d) => [d.type, d.alert.kind]).sort(), [
    ['alert.resolved', 'spend_spike'],
    ['alert.resolved', 'volume_spike'],
  ]);
  const ids = recv.accepted().map((r) => (r.json as { id: string }).id);
  assert.equal(new Set(ids).size, 4, 'every notice has its own id');
  const log = openStore(file, { readonly: true });
  t.after(() => log.close());
  assert.deepEqual(
    log.alerts
      .log()
      .map((a) => [a.kind, a.state])
      .sort(),
    [
      ['spend_spike', 'resolved'],
      ['volume_spike', 'resolved'],
    ],
  );
  assert.equal(runner.stats().delivered, 4);
});

test('two runners on one store: only the lease holder evaluates; the other takes over once it stops', {
  timeout: 30_000,
}, async (t) => {
  const file = path.join(tempDir(t), 'r.db');
  fillSpike(file);
  const recv = await startReceiver();
  t.after(() => recv.close());
  const setup = openStore(file);
  for (const s of setup.alerts.listSinks()) setup.alerts.removeSink(s.id);
  setup.alerts.addSink({ kind: 'webhook', url: recv.url });
  setup.close();
  const eventsB: RunnerEvent[] = [];
  const a = new AlertRunner({ storePath: file, now: () => T, timeZone: 'UTC' });
  const b = new AlertRunner({
    storePath: file,
    now: () => T,
    timeZone: 'UTC',
    onEvent: (e) => eventsB.push(e),
  });
  t.after(() => b.stop());
  assert.equal((await a.evaluateOnce()).length, 2);
  assert.deepEqual(await b.evaluateOnce(), []);
  assert.deepEqual(eventsB, [{ type: 'waiting', holder: a.owner }]);
  await a.stop();
  assert.equal((await b.evaluateOnce()).length, 2);
  assert.equal(recv.requests.length, 2, 'the second runner found the alerts already notified');
});
