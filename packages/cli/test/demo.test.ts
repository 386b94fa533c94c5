// End to end: `tokenmeter demo` runs the workload with the official SDKs under the real preload
// (node --import @tokenmeter/node/register), which records to the store; the table it prints is read
// back from that store.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { formatUsd } from '../src/format/money.js';
import { PACKAGE_ROOT, run, spawnCli, tempDir, withStore } from './helpers.js';

/**
 * A copy of the CLI's demo workload in `dir`, beside a node_modules that links only the given
 * packages (resolved as this package resolves them): an install of @tokenmeter/cli with some of
 * its optional peer SDKs.
 */
function cliWith(dir: string, packages: string[]): string {
  const req = createRequire(path.join(PACKAGE_ROOT, 'package.json'));
  mkdirSync(path.join(dir, 'src', 'demo'), { recursive: true });
  copyFileSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(dir, 'package.json'));
  copyFileSync(
    path.join(PACKAGE_ROOT, 'src', 'demo', 'workload.mjs'),
    path.join(dir, 'src', 'demo', 'workload.mjs'),
  );
  const base = ['@tokenmeter/node', '@tokenmeter/config', '@tokenmeter/semconv', '@opentelemetry/api'];
  for (const name of [...base, ...packages]) {
    const link = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    const found = (req.resolve.paths(name) ?? []).find((p) => existsSync(path.join(p, name, 'package.json')));
    assert.ok(found, `${name} is installed`);
    symlinkSync(path.join(found, name), link, 'dir');
  }
  return dir;
}

