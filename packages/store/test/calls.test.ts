import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openConnection } from '../src/driver/index.js';
import { type CallFilter, type CallInput, type CallRow, openStore } from '../src/index.js';
import { call, DAY, HOUR, matches, tempDir, without } from './helpers.js';

test('every CallInput field is stored and read back; no message content columns exist', (t) => {
  const store = openStore(path.join(tempDir(t), 'rt.db'));
  const full: CallInput = {
    startTimeMs: Date.UTC(2026, 10, 20, 8, 30, 15, 123),
    durationMs: 1234.5,
    timeToFirstChunkMs: 210.25,
    provider: 'anthropic',
    operation: 'chat',
    requestModel: 'claude-sonnet-4-5',
    responseModel: 'claude-sonnet-4-5-20250929',
    responseId: 'msg_01XYZ',
    finishReasons: ['end_turn', 'tool_use'],
    stream: true,
    serverAddress: 'api.anthropic.com',
    serviceTier: 'priority',
    batch: true,
    batchId: 'msgbatch_01XYZ',
    batchCustomId: 'request-7',
    usage: {
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 800,
      cacheWriteTokens: 100,
      reasoningTokens: 40,
    },
    usageEstimated: true,
    cost: {
      totalNanos: 9_876_543,
      inputNanos: 1_000_000,
      outputNanos: 8_000_000,
      cacheReadNanos: 240_000,
      cacheWriteNanos: 636_543,
      provider: 'anthropic',
      modelId: 'claude-sonnet-4-5',
      match: 'pattern',
      source: 'provider',
      version: 'genai-prices@0.1.8',
      serviceTier: 'priority',
    },
    pricingMatch: 'pattern',
    localCost: { totalNanos: 9_000_000 },
    gateway: 'litellm',
    errorType: '529',
    httpStatus: 529,
    attribution: { feature: 'search', user: 'alice@example.com', tenant: 'acme' },
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    serviceName: 'api',
  };
  const bare: CallInput = {
    startTimeMs: Date.UTC(2026, 10, 20, 8),
    durationMs: 3,
    provider: 'openai',
    operation: 'embeddings',
    stream: false,
    usageEstimated: false,
    cost: null,
    pricingMatch: 'no_usage',
    attribution: {},
  };
  assert.equal(store.insertMany([full, bare], 'fallback-service'), 2);
  const [a, b] = store.calls().calls as [CallRow, CallRow];
  assert.deepEqual(a, {
    id: 1,
    startTimeMs: full.startTimeMs,
    durationMs: 1234.5,
    timeToFirstChunkMs: 210.25,
    service: 'api',
    provider: 'anthropic',
    operation: 'chat',
    requestModel: 'claude-sonnet-4-5',
    responseModel: 'claude-sonnet-4-5-20250929',
    responseId: 'msg_01XYZ',
    finishReasons: ['end_turn', 'tool_use'],
    stream: true,
    serviceTier: 'priority',
    batch: true,
    inputTokens: 1200,
    outputTokens: 340,
    cacheReadTokens: 800,
    cacheWriteTokens: 100,
    reasoningTokens: 40,
    usageKnown: true,
    estimated: true,
    priced: true,
    costNanos: 9_876_543,
    inputCostNanos: 1_000_000,
    outputCostNanos: 8_000_000,
    cacheReadCostNanos: 240_000,
    cacheWriteCostNanos: 636_543,
    pricingMatch: 'pattern',
    pricingProvider: 'anthropic',
    pricingModelId: 'claude-sonnet-4-5',
    pricingSource: 'provider',
    pricingVersion: 'genai-prices@0.1.8',
    pricingTier: 'priority',
    serverAddress: 'api.anthropic.com',
    errorType: '529',
    httpStatus: 529,
    feature: 'search',
    user: 'alice@example.com',
    tenant: 'acme',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    costReported: true,
    localCostNanos: 9_000_000,
    gateway: 'litellm',
    batchId: 'msgbatch_01XYZ',
    batchCustomId: 'request-7',
  });
  assert.deepEqual(b, {
    id: 2,
    startTimeMs: bare.startTimeMs,
    durationMs: 3,
    timeToFirstChunkMs: null,
    service: 'fallback-service',
    provider: 'openai',
    operation: 'embeddings',
    requestModel: null,
    responseModel: null,
    responseId: null,
    finishReasons: [],
    stream: false,
    serviceTier: null,
    batch: false,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    usageKnown: false,
    estimated: false,
    priced: false,
    costNanos: 0,
    inputCostNanos: 0,
    outputCostNanos: 0,
    cacheReadCostNanos: 0,
    cacheWriteCostNanos: 0,
    pricingMatch: 'no_usage',
    pricingProvider: null,
    pricingModelId: null,
    pricingSource: null,
    pricingVersion: null,
    pricingTier: null,
    serverAddress: null,
    errorType: null,
    httpStatus: null,
    feature: null,
    user: null,
    tenant: null,
    traceId: null,
    spanId: null,
    costReported: false,
    localCostNanos: null,
    gateway: null,
    batchId: null,
    batchCustomId: null,
  });
  assert.deepEqual([...store.exportCalls()], [b, a], 'export is oldest first, same rows');
  store.close();
  const db = openConnection(store.path, { readonly: true });
  const columns = (
    db.prepare('SELECT name FROM pragma_table_info(?)').all('calls') as { name: string }[]
  ).map((c) => c.name);
  db.close();
  assert.ok(columns.includes('trace_id'));
  assert.deepEqual(
    columns.filter((c) => /content|prompt|message|completion|text|body/.test(c)),
    [],
  );
});

