import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { DAY, makeStore, NOW, pricedCall, run, sampleCalls, tempDir, withStore } from './helpers.js';
import { get, serve } from './server-helpers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `bad line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

describe('tokenmeter serve: /metrics', () => {
  it('passes promtool check metrics and agrees with `tokenmeter cost`', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, [
      ...sampleCalls(400, NOW - 20 * DAY, NOW),
      // a label value that needs escaping, and a model name in capitals
      pricedCall({
        at: NOW - 1000,
        provider: 'openai',
        model: 'GPT-4o',
        input: 100,
        output: 10,
        tenant: 'we"ird\\org',
      }),
    ]);
    const server = await serve(t, file);
    const r = await get(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: r.body, encoding: 'utf8' });
    assert.equal(promtool.error, undefined, 'promtool must be installed (Debian package prometheus)');
    assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);

    for (const d of [
      METRIC_LLM_REQUESTS_DESCRIPTOR,
      METRIC_LLM_TOKENS_DESCRIPTOR,
      METRIC_LLM_COST_USD_DESCRIPTOR,
    ])
      assert.ok(
        r.body.includes(`# HELP ${d.prometheusName} ${d.description}\n# TYPE ${d.prometheusName} counter\n`),
        d.prometheusName,
      );
    assert.ok(r.body.includes(`# TYPE ${METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.prometheusName} gauge\n`));

    const samples = parse(r.body);
    const of = (name: string) => samples.filter((s) => s.name === name);
    const all = withStore(file, (s) => s.summary({}).totals);
    const cost = of(METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName);
    assert.equal(
      cost.reduce((n, s) => n + Math.round(s.value * 1e9), 0),
      all.costNanos,
    );
    const cli = JSON.parse((await run(['cost', '--store', file, '--since', '2020-01-01', '--json'])).stdout);
    assert.equal(cli.totals.costNanos, all.costNanos);
    const requests = of(METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName);
    assert.equal(
      requests.reduce((n, s) => n + s.value, 0),
      all.calls,
    );
    assert.equal(
      requests.filter((s) => s.labels.priced === 'false').reduce((n, s) => n + s.value, 0),
      all.unpricedCalls,
    );
    const tokens = of(METRIC_LLM_TOKENS_DESCRIPTOR.prometheusName);
    const kind = (k: string) =>
      tokens.filter((s) => s.labels.token_type === k).reduce((n, s) => n + s.value, 0);
    assert.equal(kind('output'), all.outputTokens);
    assert.equal(kind('cache_read'), all.cacheReadTokens);
    assert.ok(
      cost.every((s) => Object.keys(s.labels).every((k) => ['provider', 'model', 'org_id'].includes(k))),
    );
    assert.ok(
      samples.some((s) => s.labels.model === 'gpt-4o' && s.labels.org_id === 'we\\"ird\\\\org'),
      'lower-cased model, escaped label',
    );
    const acme = of(METRIC_LLM_COST_USD_ROLLING_24H_DESCRIPTOR.prometheusName).find(
      (s) => s.labels.org_id === 'acme',
    )!;
    assert.equal(
      Math.round(acme.value * 1e9),
      withStore(file, (s) => s.spendSince(NOW - DAY, { tenant: 'acme' })),
    );
  });

  it('is valid for an empty store', async (t) => {
    const server = await serve(t, makeStore(tempDir(t), []));
    const r = await get(`${server.url}/metrics`);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: r.body, encoding: 'utf8' });
    assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
  });
});
