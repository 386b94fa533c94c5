// The three body formats, and the webhook's signature as a receiver verifies it.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { test } from 'node:test';
import { type AlertNotice, makeNotice } from '../src/notice.js';
import { checkSink, headersFor, renderFor } from '../src/sinks/index.js';
import type { SinkTarget } from '../src/types.js';

const T = Date.UTC(2026, 10, 18, 15);

function notice(type: AlertNotice['type'] = 'alert.triggered'): AlertNotice {
  return makeNotice(
    type,
    'f3a9c0de-0000-4000-8000-000000000001',
    {
      id: 12,
      key: 'cost_per_request:feature=<search>',
      kind: 'cost_per_request',
      severity: 'critical',
      openedMs: T - 3_600_000,
      resolvedMs: type === 'alert.resolved' ? T : null,
    },
    {
      title: 'Cost per request of feature "<search>" & co: $0.0022, 2.2× the $0.0010',
      value: 2_200_000,
      baseline: 1_000_000,
      unit: 'nanos_per_request',
      sinceMs: T - 3_600_000,
      contributors: {
        model: [{ key: 'gpt-4o', value: 50_000_000, share: 0.8 }],
        tenant: [{ key: null, value: 10, share: 0.2 }],
      },
      contributorUnit: 'nanos',
      runbook: 'Compare a recent call with an older one.',
      path: '/?view=calls&feature=%3Csearch%3E',
      scope: { feature: '<search>', tenant: 'acme' },
    },
    'https://tokenmeter.internal/',
    T,
  );
}

const sink = (kind: SinkTarget['kind'], secret: string | null = null): SinkTarget => ({
  name: kind,
  kind,
  url: 'https://hooks.example/x',
  secret,
  minSeverity: 'warning',
});

test('webhook: the notice as JSON, with X-Tokenmeter-Signature = sha256=<hex HMAC-SHA256 of the body>', () => {
  const s = sink('webhook', 'shh');
  const body = renderFor(s, notice());
  const doc = JSON.parse(body);
  assert.equal(doc.id, 'f3a9c0de-0000-4000-8000-000000000001');
  assert.equal(doc.type, 'alert.triggered');
  assert.equal(doc.alert.since, new Date(T - 3_600_000).toISOString());
  assert.equal(doc.alert.url, 'https://tokenmeter.internal/?view=calls&feature=%3Csearch%3E');
  assert.equal(doc.alert.contributors.model[0].key, 'gpt-4o');
  const h = headersFor(s, body, doc.id);
  // What a receiver does: HMAC of the raw bytes with the shared secret, constant-time compare.
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', 'shh').update(Buffer.from(body)).digest('hex')}`,
  );
  const got = Buffer.from(h['X-Tokenmeter-Signature']!);
  assert.ok(got.length === expected.length && timingSafeEqual(got, expected));
  assert.equal(h['X-Tokenmeter-Id'], doc.id);
  assert.equal(
    headersFor(sink('webhook'), body, doc.id)['X-Tokenmeter-Signature'],
    undefined,
    'no secret, no signature',
  );
});

test('Slack: text plus blocks, store text escaped for mrkdwn, link and id in the footer', () => {
  const doc = JSON.parse(renderFor(sink('slack'), notice()));
  assert.match(doc.text, /^\[CRITICAL\] Cost per request/);
  const all = JSON.stringify(doc.blocks);
  assert.ok(all.includes('&lt;search&gt;') && all.includes('&amp; co'), 'escaped');
  assert.ok(!all.includes('"<search>"'), 'nothing unescaped from the store');
  assert.ok(
    all.includes('<https://tokenmeter.internal/?view=calls&feature=%3Csearch%3E|Open in tokenmeter>'),
  );
  assert.ok(all.includes('id f3a9c0de-0000-4000-8000-000000000001'));
  assert.ok(all.includes('model: gpt-4o 80% ($0.05)'));
  assert.ok(all.includes('tenant: (not set) 20%'));
  const resolved = JSON.parse(renderFor(sink('slack'), notice('alert.resolved')));
  assert.match(resolved.text, /^Resolved: /);
});

test('PagerDuty Events v2: trigger with routing key, dedup key, severity and links; resolve with the same dedup key', () => {
  const trigger = JSON.parse(renderFor(sink('pagerduty', 'R0UT1NG'), notice()));
  assert.equal(trigger.routing_key, 'R0UT1NG');
  assert.equal(trigger.event_action, 'trigger');
  assert.equal(trigger.dedup_key, 'tokenmeter:cost_per_request:feature=<search>:12');
  assert.equal(trigger.payload.severity, 'critical');
  assert.equal(trigger.payload.source, 'tokenmeter');
  assert.equal(trigger.payload.component, '<search>');
  assert.equal(trigger.payload.group, 'acme');
  assert.equal(trigger.payload.custom_details.id, 'f3a9c0de-0000-4000-8000-000000000001');
  assert.deepEqual(trigger.links, [
    { href: 'https://tokenmeter.internal/?view=calls&feature=%3Csearch%3E', text: 'tokenmeter dashboard' },
  ]);
  const resolve = JSON.parse(renderFor(sink('pagerduty', 'R0UT1NG'), notice('alert.resolved')));
  assert.deepEqual(resolve, {
    routing_key: 'R0UT1NG',
    event_action: 'resolve',
    dedup_key: trigger.dedup_key,
  });
});

test('sink settings that cannot work are named in one line', () => {
  assert.match(
    checkSink({ kind: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', secret: null }) ?? '',
    /routing\) key: --secret/,
  );
  assert.match(
    checkSink({ kind: 'webhook', url: 'ftp://x', secret: null }) ?? '',
    /must start with https:\/\//,
  );
  assert.match(checkSink({ kind: 'webhook', url: 'not a url', secret: null }) ?? '', /is not a URL/);
  assert.match(
    checkSink({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', secret: 'x' }) ?? '',
    /takes no secret/,
  );
  assert.equal(
    checkSink({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/x', secret: null }),
    undefined,
  );
});