test('a malformed record is stored with what it has instead of failing its batch', (t) => {
  const store = openStore(path.join(tempDir(t), 'bad.db'));
  const weird = {
    ...call(),
    provider: 42,
    startTimeMs: Number.NaN,
    usage: { inputTokens: -5, outputTokens: 'x' },
    attribution: null,
  } as unknown as CallInput;
  assert.equal(store.insertMany([weird, call()]), 2);
  const rows = store.calls().calls;
  assert.equal(rows.length, 2);
  const w = rows.find((r) => r.startTimeMs === 0)!;
  assert.equal(w.provider, '');
  assert.equal(w.inputTokens, 0);
  assert.equal(w.outputTokens, 0);
  store.close();
});

test('token counts or costs that cannot be summed (1e308, Infinity, NaN, fractions) never make totals ∞ or NaN: stored as invalid_usage', (t) => {
  const store = openStore(path.join(tempDir(t), 'hostile.db'));
  const hostile = [
    call({ usage: { inputTokens: 1e308, outputTokens: 1 } }),
    call({ usage: { inputTokens: Number.POSITIVE_INFINITY, outputTokens: 1 } }),
    call({ usage: { inputTokens: 10.5, outputTokens: 1 } }),
    call({ usage: { inputTokens: 10, outputTokens: Number.NaN } }),
    call({ cost: { ...call().cost!, totalNanos: 1e300 } }),
  ];
  assert.equal(store.insertMany([...hostile, call()]), 6);
  const rows = store.calls().calls;
  const bad = rows.filter((r) => r.pricingMatch === 'invalid_usage');
  assert.equal(bad.length, 5);
  for (const r of bad) {
    assert.equal(r.priced, false);
    assert.equal(r.costNanos, 0);
  }
  assert.equal(bad.filter((r) => !r.usageKnown).length, 4, 'bad counts are not kept');
  const totals = store.summary({}).totals;
  for (const [key, value] of Object.entries(totals))
    if (typeof value === 'number') assert.ok(Number.isSafeInteger(value), `${key} = ${value}`);
  assert.equal(totals.inputTokens, 100 + 100, 'the good call and the call with only a bad cost');
  assert.equal(totals.costNanos, 1000);
  store.close();
});

