// The pre-send check's decisions: proceed with a reservation, route to the cheaper model, block with
// a message naming the budget, its spend and its limit, warn once; and the fail modes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calculateCost, configurePricing } from '@tokenmeter/pricing';
import {
  BudgetChecker,
  type BudgetDecision,
  type BudgetLedger,
  type BudgetRequest,
  DEFAULT_OUTPUT_TOKENS,
  MemoryLedger,
  makeDefinition,
  modelOutputLimit,
  worstCaseNanos,
} from '../src/index.js';

const NOW = Date.UTC(2026, 10, 18, 12);

function request(over: Partial<BudgetRequest> = {}): BudgetRequest {
  return {
    provider: 'openai',
    model: 'gpt-4o',
    timeMs: NOW,
    inputTokens: () => 1000,
    maxOutputTokens: 500,
    ...over,
  };
}

function lines() {
  const out: string[] = [];
  return { out, logger: { warn: (m: string) => out.push(m), info: () => {} } };
}

async function decide(c: BudgetChecker, r: BudgetRequest): Promise<BudgetDecision> {
  return await c.check(r);
}

test('the worst case: the request max_tokens, else the model output limit, at the catalog prices', () => {
  const gpt4o = (input: number, output: number) =>
    calculateCost({
      provider: 'openai',
      model: 'gpt-4o',
      usage: { inputTokens: input, outputTokens: output },
      timestamp: NOW,
    })!.totalNanos;
  assert.equal(worstCaseNanos(request()), gpt4o(1000, 500));
  assert.equal(worstCaseNanos(request({ maxOutputTokens: undefined })), gpt4o(1000, 16_384));
  assert.equal(modelOutputLimit('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 64_000);
  assert.equal(modelOutputLimit('some-new-model'), DEFAULT_OUTPUT_TOKENS);
  assert.equal(worstCaseNanos(request({ model: 'no-such-model-xyz' })), 0, 'unpriced: 0, never a guess');
  const claude = (cacheWrite: number) =>
    calculateCost({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 1000, outputTokens: 100, cacheWriteTokens: cacheWrite },
      timestamp: NOW,
    })!.totalNanos;
  const a = request({ provider: 'anthropic', model: 'claude-sonnet-4-5', maxOutputTokens: 100 });
  assert.equal(worstCaseNanos(a), claude(1000), 'input may be written to the cache (billed above input)');
  assert.equal(worstCaseNanos({ ...a, mayWriteCache: false }), claude(0));
});

test('cached worst cases: new pricing overrides apply to the next check, and a large input rounds up, never down', (t) => {
  const exact = (inputTokens: number) =>
    calculateCost({
      provider: 'openai',
      model: 'gpt-4o',
      timestamp: NOW,
      usage: { inputTokens, outputTokens: 500 },
    })!.totalNanos;
  for (const tokens of [1024, 5000, 123_457, 999_999]) {
    const worst = worstCaseNanos(request({ inputTokens: () => tokens }));
    assert.ok(worst >= exact(tokens), `${tokens} tokens: ${worst} < ${exact(tokens)}`);
    assert.ok(worst <= exact(Math.ceil(tokens * (1 + 1 / 64))), `${tokens} tokens: more than 1/64 above`);
  }
  const before = worstCaseNanos(request());
  t.after(() => configurePricing());
  configurePricing({ overrides: { discounts: { openai: 0.5 } } });
  assert.equal(worstCaseNanos(request()), Math.round(before / 2), 'priced with the new overrides');
});

test('no budget in scope: proceed without touching the ledger or estimating the input', async () => {
  let estimated = 0;
  const ledger = new MemoryLedger();
  const reserve = ledger.reserve.bind(ledger);
  let reserves = 0;
  ledger.reserve = (r) => {
    reserves++;
    return reserve(r);
  };
  const b = makeDefinition({
    source: 'file',
    id: 'acme',
    period: 'day',
    limitNanos: 1,
    tenant: 'acme',
    action: 'block',
  });
  const c = new BudgetChecker({ ledger, budgets: [b] });
  const d = await decide(
    c,
    request({
      tenant: 'other',
      inputTokens: () => {
        estimated++;
        return 1;
      },
    }),
  );
  assert.deepEqual(d, { action: 'proceed', ticket: undefined });
  assert.equal(estimated, 0);
  assert.equal(reserves, 0);
});

test('block: the call that would pass the limit is refused with a message naming the budget, spend and limit; settling frees room', async () => {
  const worst = worstCaseNanos(request());
  const b = makeDefinition({
    source: 'file',
    id: 'daily-openai',
    name: 'daily-openai',
    period: 'day',
    timeZone: 'UTC',
    limitNanos: Math.floor(worst * 2.5),
    provider: 'openai',
    action: 'block',
  });
  const { out, logger } = lines();
  const c = new BudgetChecker({ ledger: new MemoryLedger(), budgets: [b], logger });
  const d1 = await decide(c, request());
  const d2 = await decide(c, request());
  assert.equal(d1.action, 'proceed');
  assert.equal(d2.action, 'proceed');
  const d3 = await decide(c, request());
  assert.equal(d3.action, 'block');
  if (d3.action !== 'block') return;
  assert.equal(d3.budget.id, 'file:daily-openai');
  assert.match(d3.message, /budget "daily-openai" \(day \(UTC\)\) is exhausted/);
  assert.match(d3.message, /held by calls in flight of its \$\d/);
  assert.match(d3.message, /The request was not sent\.$/);
  // The first call ends having cost less than its worst case: room for another.
  if (d1.action === 'proceed') d1.ticket!.settle(Math.floor(worst / 10));
  assert.equal((await decide(c, request())).action, 'proceed');
  if (d2.action === 'proceed') {
    d2.ticket!.settle(worst);
    d2.ticket!.settle(worst); // settled once only
  }
  assert.equal(c.ledger.spend(b, NOW) instanceof Promise, false);
  assert.deepEqual((c.ledger as MemoryLedger).spend(b, NOW), {
    spentNanos: Math.floor(worst / 10) + worst,
    reservedNanos: worst,
  });
  assert.equal(
    out.filter((l) => l.includes('blocked')).length,
    1,
    'one line for the block, not one per call',
  );
});

test('route-cheap: the cheaper model is sent once the budget is out; block when the cheap model is out too', async () => {
  const gpt4o = worstCaseNanos(request());
  const route = makeDefinition({
    source: 'file',
    id: 'r',
    name: 'gpt4o-daily',
    period: 'day',
    timeZone: 'UTC',
    limitNanos: gpt4o,
    model: 'gpt-4o',
    action: 'route-cheap',
    route: { 'gpt-4o': 'gpt-4o-mini' },
  });
  const mini = worstCaseNanos(request({ model: 'gpt-4o-mini' }));
  const all = makeDefinition({
    source: 'file',
    id: 'all',
    period: 'day',
    timeZone: 'UTC',
    limitNanos: gpt4o + 2 * mini,
    action: 'block',
  });
  const c = new BudgetChecker({ ledger: new MemoryLedger(), budgets: [route, all], logger: lines().logger });
  const first = await decide(c, request());
  assert.equal(first.action, 'proceed');
  const routed = await decide(c, request());
  assert.equal(routed.action, 'route');
  if (routed.action !== 'route') return;
  assert.equal(routed.model, 'gpt-4o-mini');
  assert.equal(routed.budget.name, 'gpt4o-daily');
  assert.equal(routed.ticket!.reservedNanos, mini, 'reserved at the cheaper model');
  assert.equal((await decide(c, request())).action, 'route');
  const blocked = await decide(c, request());
  assert.equal(blocked.action, 'block', 'the cheap model would pass the overall budget');
  if (blocked.action === 'block') assert.equal(blocked.budget.id, 'file:all');
  assert.equal((await decide(c, request({ model: 'gpt-4o-mini' }))).action, 'block');
});

test('warn: the call goes on and is reserved; one diag line per budget and period', async () => {
  const b = makeDefinition({
    source: 'file',
    id: 'w',
    name: 'soft',
    period: 'day',
    timeZone: 'UTC',
    limitNanos: 1,
  });
  const { out, logger } = lines();
  const c = new BudgetChecker({ ledger: new MemoryLedger(), budgets: [b], logger });
  for (let i = 0; i < 3; i++) {
    const d = await decide(c, request());
    assert.equal(d.action, 'proceed');
    if (d.action === 'proceed') assert.ok(d.ticket);
  }
  assert.equal(out.length, 1);
  assert.match(
    out[0]!,
    /^tokenmeter: budget "soft" is at its limit: spent \$0\.00 \+ \$[0-9.]+ reserved of \$0\.000000001 .*calls go on \(action warn\)$/,
  );
});

test('an unreachable ledger: fail open lets calls through, fail closed blocks them; one line per outage, one when it is back', async () => {
  let down = true;
  const memory = new MemoryLedger();
  const flaky: BudgetLedger = {
    kind: 'redis',
    storeRef: false,
    reserve: (r) => (down ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) : memory.reserve(r)),
    settle: (r, n) => memory.settle(r, n),
    spend: (b, now) => memory.spend(b, now),
    close: () => {},
  };
  const b = makeDefinition({
    source: 'file',
    id: 'x',
    period: 'day',
    timeZone: 'UTC',
    limitNanos: 1e12,
    action: 'block',
  });
  for (const failMode of ['open', 'closed'] as const) {
    down = true;
    const { out, logger } = lines();
    let errors = 0;
    const c = new BudgetChecker({ ledger: flaky, budgets: [b], failMode, logger, onError: () => errors++ });
    for (let i = 0; i < 3; i++) {
      const d = await decide(c, request());
      assert.equal(d.action, failMode === 'open' ? 'proceed' : 'block', failMode);
      if (d.action === 'block') assert.match(d.message, /cannot be reached.*TOKENMETER_BUDGET_FAIL=closed/);
    }
    assert.equal(
      (await decide(c, request({ provider: 'anthropic', model: 'claude-x' }))).action,
      failMode === 'open' ? 'proceed' : 'block',
    );
    assert.equal(errors, 4, 'every failure counted');
    assert.equal(out.length, 1, 'logged once per outage');
    assert.match(out[0]!, /budget ledger \(redis\) cannot be reached \(ECONNREFUSED 127\.0\.0\.1:6379\)/);
    down = false;
    assert.equal((await decide(c, request())).action, 'proceed');
    assert.equal(out.length, 2);
    assert.match(out[1]!, /answers again/);
  }
});
