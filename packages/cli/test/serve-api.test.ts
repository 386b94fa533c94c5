import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseBudgetsFile } from '@tokenmeter/budgets';
import { openStore } from '@tokenmeter/store';
import type { TokenmeterServer } from '../src/server/server.js';
import { DAY, makeStore, NOW, pricedCall, run, sampleCalls, tempDir, withStore } from './helpers.js';
import { get, getJson, serve } from './server-helpers.js';

const MONTH = Date.UTC(2026, 10, 1);

describe('tokenmeter serve: REST API', () => {
  let file = '';
  let server: TokenmeterServer;
  const dir = tempDir({ after });
  before(async () => {
    file = makeStore(dir, [
      ...sampleCalls(300, MONTH - 5 * DAY, NOW),
      pricedCall({
        at: NOW - 1000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 5000,
        output: 700,
        tenant: 'acme',
        feature: 'search',
        traceId: 'abcdefabcdefabcdefabcdefabcdefab',
      }),
    ]);
    server = await serve({ after: () => {} }, file);
  });
  after(() => server.close());

  it('answers the same as the CLI, to the nano-dollar', async () => {
    const queries: [string[], string][] = [
      [['--month', '--by', 'model'], 'period=month&groupBy=model'],
      [['--today', '--by', 'feature'], 'period=today&groupBy=feature'],
      [
        ['--since', '2026-11-10', '--until', '2026-11-20', '--by', 'tenant', '--provider', 'openai'],
        'since=2026-11-10&until=2026-11-20&groupBy=tenant&provider=openai',
      ],
      [['--since', '7d', '--by', 'day', '--min-cost', '0.0005'], 'since=7d&groupBy=day&minCost=0.0005'],
      [
        ['--week', '--by', 'user', '--tenant', 'acme', '--errors'],
        'period=week&groupBy=user&tenant=acme&errors=true',
      ],
    ];
    for (const [args, query] of queries) {
      const cli = JSON.parse((await run(['cost', '--store', file, '--json', '--tz', 'UTC', ...args])).stdout);
      const { status, json } = await getJson(`${server.url}/v1/telemetry/summary?${query}&tz=UTC`);
      assert.equal(status, 200, JSON.stringify(json));
      assert.deepEqual(json, cli, query);
    }
    const cliCalls = JSON.parse(
      (await run(['calls', '--store', file, '--json', '--limit', '25', '--feature', 'search'])).stdout,
    );
    const rest = await getJson(`${server.url}/v1/telemetry/sessions?limit=25&feature=search`);
    assert.deepEqual(rest.json, cliCalls);
  });

  it('pages calls with a cursor, newest first, and returns one call by id', async () => {
    const first = (await getJson(`${server.url}/v1/telemetry/sessions?limit=100&tz=UTC`)).json;
    assert.equal(first.calls.length, 100);
    assert.ok(first.nextCursor);
    const second = (await getJson(`${server.url}/v1/telemetry/sessions?limit=100&cursor=${first.nextCursor}`))
      .json;
    const ids = [...first.calls, ...second.calls].map((c: { id: number }) => c.id);
    assert.deepEqual(
      ids,
      withStore(file, (s) => s.calls({ limit: 200 }).calls.map((c) => c.id)),
    );
    const one = await getJson(`${server.url}/v1/telemetry/sessions/${first.calls[0].id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.traceId, 'abcdefabcdefabcdefabcdefabcdefab');
    assert.equal(one.json.costUsd, one.json.costNanos / 1e9);
    const missing = await getJson(`${server.url}/v1/telemetry/sessions/999999`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'not_found');
  });

  it('rejects bad parameters with 400 and names the parameter', async () => {
    const cases: [string, string, string?][] = [
      ['/v1/telemetry/summary?period=year', 'period'],
      ['/v1/telemetry/summary?since=yesterday', 'since'],
      ['/v1/telemetry/summary?until=2026-02-30', 'until'],
      ['/v1/telemetry/summary?since=2026-11-10&until=2026-11-01', 'until'],
      ['/v1/telemetry/summary?period=month&since=7d', 'since', 'conflicting_parameters'],
      ['/v1/telemetry/summary?groupBy=color', 'groupBy'],
      ['/v1/telemetry/summary?tz=Mars/Olympus', 'tz'],
      ['/v1/telemetry/summary?minCost=-1', 'minCost'],
      ['/v1/telemetry/summary?minCost=0.0000000001', 'minCost'],
      ['/v1/telemetry/summary?errors=maybe', 'errors'],
      ['/v1/telemetry/summary?limit=0', 'limit'],
      ['/v1/telemetry/summary?limit=abc', 'limit'],
      ['/v1/telemetry/summary?provider=', 'provider'],
      ['/v1/telemetry/summary?model=a&model=b', 'model'],
      ['/v1/telemetry/summary?format=csv', 'format', 'unknown_parameter'],
      ['/v1/telemetry/summary?foo=1', 'foo', 'unknown_parameter'],
      ['/v1/telemetry/sessions?limit=1001', 'limit'],
      ['/v1/telemetry/sessions?limit=-3', 'limit'],
      ['/v1/telemetry/sessions?cursor=!!', 'cursor'],
      ['/v1/telemetry/sessions?cursor=zz', 'cursor'],
      ['/v1/telemetry/sessions?groupBy=model', 'groupBy', 'unknown_parameter'],
      ['/v1/telemetry/sessions?since=2026-11-01T25:00', 'since'],
      ['/v1/telemetry/sessions/abc', 'id'],
      ['/v1/telemetry/sessions/0', 'id'],
      ['/v1/telemetry/sessions/5?verbose=1', 'verbose', 'unknown_parameter'],
      ['/v1/telemetry/export?format=xml', 'format'],
      ['/v1/telemetry/export?period=decade', 'period'],
      ['/v1/telemetry/stream?after=abc', 'after'],
      ['/v1/telemetry/stream?since=7d', 'since', 'unknown_parameter'],
      ['/v1/budgets?tz=Nowhere/Land', 'tz'],
      ['/v1/budgets?period=day', 'period', 'unknown_parameter'],
      ['/v1/alerts?state=open', 'state'],
      ['/v1/alerts?since=yesterday', 'since'],
      ['/v1/alerts?limit=0', 'limit'],
      ['/v1/alerts?kind=spike', 'kind', 'unknown_parameter'],
      ['/v1/alerts/abc', 'id'],
      ['/metrics?format=json', 'format', 'unknown_parameter'],
      ['/healthz?deep=1', 'deep', 'unknown_parameter'],
    ];
    for (const [path, parameter, code = 'invalid_parameter'] of cases) {
      const r = await get(`${server.url}${path}`);
      assert.equal(r.status, 400, `${path}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      const body = JSON.parse(r.body);
      assert.equal(body.error.parameter, parameter, path);
      assert.equal(body.error.code, code, path);
      assert.ok(body.error.message.length > 10, path);
    }
  });

  it('exports CSV and JSON as attachments, every matching call', async () => {
    const csv = await get(`${server.url}/v1/telemetry/export?format=csv&period=month&tz=UTC&tenant=acme`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(
      csv.headers['content-disposition'],
      'attachment; filename="tokenmeter-calls-2026-11-23.csv"',
    );
    const expected = withStore(
      file,
      (s) => s.summary({ since: MONTH, until: Date.UTC(2026, 11, 1), tenant: 'acme' }).totals,
    );
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines.length - 1, expected.calls);
    const costCol = lines[0]!.split(',').indexOf('cost_nanos');
    assert.equal(
      lines.slice(1).reduce((n, l) => n + Number(l.split(',')[costCol]), 0),
      expected.costNanos,
    );
    const json = await get(`${server.url}/v1/telemetry/export?format=json`);
    assert.equal(
      json.headers['content-disposition'],
      'attachment; filename="tokenmeter-calls-2026-11-23.json"',
    );
    assert.equal(
      JSON.parse(json.body).length,
      withStore(file, (s) => s.summary({}).totals.calls),
    );
    const empty = await get(
      `${server.url}/v1/telemetry/export?format=json&since=2020-01-01&until=2020-01-02`,
    );
    assert.deepEqual(JSON.parse(empty.body), []);
  });

  it('lists budgets with their status', async (t) => {
    const dir = tempDir(t);
    const f = makeStore(dir, [
      pricedCall({ at: NOW - 1000, provider: 'openai', model: 'gpt-4o', input: 5000, output: 700 }),
    ]);
    await run(['budget', 'set', '0.01', '--period', 'day', '--store', f]);
    const s = await serve(t, f);
    const { json } = await getJson(`${s.url}/v1/budgets?tz=UTC`);
    assert.equal(json.exceeded, true);
    assert.equal(json.budgets[0].state, 'exceeded');
    assert.equal(
      json.budgets[0].spentNanos,
      withStore(f, (st) => st.summary({}).totals.costNanos),
    );
  });

  it("lists the alert log with each alert's detail and deliveries; one alert by id; 404 for none", async (t) => {
    const dir = tempDir(t);
    const f = makeStore(dir, []);
    const w = openStore(f);
    w.alerts.addSink({ kind: 'webhook', url: 'https://hooks.example.com/secret-path' });
    const [id] = w.alerts.apply(
      [
        {
          op: 'open',
          alert: {
            key: 'spend_spike',
            kind: 'spend_spike',
            severity: 'critical',
            level: 2,
            openedMs: NOW - 3_600_000,
            detail: {
              title: 'Spend spike: $3.00',
              value: 3e9,
              baseline: 1e9,
              unit: 'nanos',
              contributors: {},
              runbook: 'look',
              path: '/?view=breakdown',
              scope: {},
            },
            notifiedMs: NOW,
            notifiedLevel: 2,
          },
          messages: [{ id: 'm-1', sink: 'store:1', notice: 'trigger', body: '{}' }],
        },
      ],
      NOW,
    );
    w.close();
    const s = await serve(t, f);
    const { json } = await getJson(`${s.url}/v1/alerts?tz=UTC`);
    assert.equal(json.firing, 1);
    assert.equal(json.alerts.length, 1);
    const a = json.alerts[0];
    assert.equal(a.id, id);
    assert.equal(a.title, 'Spend spike: $3.00');
    assert.equal(a.opened, new Date(NOW - 3_600_000).toISOString());
    assert.deepEqual(
      a.deliveries.map((d: { id: string; sinkLabel: string; state: string }) => [d.id, d.sinkLabel, d.state]),
      [['m-1', 'webhook https://hooks.example.com/…', 'pending']],
    );
    assert.equal((await getJson(`${s.url}/v1/alerts/${id}`)).json.key, 'spend_spike');
    assert.equal((await get(`${s.url}/v1/alerts/999`)).status, 404);
    assert.deepEqual((await getJson(`${s.url}/v1/alerts?state=resolved`)).json.alerts, []);
  });

  it('lists the budgets of the store and of the budgets file with reserved spend and the forecast band', async (t) => {
    const dir = tempDir(t);
    const f = makeStore(dir, [
      pricedCall({
        at: NOW - 1000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 5000,
        output: 700,
        feature: 'chat',
      }),
    ]);
    await run(['budget', 'set', '10', '--period', 'month', '--store', f]);
    const s = await serve(t, f, {
      budgets: parseBudgetsFile('budgets: [{ name: chat-day, limit_usd: 1, period: day, feature: chat }]')
        .budgets,
    });
    const { json } = await getJson(`${s.url}/v1/budgets?tz=UTC`);
    assert.deepEqual(
      json.budgets.map((b: { id: string; source: string }) => [b.id, b.source]),
      [
        [json.budgets[0].id, 'store'],
        ['file:chat-day', 'file'],
      ],
    );
    const chat = json.budgets[1];
    assert.equal(
      chat.spentNanos,
      withStore(f, (st) => st.summary({}).totals.costNanos),
    );
    assert.equal(chat.reservedNanos, 0);
    assert.equal(chat.scope, 'feature=chat');
    assert.ok(chat.forecast.lowNanos <= chat.forecast.highNanos);
    assert.ok(chat.forecast.lowNanos >= chat.spentNanos);
    assert.equal(chat.forecast.method, 'linear-burn');
    assert.equal(chat.projectedNanos, chat.forecast.expectedNanos);
  });

  it('sends security headers, no CORS, and only GET', async () => {
    for (const path of ['/', '/v1/telemetry/summary', '/metrics', '/assets/app.js']) {
      const r = await get(`${server.url}${path}`, { Origin: 'https://evil.example' });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.match(
        String(r.headers['content-security-policy']),
        /default-src 'self'.*frame-ancestors 'none'/,
      );
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    }
    for (const method of ['POST', 'DELETE', 'OPTIONS']) {
      const r = await get(`${server.url}/v1/telemetry/summary`, {}, method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    const notFound = await getJson(`${server.url}/v1/nothing`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.json.error.code, 'not_found');
    const traversal = await get(`${server.url}/assets/../package.json`);
    assert.equal(traversal.status, 404);
  });

  it('answers only to loopback host names when there is no token (DNS rebinding)', async () => {
    const evil = await get(`${server.url}/v1/telemetry/summary`, { Host: 'attacker.example:8766' });
    assert.equal(evil.status, 421);
    const ok = await get(`${server.url}/v1/telemetry/summary`, { Host: `localhost:${server.port}` });
    assert.equal(ok.status, 200);
  });

  it('reports health', async () => {
    const { status, json } = await getJson(`${server.url}/healthz`);
    assert.equal(status, 200);
    assert.equal(json.status, 'ok');
    assert.equal(json.store.calls, 301);
  });
});
