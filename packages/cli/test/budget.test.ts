import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUsd } from '../src/format/money.js';
import { makeStore, NOW, pricedCall, run, tempDir, withStore } from './helpers.js';

describe('tokenmeter budget', () => {
  it('sets, lists, reports and removes budgets; status exits 3 when one is exceeded', async (t) => {
    const dir = tempDir(t);
    const at = NOW - 3_600_000;
    const file = makeStore(dir, [
      // $0.0217 for acme today
      pricedCall({
        at,
        provider: 'anthropic',
        model: 'claude-sonnet-4-6',
        input: 12_000,
        cacheRead: 10_000,
        cacheWrite: 1000,
        output: 800,
        tenant: 'acme',
      }),
      pricedCall({
        at,
        provider: 'openai',
        model: 'gpt-4o-mini',
        input: 1000,
        output: 100,
        tenant: 'globex',
      }),
    ]);
    const set = await run(['budget', 'set', '50', '--period', 'month', '--tz', 'UTC', '--store', file]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /✓ Budget 1: \$50\.00 per month for all calls \(warning at 80%\)/);
    const acme = await run([
      'budget',
      'set',
      '0.02',
      '--period',
      'day',
      '--tenant',
      'acme',
      '--warn-at',
      '0.5',
      '--tz',
      'UTC',
      '--store',
      file,
    ]);
    assert.match(acme.stdout, /Budget 2: \$0\.02 per day for tenant=acme \(warning at 50%\)/);

    const list = await run(['budget', 'list', '--store', file]);
    assert.match(
      list.stdout,
      /ID\s+PERIOD\s+SCOPE\s+LIMIT\s+WARN AT\s+ACTION\s+ALERTS AT\s+NAME\n\s*1\s+month \(\S+\)\s+all calls\s+\$50\.00\s+80%\s+warn\s+80% 100%\n\s*2\s+day \(\S+\)\s+tenant=acme\s+\$0\.02\s+50%\s+warn\s+50% 100%/,
    );

    const status = await run(['budget', 'status', '--store', file, '--tz', 'UTC']);
    assert.equal(status.code, 3, status.stderr);
    const spent = withStore(
      file,
      (s) => s.summary({ since: Date.UTC(2026, 10, 23), tenant: 'acme' }).totals.costNanos,
    );
    assert.match(
      status.stdout,
      new RegExp(
        `2\\s+day 2026-11-23\\s+tenant=acme\\s+warn\\s+\\${formatUsd(spent)}\\s+\\$0\\.00\\s+\\$0\\.02\\s+109%\\s+\\S+\\s+\\S+–\\S+\\s+linear-burn\\s+exceeded`,
      ),
    );
    assert.match(
      status.stdout,
      /\s1\s+month 2026-11-01\s+all calls\s+warn\s+\$0\.0\d+\s+\$0\.00\s+\$50\.00\s+0%\s+\S+\s+\S+\s+linear-burn\s+ok/,
    );
    assert.match(
      status.stdout,
      /forecast: spend at the end of the period/,
      'the forecast column says what it is',
    );
    assert.match(status.stdout, /A budget is exceeded \(exit code 3\)/);

    const json = await run(['budget', 'status', '--store', file, '--json', '--tz', 'UTC']);
    assert.equal(json.code, 3);
    const j = JSON.parse(json.stdout);
    assert.equal(j.exceeded, true);
    const b2 = j.budgets.find((b: { storeId: number }) => b.storeId === 2);
    assert.equal(b2.id, 'store:2');
    assert.equal(b2.reservedNanos, 0);
    assert.equal(b2.forecast.method, 'linear-burn');
    assert.match(b2.forecast.note, /^cold start: \d+ hours of history with spend/, 'a cold start says so');
    assert.equal(b2.spentNanos, spent);
    assert.equal(b2.state, 'exceeded');
    assert.equal(b2.limitUsd, 0.02);
    assert.equal(b2.periodStart, '2026-11-23T00:00:00.000Z');

    const rm = await run(['budget', 'rm', '2', '--store', file]);
    assert.equal(rm.code, 0);
    const after = await run(['budget', 'status', '--store', file]);
    assert.equal(after.code, 0, 'no budget exceeded any more');
    const missing = await run(['budget', 'rm', '2', '--store', file]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No budget with id 2/);
  });

  it('updates a budget with the same period and scope instead of adding one', async (t) => {
    const file = makeStore(tempDir(t), []);
    await run(['budget', 'set', '10', '--period', 'week', '--feature', 'chat', '--store', file]);
    await run(['budget', 'set', '20', '--period', 'week', '--feature', 'chat', '--store', file]);
    const j = JSON.parse((await run(['budget', 'list', '--json', '--store', file])).stdout);
    assert.deepEqual(
      j.budgets.map((b: { limitNanos: number; feature: string }) => [b.limitNanos, b.feature]),
      [[20_000_000_000, 'chat']],
    );
  });

  it('explains bad input with exit 2', async (t) => {
    const file = makeStore(tempDir(t), []);
    const cases: [string[], RegExp][] = [
      [['set', '50'], /--period is required: day, week, month or rolling:<N>h/],
      [['set', '50', '--period', 'year'], /--period: "year" is not a period/],
      [
        ['set', '50', '--period', 'rolling:0h'],
        /--period: "rolling:0h" is not a period: use day, week, month or rolling:<N>h/,
      ],
      [
        ['set', '5', '--period', 'day', '--tz', 'Mars/Base'],
        /--tz: "Mars\/Base" is not a time zone: use an IANA name/,
      ],
      [
        ['set', '5', '--period', 'day', '--action', 'stop'],
        /--action: "stop" is not an action: use warn, block, route-cheap/,
      ],
      [['set', '5', '--period', 'day', '--action', 'route-cheap'], /--action route-cheap needs --route/],
      [
        ['set', '5', '--period', 'day', '--route', 'gpt-4o'],
        /--route: "gpt-4o" is not a route: write model=cheaper-model pairs/,
      ],
      [
        ['set', '5', '--period', 'day', '--alert-at', '50,x'],
        /--alert-at: "x" is not a percentage of the limit/,
      ],
      [['set', '5', '--period', 'day', '--model', ''], /--model must not be empty/],
      [['set', 'fifty', '--period', 'day'], /"fifty" is not an amount: expected USD above 0/],
      [['set', '0', '--period', 'day'], /is not an amount/],
      [['set', '5', '--period', 'day', '--warn-at', '80'], /--warn-at: "80" is not a fraction from 0 to 1/],
      [['rm', 'x'], /"x" is not a budget id/],
      [['frobnicate'], /unknown budget subcommand "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['budget', ...args, '--store', file]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const none = await run(['budget', 'status', '--store', file]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No budgets\./);
  });

  it('every scope, a rolling window, an action with its route, alert thresholds and a name; status reads the budgets file too', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, [
      pricedCall({
        at: NOW - 3_600_000,
        provider: 'openai',
        model: 'gpt-4o',
        input: 1000,
        output: 100,
        tenant: 'acme',
      }),
    ]);
    // Every scope flag at once, and a rolling window.
    const scope = [
      '--period',
      'rolling:24h',
      '--model',
      'gpt-4o',
      '--tenant',
      'acme',
      '--service',
      'api',
      '--user',
      'u1',
      '--feature',
      'chat',
      '--provider',
      'openai',
    ];
    const set = await run([
      'budget',
      'set',
      '5',
      ...scope,
      '--action',
      'route-cheap',
      '--route',
      'gpt-4o=gpt-4o-mini,claude-opus-4-1=claude-sonnet-4-5',
      '--alert-at',
      '50,80,100',
      '--name',
      'acme-gpt4o',
      '--store',
      file,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /✓ Budget 1 "acme-gpt4o": \$5\.00 per rolling 24h for provider=openai model=gpt-4o feature=chat user=u1 tenant=acme service=api .*action route-cheap \(gpt-4o→gpt-4o-mini, claude-opus-4-1→claude-sonnet-4-5\); alerts at 50%, 80%, 100%/,
    );
    const j = JSON.parse((await run(['budget', 'list', '--json', '--store', file])).stdout).budgets[0];
    assert.deepEqual(
      [
        j.period,
        j.model,
        j.tenant,
        j.service,
        j.user,
        j.feature,
        j.provider,
        j.action,
        j.route,
        j.alertAt,
        j.name,
      ],
      [
        'rolling:24h',
        'gpt-4o',
        'acme',
        'api',
        'u1',
        'chat',
        'openai',
        'route-cheap',
        { 'gpt-4o': 'gpt-4o-mini', 'claude-opus-4-1': 'claude-sonnet-4-5' },
        [50, 80, 100],
        'acme-gpt4o',
      ],
    );
    // Updating keeps what is not given.
    await run(['budget', 'set', '7', ...scope, '--store', file]);
    const k = JSON.parse((await run(['budget', 'list', '--json', '--store', file])).stdout).budgets;
    assert.equal(k.length, 1);
    assert.equal(k[0].limitNanos, 7e9);
    assert.equal(k[0].action, 'route-cheap');
    // A budgets file's budgets in status, after the store's.
    const budgetsFile = `${dir}/budgets.yaml`;
    (await import('node:fs')).writeFileSync(
      budgetsFile,
      'budgets:\n  - { name: acme-all, limit_usd: 0.000001, period: day, tz: UTC, tenant: acme, action: block }\n',
    );
    const status = await run(['budget', 'status', '--json', '--budgets', budgetsFile, '--store', file]);
    assert.equal(status.code, 3, status.stderr);
    const budgets = JSON.parse(status.stdout).budgets;
    assert.deepEqual(
      budgets.map((b: { id: string; state: string }) => [b.id, b.state]),
      [
        ['store:1', 'ok'],
        ['file:acme-all', 'exceeded'],
      ],
    );
    const table = await run(['budget', 'status', '--budgets', budgetsFile, '--store', file]);
    assert.match(table.stdout, /acme-all\s+day 2026-11-23\s+tenant=acme\s+block/);
    assert.match(table.stdout, /\s1\s+rolling 24h\s+provider=openai model=gpt-4o .*route-cheap/);
  });
});
