// Where a call's attribution comes from, field by field: withAttribution over incoming W3C baggage
// over the service-wide defaults (TOKENMETER_FEATURE, TOKENMETER_USER, TOKENMETER_TENANT), and
// what the distro puts in the baggage it sends on (attributionBaggage).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ATTRIBUTION_BAGGAGE_KEYS } from '@tokenmeter/semconv';
import {
  attributionBaggage,
  getAttribution,
  setAttributionDefaults,
  withAttribution,
} from '../src/attribution.js';
import { resolveConfig } from '../src/config.js';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
after(() => {
  setAttributionDefaults(undefined);
  context.disable();
});

const withBaggage = (entries: Record<string, string>) =>
  propagation.setBaggage(
    ROOT_CONTEXT,
    propagation.createBaggage(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { value: v }]))),
  );

describe('service-wide defaults', () => {
  test('TOKENMETER_FEATURE/USER/TENANT are read as the defaults; a value over 256 characters is reported and unused', () => {
    const config = resolveConfig(
      {},
      {
        TOKENMETER_FEATURE: ' checkout ',
        TOKENMETER_TENANT: 'acme',
        TOKENMETER_USER: 'x'.repeat(257),
      },
    );
    assert.deepEqual(config.defaultAttribution, { feature: 'checkout', tenant: 'acme' });
  });

  test('withAttribution over incoming baggage over the defaults, per field', () => {
    setAttributionDefaults({ feature: 'default-feature', user: 'default-user', tenant: 'default-tenant' });
    try {
      assert.deepEqual(getAttribution(ROOT_CONTEXT), {
        feature: 'default-feature',
        user: 'default-user',
        tenant: 'default-tenant',
      });
      const bag = withBaggage({ [ATTRIBUTION_BAGGAGE_KEYS.user]: 'from-upstream' });
      assert.deepEqual(getAttribution(bag), {
        feature: 'default-feature',
        user: 'from-upstream',
        tenant: 'default-tenant',
      });
      const own = context.with(bag, () => withAttribution({ feature: 'search' }, () => getAttribution()));
      assert.deepEqual(own, { feature: 'search', user: 'from-upstream', tenant: 'default-tenant' });
    } finally {
      setAttributionDefaults(undefined);
    }
    assert.deepEqual(getAttribution(ROOT_CONTEXT), {});
  });
});

describe('the baggage sent on', () => {
  test('carries the attribution in effect and keeps the entries the app put there', () => {
    setAttributionDefaults({ tenant: 'acme' });
    try {
      const ctx = context.with(withBaggage({ 'app.region': 'eu' }), () =>
        withAttribution({ feature: 'search' }, () => attributionBaggage(context.active())),
      );
      const bag = propagation.getBaggage(ctx)!;
      assert.deepEqual(Object.fromEntries(bag.getAllEntries().map(([k, e]) => [k, e.value])), {
        'app.region': 'eu',
        [ATTRIBUTION_BAGGAGE_KEYS.feature]: 'search',
        [ATTRIBUTION_BAGGAGE_KEYS.tenant]: 'acme',
      });
    } finally {
      setAttributionDefaults(undefined);
    }
  });

  test('nothing to add leaves the context as it is', () => {
    const ctx = withBaggage({ [ATTRIBUTION_BAGGAGE_KEYS.feature]: 'search' });
    assert.equal(attributionBaggage(ctx), ctx);
    assert.equal(attributionBaggage(ROOT_CONTEXT), ROOT_CONTEXT);
  });
});