describe('tokenmeter demo', () => {
  it('records a realistic workload through the preload and prints a cost table equal to the store', {
    timeout: 180_000,
  }, async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'demo.db');
    const since = Date.now();
    const r = await spawnCli(['demo', '--calls', '60', '--store', file, '--no-history']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = withStore(file, (st) => ({
      total: st.summary({ since }),
      byModel: st.summary({ since, groupBy: 'model' }),
      byFeature: st.summary({ since, groupBy: 'feature' }),
      byProvider: st.summary({ since, groupBy: 'provider' }),
      byTenant: st.summary({ since, groupBy: 'tenant' }),
      calls: st.calls({ since, limit: 1000 }).calls,
    }));
    assert.equal(
      withStore(file, (st) => st.summary({}).totals.calls),
      60,
      '--no-history: only the live calls',
    );
    assert.equal(s.total.totals.calls, 60, 'every call was recorded');
    assert.match(
      r.stdout,
      new RegExp(
        `✓ 60 calls made \\(\\d+ failed on purpose: rate limits, overloads\\), 60 recorded, total \\${formatUsd(s.total.totals.costNanos)}`,
      ),
    );
    const [modelTable, featureTable] = r.stdout.split('Cost by feature');
    assert.match(
      modelTable!,
      new RegExp(`\\nTOTAL\\s+60\\s+.*\\${formatUsd(s.total.totals.costNanos)}\\s+100\\.0%\\n`),
    );
    assert.match(
      featureTable!,
      new RegExp(`\\nTOTAL\\s+60\\s+.*\\${formatUsd(s.total.totals.costNanos)}\\s+100\\.0%\\n`),
    );
    for (const g of s.byModel.groups.slice(0, 3))
      assert.match(
        modelTable!,
        new RegExp(
          `\\n${g.key!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${g.calls}\\s.*\\${formatUsd(g.costNanos)}`,
        ),
      );
    assert.match(
      r.stdout,
      new RegExp(`tokenmeter serve --store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );

    // Several providers, through their official SDKs.
    assert.deepEqual(s.byProvider.groups.map((g) => g.key).sort(), [
      'anthropic',
      GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      'openai',
    ]);
    // Attribution (withAttribution and W3C baggage) on every call.
    assert.ok(
      s.calls.every((c) => c.feature && c.user && c.tenant),
      'every call attributed',
    );
    assert.ok(s.byTenant.groups.length >= 3);
    // Streaming, prompt caching, reasoning, errors and an unpriced model are all there.
    assert.ok(s.calls.some((c) => c.stream && c.provider === 'openai' && c.priced));
    assert.ok(s.calls.some((c) => c.stream && c.provider === 'anthropic'));
    assert.ok(
      s.calls.some((c) => c.provider === 'anthropic' && c.cacheReadTokens > 0 && c.cacheReadCostNanos > 0),
    );
    assert.ok(s.calls.some((c) => c.reasoningTokens > 0));
    assert.ok(s.calls.some((c) => c.httpStatus === 429 && c.errorType !== null));
    assert.ok(s.calls.some((c) => c.usageKnown && !c.priced));
    assert.ok(s.total.totals.costNanos > 0);
  });

  it('with only some provider SDKs installed (optional peers), runs their calls and says which it left out', {
    timeout: 180_000,
  }, async (t) => {
    const dir = tempDir(t);
    const root = cliWith(path.join(dir, 'cli'), ['openai']);
    const file = path.join(dir, 'demo.db');
    const r = await run(['demo', '--calls', '20', '--store', file, '--no-history'], { packageRoot: root });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /note: @anthropic-ai\/sdk, @google\/genai, @aws-sdk\/client-bedrock-runtime are not installed, so the demo leaves out their calls \(`npm i @anthropic-ai\/sdk @google\/genai @aws-sdk\/client-bedrock-runtime` to include them\)/,
    );
    const providers = withStore(file, (st) => st.summary({ groupBy: 'provider' }));
    assert.deepEqual(
      providers.groups.map((g) => [g.key, g.calls]),
      [['openai', 20]],
    );
  });

  it('with no provider SDK installed, fails with the command that installs them', {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    const root = cliWith(path.join(dir, 'cli'), []);
    const r = await run(['demo', '--calls', '5', '--store', path.join(dir, 'demo.db')], {
      packageRoot: root,
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /error: the demo drives the official provider SDKs, and none of them is installed/,
    );
    assert.match(r.stderr, /npm i openai @anthropic-ai\/sdk @google\/genai @aws-sdk\/client-bedrock-runtime/);
  });

  it('a new store gets 30 days of history, two budgets, and the alerts they fire, delivered to a local webhook', {
    timeout: 180_000,
  }, async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'demo.db');
    const since = Date.now();
    const r = await spawnCli(['demo', '--calls', '40', '--store', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const DAY = 86_400_000;
    const st = withStore(file, (s) => ({
      live: s.summary({ since }).totals,
      history: s.summary({ until: since }).totals,
      days: s.summary({ since: since - 29 * DAY, until: since - DAY, groupBy: 'day', timeZone: 'UTC' })
        .groups,
      features: s.summary({ until: since, groupBy: 'feature' }).groups.map((g) => g.key),
      tenants: s.summary({ until: since, groupBy: 'tenant' }).groups.length,
      oldest: s.health({ quickCheck: false }).oldestMs!,
      budgets: s.listBudgets(),
      alerts: s.alerts.log(),
      outbox: s.alerts.messages({ limit: 1000 }),
    }));
    assert.equal(st.live.calls, 40, 'the live calls are apart from the history');
    assert.ok(st.history.calls > 3000, `${st.history.calls} calls of history`);
    assert.ok(since - st.oldest > 29 * DAY, 'about 30 days back');
    // Weekly seasonality: weekdays spend more than weekends.
    const avg = (weekend: boolean) => {
      const days = st.days.filter(
        (g) => [0, 6].includes(new Date(`${g.key}T12:00:00Z`).getUTCDay()) === weekend,
      );
      return days.reduce((a, g) => a + g.costNanos, 0) / days.length;
    };
    assert.ok(avg(false) > 1.5 * avg(true), `weekday ${avg(false)} vs weekend ${avg(true)}`);
    assert.ok(st.features.length >= 6 && st.tenants >= 4);
    assert.deepEqual(st.budgets.map((b) => b.name).sort(), ['demo-monthly', 'globex-daily']);
    const kinds = new Set(st.alerts.map((a) => a.kind));
    for (const k of [
      'spend_spike',
      'volume_spike',
      'model_mix',
      'cost_per_request',
      'budget_threshold',
      'unpriced_calls',
    ])
      assert.ok(kinds.has(k), `${k} in ${[...kinds].join(', ')}`);
    assert.ok(st.alerts.every((a) => a.state === 'firing' && a.notifiedMs !== null));
    assert.equal(st.outbox.length, st.alerts.length, 'one notice per alert');
    assert.ok(
      st.outbox.every((m) => m.sink === 'demo' && m.state === 'delivered'),
      JSON.stringify(st.outbox[0]),
    );
    assert.match(r.stdout, /History: [\d,]+ calls over the 30 days before/);
    assert.match(r.stdout, /demo-monthly \(month\) .* warning/);
    assert.match(r.stdout, /globex-daily \(day, tenant globex\) .* exceeded/);
    assert.match(
      r.stdout,
      new RegExp(
        `Alerts \\(${st.outbox.length} of ${st.outbox.length} notices received by the demo's local webhook, signature checked\\)`,
      ),
    );
    assert.match(r.stdout, /critical +Spend spike: /);
    assert.match(r.stdout, /tokenmeter alerts log --store /);
  });

  it('rejects bad flags', async () => {
    const r = await spawnCli(['demo', '--calls', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--calls: "lots" is not a whole number from 1 to 10000/);
  });
});