function allPages(store: ReturnType<typeof openStore>, f: CallFilter, limit: number): CallRow[] {
  const out: CallRow[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = store.calls({ ...f, limit, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.calls);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/** The `i`th of `xs`, round and round. */
const cycle = <T>(xs: readonly [T, ...T[]], i: number): T => xs[i % xs.length] ?? xs[0];

function mixed(n: number, start: number): CallInput[] {
  const out: CallInput[] = [];
  for (let i = 0; i < n; i++) {
    const c = call({
      // Many calls share a millisecond: pages must break ties by id.
      startTimeMs: start + Math.floor(i / 3) * 7 * 60_000,
      requestModel: cycle(['gpt-4o', 'gpt-4o-mini', 'claude'], i),
      responseModel: cycle(['gpt-4o-2024-08-06', 'gpt-4o-mini', 'claude-x'], i),
      provider: i % 3 === 2 ? 'anthropic' : 'openai',
      attribution: {
        feature: `f${i % 4}`,
        user: i % 11 === 0 ? 'rare-user' : `u${i % 6}`,
        tenant: `t${i % 2}`,
      },
      serviceName: i % 2 ? 'api' : 'worker',
      ...(i % 13 === 0 ? { errorType: '500' } : {}),
      usageEstimated: i % 17 === 0,
      cost: i % 19 === 0 ? null : { ...call().cost!, totalNanos: (i * 7919) % 5000 },
      pricingMatch: i % 19 === 0 ? 'unknown_model' : 'exact',
    });
    out.push(i % 5 === 0 ? without(c, 'responseModel') : c);
  }
  return out;
}

const FILTERS: CallFilter[] = [
  {},
  { user: 'rare-user' },
  { user: 'u2', tenant: 't0' },
  { tenant: 't1' },
  { feature: 'f3' },
  { model: 'gpt-4o' },
  { model: 'gpt-4o-2024-08-06' },
  { model: 'gpt-4o-mini', feature: 'f1' },
  { provider: 'anthropic' },
  { service: 'api' },
  { errors: true },
  { estimated: true },
  { unpriced: true },
  { minCostNanos: 4000 },
  { user: 'rare-user', errors: true },
  { since: Date.UTC(2026, 10, 3), until: Date.UTC(2026, 10, 4, 5, 30) },
  { user: 'u1', since: Date.UTC(2026, 10, 3), until: Date.UTC(2026, 10, 4, 5, 30) },
  { tenant: 't0', feature: 'f2', since: Date.now() - 20 * HOUR },
  { model: 'claude', errors: true },
  { user: 'ghost' },
];

for (const [label, start] of [
  ['past days', Date.UTC(2026, 10, 1, 3, 17)],
  ['the last hours, not yet in the day rollups', Date.now() - 40 * HOUR],
] as const) {
  test(`calls (${label}): newest first, every filter matches a brute-force filter, pages visit each row once`, (t) => {
    const store = openStore(path.join(tempDir(t), 'pages.db'));
    const records = mixed(1500, start);
    store.insertMany(records);
    for (const f of FILTERS) {
      const expected = records
        .map((r, i) => ({ r, id: i + 1 }))
        .filter(({ r }) => matches(r, f))
        .sort((a, b) => b.r.startTimeMs - a.r.startTimeMs || b.id - a.id)
        .map((x) => x.id);
      for (const limit of [1, 7, 50, 1000]) {
        if (limit === 1 && expected.length > 200) continue;
        const got = allPages(store, f, limit).map((c) => c.id);
        assert.deepEqual(got, expected, `filter ${JSON.stringify(f)} limit ${limit}`);
      }
      const exported = [...store.exportCalls(f)].map((c) => c.id);
      assert.deepEqual(exported, [...expected].reverse(), `export ${JSON.stringify(f)}`);
    }
    assert.throws(() => store.calls({ limit: 0 }), { name: 'StoreQueryError' });
    assert.throws(() => store.calls({ limit: 1001 }), { name: 'StoreQueryError' });
    assert.throws(() => store.calls({ cursor: 'not a cursor' }), {
      name: 'StoreQueryError',
      message: /cursor/,
    });
    store.close();
  });
}

test('cursor pagination visits every row exactly once while calls are inserted between pages', (t) => {
  const store = openStore(path.join(tempDir(t), 'live.db'));
  const start = Date.UTC(2026, 10, 10);
  const initial = mixed(600, start);
  store.insertMany(initial);
  for (const f of [{}, { user: 'u3' }, { tenant: 't0' }, { model: 'gpt-4o' }] as CallFilter[]) {
    const seen = new Map<number, number>();
    let cursor: string | undefined;
    let prev: CallRow | undefined;
    let k = 0;
    do {
      const page = store.calls({ ...f, limit: 23, ...(cursor === undefined ? {} : { cursor }) });
      for (const c of page.calls) {
        seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
        if (prev) {
          assert.ok(
            c.startTimeMs < prev.startTimeMs || (c.startTimeMs === prev.startTimeMs && c.id < prev.id),
            'strictly older than the previous row',
          );
        }
        prev = c;
      }
      // Between pages: newer calls, calls at the same instants, and late (older) calls.
      store.insertMany(mixed(6, start + 5 * DAY + k * HOUR));
      store.insertMany(mixed(3, page.calls.at(-1)?.startTimeMs ?? start));
      k++;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (let id = 1; id <= initial.length; id++) {
      if (matches(initial[id - 1]!, f))
        assert.equal(seen.get(id), 1, `row ${id} seen once for ${JSON.stringify(f)}`);
    }
    for (const [id, times] of seen) assert.equal(times, 1, `row ${id} seen ${times} times`);
  }
  store.close();
});

test('unpriced models: grouped by provider and model, latest reason, calls without usage left out', (t) => {
  const store = openStore(path.join(tempDir(t), 'unpriced.db'));
  const t0 = Date.UTC(2026, 10, 5);
  store.insertMany([
    without(
      call({ startTimeMs: t0, requestModel: 'llama-local', cost: null, pricingMatch: 'unknown_model' }),
      'responseModel',
    ),
    without(
      call({ startTimeMs: t0 + 10, requestModel: 'llama-local', cost: null, pricingMatch: 'unknown_model' }),
      'responseModel',
    ),
    without(
      call({
        startTimeMs: t0 + 20,
        requestModel: 'llama-local',
        cost: null,
        pricingMatch: 'unknown_provider',
      }),
      'responseModel',
    ),
    call({
      startTimeMs: t0 + 5,
      provider: 'acme-ai',
      requestModel: 'x1',
      responseModel: 'x1-2026',
      cost: null,
      pricingMatch: 'unknown_provider',
    }),
    without(
      call({
        startTimeMs: t0 + 6,
        requestModel: 'gpt-4o',
        cost: null,
        pricingMatch: 'no_usage',
        errorType: '500',
      }),
      'usage',
    ),
    call({ startTimeMs: t0 + 7 }),
  ]);
  assert.deepEqual(store.unpricedModels(), [
    {
      provider: 'openai',
      model: 'llama-local',
      calls: 3,
      firstSeenMs: t0,
      lastSeenMs: t0 + 20,
      reason: 'unknown_provider',
    },
    {
      provider: 'acme-ai',
      model: 'x1-2026',
      calls: 1,
      firstSeenMs: t0 + 5,
      lastSeenMs: t0 + 5,
      reason: 'unknown_provider',
    },
  ]);
  assert.deepEqual(
    store.unpricedModels({ since: t0 + 6 }).map((m) => [m.model, m.calls]),
    [['llama-local', 2]],
  );
  assert.equal(
    store.summary({}).totals.unpricedCalls,
    5,
    'the summary still counts every call without a price',
  );
  store.close();
});

test('callsAfterId and lastCallId follow new calls in storage order; ids are never reused after a prune', (t) => {
  const store = openStore(path.join(tempDir(t), 'live-ids.db'));
  assert.equal(store.lastCallId(), 0);
  assert.deepEqual(store.callsAfterId(0), []);
  store.insertMany([3, 1, 2].map((h) => call({ startTimeMs: Date.UTC(2026, 10, 1, h) })));
  assert.equal(store.lastCallId(), 3);
  assert.deepEqual(
    store.callsAfterId(1).map((c) => [c.id, new Date(c.startTimeMs).getUTCHours()]),
    [
      [2, 1],
      [3, 2],
    ],
  );
  assert.deepEqual(
    store.callsAfterId(0, 1).map((c) => c.id),
    [1],
  );
  store.prune({ olderThan: Date.UTC(2027, 0, 1) });
  assert.equal(store.lastCallId(), 3);
  store.insertMany([call()]);
  assert.deepEqual(
    store.callsAfterId(store.lastCallId() - 1).map((c) => c.id),
    [4],
  );
  assert.throws(() => store.callsAfterId(-1), { name: 'StoreQueryError' });
  store.close();
});
