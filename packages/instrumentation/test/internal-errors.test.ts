// A failure of ours is never swallowed silently (DESIGN.md): where the instrumentation catches one
// to keep the app's call going (pricing a call, entering an attribution context, instrumenting an
// SDK client, expiring an unread body), it is counted in tokenmeter.internal.errors under its
// component and logged through the OTel diag logger, warned once per component and at debug after.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { parseResponse } from '../src/adapters/index.js';
import { ATTRIBUTION_COMPONENT, withAttribution } from '../src/attribution.js';
import type { Attribution } from '../src/call-record.js';
import { reportParserFailure } from '../src/internal-error.js';
import { sharedMetrics } from '../src/metrics/recorder.js';
import { interceptProperty, PATCH_COMPONENT, restoreProperty } from '../src/patches/client-property.js';
import { PendingBodies } from '../src/pending.js';
import { PRICING_COMPONENT, priceRequest } from '../src/price.js';
import { info } from './adapters/helpers.js';

const counted: string[] = [];
const warned: string[] = [];
const debugged: string[] = [];
const metrics = sharedMetrics();
const original = metrics.internalError;

beforeEach(() => {
  counted.length = 0;
  warned.length = 0;
  debugged.length = 0;
  metrics.internalError = (component: string) => {
    counted.push(component);
  };
  diag.setLogger(
    {
      error: () => {},
      // The component logger passes the package name first: keep the whole line.
      warn: (...args: unknown[]) => warned.push(args.map(String).join(' ')),
      info: () => {},
      debug: (...args: unknown[]) => debugged.push(args.map(String).join(' ')),
      verbose: () => {},
    },
    DiagLogLevel.DEBUG,
  );
});
afterEach(() => {
  metrics.internalError = original;
  diag.disable();
});

/** An object any read of which throws (a hostile value, or a bug of ours). */
const hostile = <T extends object>(): T =>
  new Proxy({} as T, {
    get() {
      throw new Error('unreadable');
    },
    ownKeys() {
      throw new Error('unreadable');
    },
  });

test('a call whose pricing throws is unpriced (unknown_model), and the failure is counted and warned once', () => {
  // A request whose provider cannot be read: the read fails inside the pricing step.
  const fields = {
    model: 'gpt-4o-mini',
    usage: { inputTokens: 7, outputTokens: 3 },
    timestampMs: Date.now(),
  };
  const req = new Proxy(fields, {
    get(target, key) {
      if (key === 'provider') throw new Error('provider unreadable');
      return Reflect.get(target, key);
    },
  }) as unknown as Parameters<typeof priceRequest>[0];
  assert.deepEqual(priceRequest(req), { cost: null, match: 'unknown_model' });
  priceRequest(req);
  assert.deepEqual(counted, [PRICING_COMPONENT, PRICING_COMPONENT]);
  assert.equal(warned.filter((m) => m.includes('tokenmeter pricing:')).length, 1);
  assert.match(warned.find((m) => m.includes('tokenmeter pricing:'))!, /pricing gpt-4o-mini failed/);
  assert.ok(
    debugged.some((m) => m.includes('tokenmeter pricing:')),
    'the second at debug',
  );
});

test('withAttribution that cannot enter its context still runs fn and returns its value; the failure is counted and logged', () => {
  const result = withAttribution(hostile<Attribution>(), () => 42);
  assert.equal(result, 42);
  assert.deepEqual(counted, [ATTRIBUTION_COMPONENT]);
  assert.ok(warned.some((m) => m.includes('withAttribution could not enter its context')));
});

test('a client whose fetch cannot be instrumented keeps the value it was given; the failure is counted and logged', () => {
  class Client {
    declare fetch: unknown; // no class field: the SDKs assign in the constructor, through the setter
    constructor(fetch: unknown) {
      this.fetch = fetch;
    }
  }
  const mine = () => 'the app fetch';
  assert.ok(
    interceptProperty(Client.prototype, 'fetch', () => {
      throw new Error('wrapper failed');
    }),
  );
  try {
    assert.equal(new Client(mine).fetch, mine);
    assert.deepEqual(counted, [PATCH_COMPONENT]);
    assert.ok(warned.some((m) => m.includes("instrumenting a client's fetch failed")));
  } finally {
    restoreProperty(Client.prototype, 'fetch');
  }
});

test('an unread body whose expiry throws is reported to the owner, and the sweep still expires the others', () => {
  const errors: unknown[] = [];
  const pending = new PendingBodies(
    () => 0,
    (error) => errors.push(error),
  );
  let expired = 0;
  pending.add({
    headersAt: 0,
    expire() {
      throw new Error('expire failed');
    },
  });
  pending.add({ headersAt: 0, expire: () => expired++ });
  pending.sweep(1);
  assert.equal(expired, 1);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /expire failed/);
  assert.equal(pending.size, 0);
});

// A payload whose reading throws (here a getter: JSON.parse never makes one, but a format parser with
// a bug throws the same way) leaves the call without usage and is reported as the adapter's failure.
const throwing = () => ({
  id: 'chatcmpl-1',
  model: 'gpt-4o-mini',
  get usage(): never {
    throw new Error('usage read failed');
  },
});

test('a response its format parser cannot read is recorded without usage, and the failure is counted and logged', () => {
  const request = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
  assert.deepEqual(parseResponse(request, throwing(), undefined, reportParserFailure), {});
  assert.deepEqual(counted, ['adapter']);
  assert.ok(
    warned.some((m) => m.includes('openai.chat response could not be read')),
    warned.join('\n'),
  );
});
