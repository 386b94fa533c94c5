// `tokenmeter cost --month --by model` and GET /v1/telemetry/summary?period=month&groupBy=model on a
// 10M-call store (target: 200 ms each). Reports the whole process (node start, module loading, store
// open, query, table) apart from the query inside it, and the endpoint's HTTP round trip.
// Reuses bench/.data/10m.db (made by bench/gen-store.ts, generated here once when missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../packages/cli/src/main.js';
import { startServer } from '../packages/cli/src/server/server.js';
import { openStore, periodBounds } from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliRoot = resolve(root, 'packages/cli');
const FILE = resolve(process.env.STORE_BENCH_FILE ?? 'bench/.data/10m.db');
const RUNS = Number(process.env.QUERY_RUNS ?? 9);
const TARGET_MS = 200;

if (!existsSync(FILE)) {
  console.log(`generating ${DEFAULT_GEN.rows.toLocaleString('en-US')} calls into ${FILE} (once)`);
  generateStore(FILE, DEFAULT_GEN);
}
if (!existsSync(resolve(cliRoot, 'dist/esm/main.js'))) {
  console.error('build first (npm run build): the process timing runs bin/tokenmeter.mjs');
  process.exit(1);
}

const probe = openStore(FILE, { readonly: true });
const health = probe.health({ quickCheck: false });
probe.close();
// "This month" of the data: the store ends at its newest call, so measure as of then.
const now = health.newestMs ?? Date.now();
const month = periodBounds('month', now, 'UTC');
const monthStart = new Date(month.startMs).toISOString();
const monthEnd = new Date(month.endMs).toISOString();

type Sample = { first: number; median: number; p75: number; max: number };
async function time(fn: () => unknown | Promise<unknown>): Promise<Sample> {
  const samples: number[] = [];
  let first = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    if (i === 0) first = ms;
    else samples.push(ms);
  }
  const s = stats(samples);
  return { first, median: s.median, p75: s.p75, max: s.max };
}

const rows: string[] = [];
function row(name: string, r: Sample, note = ''): void {
  const ok = r.median <= TARGET_MS ? 'yes' : '**no**';
  const line = `| ${name} | ${r.median.toFixed(1)} | ${r.p75.toFixed(1)} | ${r.first.toFixed(1)} | ${ok} | ${note} |`;
  console.log(line);
  rows.push(line);
}

// 1. The whole process, as a user runs it. The month is given as --since/--until so that the bench
//    measures the same month whenever it runs (--month means the calendar month of "now").
const args = [
  resolve(cliRoot, 'bin/tokenmeter.mjs'),
  'cost',
  '--since',
  monthStart,
  '--until',
  monthEnd,
  '--by',
  'model',
  '--tz',
  'UTC',
  '--store',
  FILE,
];
let printed = '';
const proc = await time(() => {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(r.stderr);
  printed = r.stdout;
});
const node = await time(() => spawnSync(process.execPath, ['-e', '0']));
row(
  '`tokenmeter cost --month --by model` (process wall time)',
  proc,
  `includes Node start (${node.median.toFixed(0)} ms for \`node -e 0\`)`,
);

// 2. Inside the process: the command (store open + query + table), and the store query alone.
const io = (out: { text: string }) => ({
  stdout: { write: (s: string) => (out.text += s) },
  stderr: { write: (s: string) => (out.text += s) },
  env: { NO_COLOR: '1' },
  cwd: root,
  packageRoot: cliRoot,
  now: () => now,
});
const inProc = await time(async () => {
  const out = { text: '' };
  const code = await runCli(['cost', '--month', '--by', 'model', '--tz', 'UTC', '--store', FILE], io(out));
  if (code !== 0) throw new Error(out.text);
});
row('command in process: open + query + table', inProc);
const store = openStore(FILE, { readonly: true });
const query = await time(() =>
  store.summary({ since: month.startMs, until: month.endMs, groupBy: 'model', timeZone: 'UTC' }),
);
const result = store.summary({ since: month.startMs, until: month.endMs, groupBy: 'model', timeZone: 'UTC' });
store.close();
row(
  'query only: `summary({ month, groupBy: model })`',
  query,
  `${result.totals.calls.toLocaleString('en-US')} calls in the month, ${result.groups.length} models`,
);

// 3. The REST endpoint over HTTP (server already started: a dashboard's case).
const server = await startServer({
  storePath: FILE,
  port: 0,
  packageRoot: cliRoot,
  now: () => now,
  log: () => {},
});
let restBody: { totals: { costNanos: number } } | undefined;
const rest = await time(async () => {
  const res = await fetch(`${server.url}/v1/telemetry/summary?period=month&groupBy=model&tz=UTC`);
  restBody = (await res.json()) as { totals: { costNanos: number } };
});
row('`GET /v1/telemetry/summary?period=month&groupBy=model` (HTTP round trip)', rest);

// 4. What else the dashboard asks (no target: for the record).
const dashRows: string[] = [];
for (const q of [
  'summary?period=today',
  'summary?period=month&groupBy=day',
  'summary?period=month&groupBy=tenant&limit=100',
  'summary?period=month&groupBy=user&limit=100',
  'sessions?period=month&limit=50',
  'sessions?period=month&limit=50&provider=anthropic',
  'sessions?period=month&limit=50&errors=true',
  'summary?period=month&errors=true',
  'summary?period=month&minCost=0.01',
]) {
  const r = await time(() => fetch(`${server.url}/v1/telemetry/${q}&tz=UTC`).then((res) => res.text()));
  const line = `| \`/v1/telemetry/${q}\` | ${r.median.toFixed(1)} | ${r.first.toFixed(1)} |`;
  console.log(line);
  dashRows.push(line);
}
await server.close();
if (restBody?.totals.costNanos !== result.totals.costNanos) throw new Error('REST and store disagree');
if (!printed.includes('TOTAL')) throw new Error(`unexpected output:\n${printed}`);

const sizeGb = (health.sizeBytes / 1e9).toFixed(2);
writeSection(
  'cli-query',
  `## CLI and REST queries (\`bench/cli-query.bench.ts\`)

${machine()}. Store: \`${FILE.replace(`${root}/`, '')}\`, ${health.calls.toLocaleString('en-US')} calls, ${sizeGb} GB (\`bench/gen-store.ts\`).
"This month" is the calendar month (UTC) of the newest call, ${monthStart.slice(0, 10)} → ${monthEnd.slice(0, 10)}: ${result.totals.calls.toLocaleString('en-US')} calls.
Target: ${TARGET_MS} ms. Median and p75 of ${RUNS} runs after a first (cold) one; the OS page cache is warm from earlier runs.

| what | median ms | p75 ms | first ms | ≤ ${TARGET_MS} ms | note |
| --- | ---: | ---: | ---: | :---: | --- |
${rows.join('\n')}

Other requests of the dashboard on the same store (HTTP round trip, ms):

| request | median | first |
| --- | ---: | ---: |
${dashRows.join('\n')}

Filters that no rollup holds (\`minCost\`, \`errors\` in a summary, user breakdowns) read raw rows of
the period (the store's guided scans): slower, still one request.

The process time is mostly Node start-up and module loading: \`cost\` loads only the store and the
table code (commands are imported on use; the pricing catalog, the server and the OTel SDK are not
loaded). The REST endpoint and the CLI run the same parser and the same store query, and give the same
nano-dollars (checked here and in \`packages/cli/test/serve-api.test.ts\`).`,
);
