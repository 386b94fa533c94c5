// Query latency on a 10M-call store: summaries for the current month by every groupBy, and the first
// page of the call explorer with filters. Reuses bench/.data/10m.db (made by bench/gen-store.ts,
// generated here once when missing: several minutes on a small machine).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type CallsQuery,
  type GroupBy,
  openStore,
  periodBounds,
  type SummaryQuery,
} from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const FILE = resolve(process.env.STORE_BENCH_FILE ?? 'bench/.data/10m.db');
const RUNS = Number(process.env.QUERY_RUNS ?? 7);

if (!existsSync(FILE)) {
  console.log(`generating ${DEFAULT_GEN.rows.toLocaleString('en-US')} calls into ${FILE} (once)`);
  generateStore(FILE, DEFAULT_GEN);
}
let generated = '';
try {
  const meta = JSON.parse(readFileSync(`${FILE}.json`, 'utf8')) as { seconds: number; createdAt: string };
  generated = ` Generating it took ${meta.seconds.toFixed(0)} s (${meta.createdAt.slice(0, 16)}Z, same machine).`;
} catch {
  // made by an older generator
}

const store = openStore(FILE, { readonly: true });
const health = store.health({ quickCheck: false });
const now = health.newestMs ?? Date.now();

function time(fn: () => unknown): { first: number; median: number; p75: number; max: number } {
  const samples: number[] = [];
  let first = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    if (i === 0) first = ms;
    else samples.push(ms);
  }
  const s = stats(samples);
  return { first, median: s.median, p75: s.p75, max: s.max };
}

const rows: string[] = [];
function row(name: string, r: ReturnType<typeof time>, note = ''): void {
  const line = `| ${name} | ${r.median.toFixed(1)} | ${r.p75.toFixed(1)} | ${r.first.toFixed(1)} | ${note} |`;
  console.log(line);
  rows.push(line);
}

let monthCalls = 0;
for (const timeZone of ['UTC', 'America/New_York']) {
  const since = periodBounds('month', now, timeZone).startMs;
  const groups: (GroupBy | undefined)[] = [
    undefined,
    'model',
    'provider',
    'feature',
    'user',
    'tenant',
    'day',
    'operation',
    'service',
  ];
  for (const groupBy of groups) {
    const q: SummaryQuery = { since, timeZone };
    if (groupBy) q.groupBy = groupBy;
    let n = 0;
    let calls = 0;
    const r = time(() => {
      const res = store.summary(q);
      n = res.groups.length;
      calls = res.totals.calls;
    });
    if (timeZone === 'UTC') monthCalls = calls;
    row(
      `summary month (${timeZone}) ${groupBy ? `by ${groupBy}` : 'totals'}`,
      r,
      `${calls.toLocaleString('en-US')} calls, ${n} groups`,
    );
  }
}
{
  const since = periodBounds('month', now, 'UTC').startMs;
  const r = time(() => store.summary({ since, groupBy: 'model', tenant: 'org-3', timeZone: 'UTC' }));
  row('summary month by model, tenant filter', r);
  const r2 = time(() => store.summary({ since, groupBy: 'user', tenant: 'org-3', timeZone: 'UTC' }));
  row('summary month by user, tenant filter', r2);
  const r3 = time(() => store.summary({ since: now - 86_400_000, groupBy: 'tenant' }));
  row('rollingWindow-style: last 24 h by tenant', r3);
  const r4 = time(() => store.metricTotals());
  row('metricTotals (all time, provider × model × tenant)', r4, `${store.metricTotals().length} series`);
  for (const user of ['user-3', 'user-400']) {
    const tenant = store.calls({ user, limit: 1 }).calls[0]?.tenant ?? undefined;
    let calls = 0;
    const r5 = time(() => {
      calls = store.summary({
        since,
        groupBy: 'model',
        ...(tenant === undefined ? {} : { tenant }),
        user,
        timeZone: 'UTC',
      }).totals.calls;
    });
    row(
      `summary month by model, ${user} + its tenant (user_detail day rollup + raw rows of today)`,
      r5,
      `${calls.toLocaleString('en-US')} calls`,
    );
  }
}
const pages: [string, CallsQuery][] = [
  ['no filter', {}],
  ['tenant', { tenant: 'org-7' }],
  ['feature', { feature: 'onboarding-tour' }],
  ['model (request or response)', { model: 'gpt-4o' }],
  ['user (frequent)', { user: 'user-3' }],
  ['user (rare)', { user: 'user-4321' }],
  ['provider', { provider: 'mistral_ai' }],
  ['errors', { errors: true }],
  ['unpriced', { unpriced: true }],
  ['min cost $0.10', { minCostNanos: 100_000_000 }],
];
for (const [name, q] of pages) {
  let n = 0;
  const r = time(() => {
    n = store.calls({ ...q, limit: 50 }).calls.length;
  });
  row(`calls() first page of 50, ${name}`, r, `${n} rows`);
}
{
  let cursor: string | null = null;
  const r = time(() => {
    const p = store.calls({ tenant: 'org-7', limit: 50, ...(cursor === null ? {} : { cursor }) });
    cursor = p.nextCursor;
  });
  row('calls() next pages, tenant', r);
  let n = 0;
  const t0 = performance.now();
  for (const _ of store.exportCalls({ since: now - 3 * 3_600_000 })) n++;
  const secs = (performance.now() - t0) / 1000;
  const line = `| exportCalls, last 3 h | ${((secs * 1000) / n).toFixed(4)} per row | | | ${n.toLocaleString('en-US')} rows, ${Math.round(n / secs).toLocaleString('en-US')} rows/s |`;
  console.log(line);
  rows.push(line);
}
store.close();

const size = statSync(FILE).size;
writeSection(
  'store-query',
  `## Store queries (\`bench/store-query.bench.ts\`)

${machine()}. Store: ${health.calls.toLocaleString('en-US')} calls over 45 days (\`bench/gen-store.ts\`:
13 models, 5 providers, 12 features, 5,000 users, 80 tenants, Zipf-skewed), ${(size / 1e9).toFixed(2)} GB.${generated}
The current UTC month holds ${monthCalls.toLocaleString('en-US')} calls. Times in ms: median and p75 of ${RUNS}
warm runs, and the first (cold-cache) run. Goal: month summary by model ≤ 200 ms.

| query | median | p75 | first | notes |
|---|---|---|---|---|
${rows.join('\n')}
`,
);
