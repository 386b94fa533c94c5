import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CostStore } from '@tokenmeter/store';
import { formatUsd, nanosToDecimal } from '../src/format/money.js';
import { DAY, makeStore, NOW, pricedCall, run, sampleCalls, tempDir, withStore } from './helpers.js';

const MONTH = Date.UTC(2026, 10, 1);
const NEXT_MONTH = Date.UTC(2026, 11, 1);

describe('tokenmeter cost', () => {
  let file = '';
  const dir = tempDir({ after });
  before(() => {
    file = makeStore(dir, [
      ...sampleCalls(400, MONTH - 10 * DAY, NOW),
      ...sampleCalls(20, NOW - 2 * 3_600_000, NOW, 99),
    ]);
  });

  it('shows this month by model for people, with a total equal to the store', async () => {
    const r = await run(['cost', '--store', file, '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Cost this month (2026-11-01 → 2026-11-30, UTC)');
    assert.match(lines[2]!, /^MODEL\s+CALLS\s+ERRORS\s+INPUT TOK\s+OUTPUT TOK\s+CACHE READ\s+COST\s+SHARE$/);
    const total = withStore(file, (s) => s.summary({ since: MONTH, until: NEXT_MONTH }).totals);
    const totalLine = lines.find((l) => l.startsWith('TOTAL'))!;
    assert.ok(totalLine.includes(formatUsd(total.costNanos)), totalLine);
    assert.ok(totalLine.includes(total.calls.toLocaleString('en-US')), totalLine);
    assert.ok(totalLine.endsWith('100.0%'));
    assert.ok(r.stdout.includes('gpt-4o-mini-2024-07-18'));
    assert.match(
      r.stdout,
      /had no known price and (is|are) not in these totals: see `tokenmeter price --unpriced`/,
    );
    assert.ok(!r.stdout.includes('\u001b['), 'no colours off a terminal');
  });

  it('shows a model without a price as unpriced, never as $0.00, and failed calls as $0.00', async () => {
    const at = NOW - 3_600_000;
    const small = makeStore(
      dir,
      [
        pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 }),
        pricedCall({ at: at + 1, provider: 'openai', model: 'ft:acme-intent-v3', input: 10, output: 5 }),
        pricedCall({
          at: at + 2,
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          input: 0,
          output: 0,
          error: { type: '429', status: 429 },
        }),
      ],
      'unpriced.db',
    );
    const r = await run(['cost', '--store', small, '--today', '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ft:acme-intent-v3\s+1\s+0\s+10\s+5\s+0\s+unpriced\s/m);
    assert.match(r.stdout, /^claude-haiku-4-5\s+1\s+1\s.*\$0\.00\s/m);
    assert.match(r.stdout, /^gpt-4o-mini\s+1\s+0\s.*\$0\.000\d+\s/m);
  });

  it('hostile usage (1e308 tokens, Infinity, fractions) never shows ∞ or NaN: unpriced, invalid_usage, explained', async () => {
    const at = NOW - 3_600_000;
    const good = pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 });
    // As a writer without the instrumentation's check would hand them to the store.
    const hostile = [1e308, Number.POSITIVE_INFINITY, 10.5].map((input, i) => ({
      ...good,
      startTimeMs: at + 1 + i,
      usage: { inputTokens: input, outputTokens: 1 },
      cost: null,
      pricingMatch: 'no_usage',
    }));
    const small = makeStore(dir, [good, ...hostile], 'hostile.db');
    const text = await run(['cost', '--store', small, '--today', '--tz', 'UTC']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout, /∞|NaN|Infinity/);
    assert.match(text.stdout, /^TOTAL\s+4\s+0\s+1,000\s+100\s/m, 'invalid counts are not summed');
    assert.match(
      text.stdout,
      /3 calls had no price \(unknown models, or token counts the provider reported invalid\)/,
    );
    const json = await run(['cost', '--store', small, '--today', '--json', '--tz', 'UTC']);
    assert.doesNotMatch(json.stdout, /null|NaN|Infinity/);
    const calls = await run(['calls', '--store', small, '--unpriced', '--json']);
    const ids = (JSON.parse(calls.stdout) as { calls: { id: number; pricingMatch: string }[] }).calls;
    assert.deepEqual(
      ids.map((c) => c.pricingMatch),
      ['invalid_usage', 'invalid_usage', 'invalid_usage'],
    );
    const show = await run(['calls', 'show', String(ids[0]!.id), '--store', small]);
    assert.match(show.stdout, /why\s+the provider reported token counts that are not valid/);
    const unpriced = await run(['price', '--unpriced', '--store', small]);
    assert.match(unpriced.stdout, /invalid_usage: the provider reported token counts that are not valid/);
  });

  it('colours only on a terminal, and not with NO_COLOR', async () => {
    const tty = await run(['cost', '--store', file], { tty: true, env: { NO_COLOR: undefined } });
    assert.ok(tty.stdout.includes('\u001b[1m'));
    const noColor = await run(['cost', '--store', file], { tty: true, env: { NO_COLOR: '1' } });
    assert.ok(!noColor.stdout.includes('\u001b['));
    const forced = await run(['cost', '--store', file], {
      tty: false,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    assert.ok(forced.stdout.includes('\u001b['));
  });

  it('--json gives exact nano-dollars next to USD, equal to the store', async () => {
    const r = await run(['cost', '--store', file, '--month', '--by', 'feature', '--json', '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const s = withStore(file, (st) => st.summary({ since: MONTH, until: NEXT_MONTH, groupBy: 'feature' }));
    assert.equal(j.period, 'month');
    assert.equal(j.groupBy, 'feature');
    assert.equal(j.since, '2026-11-01T00:00:00.000Z');
    assert.equal(j.until, '2026-12-01T00:00:00.000Z');
    assert.equal(j.totals.costNanos, s.totals.costNanos);
    assert.equal(j.totals.costUsd, s.totals.costNanos / 1e9);
    assert.deepEqual(
      j.groups.map((g: { key: string; costNanos: number }) => [g.key, g.costNanos]),
      s.groups.map((g) => [g.key, g.costNanos]),
    );
    assert.ok(Number.isInteger(j.groups[0].costNanos));
  });

  it('--csv gives one row per group with the exact cost', async () => {
    const r = await run(['cost', '--store', file, '--by', 'tenant', '--csv', '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\r\n');
    assert.equal(
      rows[0],
      'key,calls,errors,unpriced_calls,estimated_calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost_usd,cost_nanos,input_cost_nanos,output_cost_nanos,cache_read_cost_nanos,cache_write_cost_nanos',
    );
    const s = withStore(file, (st) => st.summary({ since: MONTH, until: NEXT_MONTH, groupBy: 'tenant' }));
    assert.equal(rows.length - 1, s.groups.length);
    const first = rows[1]!.split(',');
    assert.equal(first[0], s.groups[0]!.key);
    assert.equal(first[10], nanosToDecimal(s.groups[0]!.costNanos));
    assert.equal(Number(first[11]), s.groups[0]!.costNanos);
  });

  it('applies filters and periods as the store does', async () => {
    const cases: [string[], (s: CostStore) => number][] = [
      [
        ['--today', '--by', 'model'],
        (s) => s.summary({ since: Date.UTC(2026, 10, 23), until: Date.UTC(2026, 10, 24) }).totals.costNanos,
      ],
      [
        ['--week', '--provider', 'openai'],
        (s) =>
          s.summary({ since: Date.UTC(2026, 10, 23), until: Date.UTC(2026, 10, 30), provider: 'openai' })
            .totals.costNanos,
      ],
      [
        ['--since', '7d', '--tenant', 'acme', '--by', 'user'],
        (s) => s.summary({ since: NOW - 7 * DAY, tenant: 'acme' }).totals.costNanos,
      ],
      [
        ['--since', '2026-11-10', '--until', '2026-11-12', '--by', 'day'],
        (s) => s.summary({ since: Date.UTC(2026, 10, 10), until: Date.UTC(2026, 10, 13) }).totals.costNanos,
      ],
      [
        ['--month', '--min-cost', '0.001', '--feature', 'summarize'],
        (s) =>
          s.summary({ since: MONTH, until: NEXT_MONTH, minCostNanos: 1_000_000, feature: 'summarize' }).totals
            .costNanos,
      ],
      [
        ['--month', '--errors'],
        (s) => s.summary({ since: MONTH, until: NEXT_MONTH, errors: true }).totals.costNanos,
      ],
    ];
    for (const [args, expected] of cases) {
      const r = await run(['cost', '--store', file, '--tz', 'UTC', '--json', ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).totals.costNanos, withStore(file, expected), args.join(' '));
    }
  });

  it('--by day in a time zone cuts days at local midnight', async () => {
    const r = await run(['cost', '--store', file, '--by', 'day', '--tz', 'America/New_York', '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.timeZone, 'America/New_York');
    assert.equal(j.since, '2026-11-01T04:00:00.000Z');
    assert.ok(j.groups.every((g: { key: string }) => /^2026-11-\d\d$/.test(g.key)));
  });

  it('--export writes every matching call as CSV or JSON and reports it on stderr', async () => {
    const out = path.join(dir, 'november.csv');
    const r = await run(['cost', '--store', file, '--month', '--tz', 'UTC', '--export', out]);
    assert.equal(r.code, 0, r.stderr);
    const s = withStore(file, (st) => st.summary({ since: MONTH, until: NEXT_MONTH }).totals);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines.length - 1, s.calls);
    assert.ok(
      lines[0]!.startsWith(
        'id,start_time,service,provider,operation,request_model,response_model,feature,user,tenant',
      ),
    );
    assert.match(
      r.stderr,
      new RegExp(
        `Wrote ${s.calls.toLocaleString('en-US')} calls \\(\\${formatUsd(s.costNanos)}\\) to .*november\\.csv as CSV`,
      ),
    );
    assert.equal(r.stdout, '');

    const outJson = path.join(dir, 'acme.json');
    const rj = await run([
      'cost',
      '--store',
      file,
      '--month',
      '--tz',
      'UTC',
      '--tenant',
      'acme',
      '--export',
      outJson,
    ]);
    assert.equal(rj.code, 0, rj.stderr);
    const calls = JSON.parse(readFileSync(outJson, 'utf8'));
    const acme = withStore(
      file,
      (st) => st.summary({ since: MONTH, until: NEXT_MONTH, tenant: 'acme' }).totals,
    );
    assert.equal(calls.length, acme.calls);
    assert.equal(
      calls.reduce((n: number, c: { costNanos: number }) => n + c.costNanos, 0),
      acme.costNanos,
    );
    assert.ok(calls.every((c: { tenant: string }) => c.tenant === 'acme'));
  });

  it('says so when a period has no calls', async () => {
    const r = await run(['cost', '--store', file, '--since', '2020-01-01', '--until', '2020-01-31']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /No calls in this period\./);
  });

  it('explains bad input with the fix and exits 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--since', 'yesterday'],
        /--since: "yesterday": expected a date like 2026-11-01, a time like 2026-11-01T14:00, or a duration like 7d/,
      ],
      [['--until', '2026-02-30'], /--until: "2026-02-30": expected a date/],
      [
        ['--since', '2026-11-10', '--until', '2026-11-01'],
        /--until: until \(2026-11-01\) must be after since/,
      ],
      [
        ['--by', 'color'],
        /--by: "color" is not a breakdown: use one of model, provider, feature, user, tenant, day/,
      ],
      [['--today', '--week'], /--today and --week cannot be used together/],
      [['--month', '--since', '7d'], /--month cannot be combined with --since\/--until/],
      [['--json', '--csv'], /--json and --csv cannot be used together/],
      [['--bye', 'model'], /unknown flag --bye \(did you mean --by\?\)/],
      [['--tz', 'Mars/Olympus'], /--tz: unknown time zone "Mars\/Olympus"/],
      [['--min-cost', 'cheap'], /--min-cost: "cheap" is not an amount in USD/],
      [['--since'], /--since needs a value/],
      [['extra'], /unexpected argument: extra/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['cost', '--store', file, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /Run `tokenmeter cost --help` for usage\./);
    }
  });

  it('points to the demo and the preload when there is no store', async () => {
    const r = await run(['cost', '--store', path.join(dir, 'nope.db')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: No tokenmeter store at .*nope\.db\./);
    assert.match(r.stderr, /tokenmeter demo/);
    assert.match(r.stderr, /--import @tokenmeter\/node\/register/);
  });

  it('has help with examples', async () => {
    const r = await run(['cost', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /USAGE\n {2}tokenmeter cost/);
    assert.match(r.stdout, /EXAMPLES\n {2}\$ tokenmeter cost/);
    assert.match(r.stdout, /--export FILE/);
  });
});

describe('tokenmeter (top level)', () => {
  it('lists commands and exit codes; an unknown command is a usage error with a suggestion', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['demo', 'cost', 'calls', 'price', 'budget', 'serve', 'doctor', 'prune'])
      assert.match(help.stdout, new RegExp(`\\n  ${c}\\s`));
    assert.match(help.stdout, /0 ok · 1 error · 2 usage error · 3 a budget is exceeded/);
    const none = await run([]);
    assert.equal(none.code, 2);
    const typo = await run(['cots']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown command "cots" \(did you mean `cost`\?\)/);
    const version = await run(['--version']);
    assert.match(version.stdout, /^tokenmeter \d+\.\d+\.\d+\n$/);
  });

  it('every command has --help with examples', async () => {
    for (const c of [
      'demo',
      'cost',
      'calls',
      'calls show',
      'price',
      'budget',
      'budget set',
      'budget list',
      'budget rm',
      'budget status',
      'serve',
      'doctor',
      'prune',
    ]) {
      const r = await run([...c.split(' '), '--help']);
      assert.equal(r.code, 0, c);
      assert.match(r.stdout, /EXAMPLES\n {2}\$ tokenmeter /, c);
    }
  });
});
