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
    const set = await run(['budget', 'set', '50', '--period', 'month', '--store', file]);
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
      '--store',
      file,
    ]);
    assert.match(acme.stdout, /Budget 2: \$0\.02 per day for tenant=acme \(warning at 50%\)/);

    const list = await run(['budget', 'list', '--store', file]);
    assert.match(
      list.stdout,
      /ID\s+PERIOD\s+SCOPE\s+LIMIT\s+WARN AT\n\s*1\s+month\s+all calls\s+\$50\.00\s+80%\n\s*2\s+day\s+tenant=acme\s+\$0\.02\s+50%/,
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
        `2\\s+day 2026-11-23\\s+tenant=acme\\s+\\${formatUsd(spent)}\\s+\\$0\\.02\\s+109%\\s+\\S+\\s+exceeded`,
      ),
    );
    assert.match(status.stdout, /\s1\s+month 2026-11-01\s+all calls\s+\$0\.0\d+\s+\$50\.00\s+0%\s+\S+\s+ok/);
    assert.match(status.stdout, /A budget is exceeded \(exit code 3\)/);

    const json = await run(['budget', 'status', '--store', file, '--json', '--tz', 'UTC']);
    assert.equal(json.code, 3);
    const j = JSON.parse(json.stdout);
    assert.equal(j.exceeded, true);
    const b2 = j.budgets.find((b: { id: number }) => b.id === 2);
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
      [['set', '50'], /--period is required: day, week or month/],
      [['set', '50', '--period', 'year'], /--period: "year" is not a period/],
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
});
