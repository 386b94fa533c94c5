// `tokenmeter grafana`: every query of the dashboard uses a metric and labels that the distro's own
// Prometheus endpoint really emits, checked against a scrape of the demo workload run under the
// real preload against the mock provider.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMockProvider } from '@tokenmeter/mock-provider';
import { workloadEnv, workloadPaths } from '../src/commands/demo.js';
import { grafanaDashboard } from '../src/fleet/grafana.js';
import type { PromBudget } from '../src/fleet/promql.js';
import { PACKAGE_ROOT, run, tempDir } from './helpers.js';

interface Sample {
  name: string;
  labels: Set<string>;
}

function parseScrape(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!m || line.startsWith('#')) continue;
    out.push({
      name: m[1]!,
      labels: new Set([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)].map((x) => x[1]!)),
    });
  }
  return out;
}

const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'without',
  'rate',
  'increase',
  'histogram_quantile',
  'offset',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'avg',
  'max',
  'min',
  'count',
  'topk',
  'vector',
  'bool',
]);

/** The metric names and label names an expression uses (enough PromQL for our own queries). */
function namesIn(expr: string): { metrics: Set<string>; labels: Set<string> } {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  // Drop strings and range selectors, then read `by (...)` lists and `{...}` matchers.
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '');
  for (const m of bare.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g))
    for (const l of m[1]!.split(',')) if (l.trim()) labels.add(l.trim());
  for (const m of bare.matchAll(/\{([^}]*)\}/g))
    for (const x of m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(x[1]!);
  const rest = bare.replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ').replace(/\{[^}]*\}/g, ' ');
  for (const m of rest.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)/g))
    if (!PROMQL_WORDS.has(m[1]!)) metrics.add(m[1]!);
  return { metrics, labels };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('tokenmeter grafana', () => {
  let scrape = '';
  const mockReady = startMockProvider({ host: '127.0.0.1', port: 0 });

  before(async () => {
    const mock = await mockReady;
    const dir = tempDir({ after });
    const port = await freePort();
    const { register, workload } = workloadPaths(PACKAGE_ROOT);
    const env = {
      ...workloadEnv(process.env, {
        mockUrl: mock.url,
        storeFile: path.join(dir, 's.db'),
        calls: 80,
        seed: 3,
      }),
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      TOKENMETER_METRIC_LABELS: 'feature,user',
      HOLD_WORKLOAD: workload,
    };
    const child = spawn(
      process.execPath,
      ['--import', register, path.join(PACKAGE_ROOT, 'test/fixtures/hold-workload.mjs')],
      {
        cwd: PACKAGE_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (/^finished /m.test(out)) resolve();
      });
      child.on('exit', (code) =>
        reject(new Error(`the workload exited (${code}) before finishing: ${stderr}`)),
      );
    });
    scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    child.kill('SIGTERM');
    clearTimeout(guard);
  });

  after(async () => (await mockReady).close());

  it('prints a dashboard JSON with the spend, burn, tokens, unpriced and latency panels', async () => {
    const out = await run(['grafana']);
    assert.equal(out.code, 0, out.stderr);
    const d = JSON.parse(out.stdout);
    const titles = d.panels.map((p: { title: string }) => p.title);
    for (const t of [
      'by model',
      'by provider',
      'by tenant',
      'by feature',
      'Tokens',
      'Unpriced',
      'Latency',
      'current rate',
    ])
      assert.ok(
        titles.some((x: string) => x.includes(t)),
        `${t} in ${titles.join(' | ')}`,
      );
    assert.equal(d.templating.list[0].type, 'datasource');
  });

  it('every query uses metrics and labels that the distro really exports', () => {
    const samples = parseScrape(scrape);
    assert.ok(samples.length > 20, scrape.slice(0, 500));
    const budgets: PromBudget[] = [
      {
        name: 'acme monthly',
        period: 'month',
        limitNanos: 50e9,
        alertAt: [80, 100],
        tenant: 'acme',
        feature: 'support-chat',
      },
    ];
    const d = grafanaDashboard(budgets) as { panels: { title: string; targets: { expr: string }[] }[] };
    let checked = 0;
    for (const p of d.panels) {
      for (const { expr } of p.targets) {
        const { metrics, labels } = namesIn(expr);
        assert.ok(metrics.size > 0, `${p.title}: no metric found in ${expr}`);
        const used = samples.filter((s) => metrics.has(s.name));
        for (const m of metrics)
          assert.ok(
            used.some((s) => s.name === m),
            `${p.title}: the distro exports no ${m} (in ${expr})`,
          );
        for (const l of labels)
          assert.ok(
            used.some((s) => s.labels.has(l)),
            `${p.title}: no ${[...metrics].join('/')} sample has label ${l}`,
          );
        checked++;
      }
    }
    assert.ok(checked >= 14, `${checked} queries checked`);
  });

  it('the checker itself finds a misspelled metric and a label the exporter does not have', () => {
    const { metrics, labels } = namesIn('sum by (tenant) (rate(llm_cost_total{modle="x"}[5m])) * 3600');
    assert.deepEqual([...metrics], ['llm_cost_total']);
    assert.deepEqual([...labels].sort(), ['modle', 'tenant']);
    const samples = parseScrape(scrape);
    assert.ok(!samples.some((s) => s.name === 'llm_cost_total'));
  });
});
