// tokenmeter whatif and savings over a large store: the reprice bench's synthetic store (gen-store.ts,
// 1M calls over 45 days by default), the whole period, through the commands themselves (runCli with
// --json, output discarded): store read (the usage rollup), pricing, tokenizer ratios, JSON. The first
// run of each is cold (catalog and tokenizers loaded); the median is over the warm runs.
//
//   npx tsx bench/money.bench.ts          (BENCH_MONEY_ROWS=1000000 by default)
import { existsSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { runCli } from '../packages/cli/src/main.js';
import { openStore } from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const ROWS = Number(process.env.BENCH_MONEY_ROWS ?? 1_000_000);
const RUNS = 7;
const END = Date.UTC(2026, 10, 23, 20);
const source = resolve(`bench/.data/reprice-${ROWS}.db`);

if (!existsSync(source)) {
  console.log(`generating ${ROWS.toLocaleString('en-US')} calls into ${source}`);
  generateStore(source, { ...DEFAULT_GEN, rows: ROWS, endMs: END });
}
const check = openStore(source, { readonly: true });
const calls = check.summary({}).totals.calls;
const usageRows = check.usage({}).length;
check.close();

const PERIOD = ['--since', '2026-10-09', '--until', '2026-11-23', '--tz', 'UTC', '--store', source, '--json'];
const COMMANDS: [string, string[]][] = [
  ['whatif --model gpt-4.1-mini (every call, by feature)', ['whatif', '--model', 'gpt-4.1-mini', ...PERIOD]],
  [
    'whatif --model claude-haiku-4-5 --by model',
    ['whatif', '--model', 'claude-haiku-4-5', '--by', 'model', ...PERIOD],
  ],
  ['savings (by feature, with the opportunity)', ['savings', ...PERIOD]],
  ['savings --by model', ['savings', '--by', 'model', ...PERIOD]],
];

async function once(argv: string[]): Promise<{ ms: number; cpuMs: number }> {
  let err = '';
  const sink = { write: () => true, isTTY: false, columns: 120 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await runCli(argv, {
    stdout: sink,
    stderr: {
      write: (s: string) => {
        err += s;
        return true;
      },
      isTTY: false,
      columns: 120,
    },
    env: { NO_COLOR: '1', HOME: os.tmpdir() },
    cwd: process.cwd(),
    packageRoot: resolve('packages/cli'),
    now: () => END,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (code !== 0) throw new Error(`${argv.join(' ')}: exit ${code}: ${err}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const rows: { name: string; cold: number; warm: number[]; cpu: number[] }[] = [];
for (const [name, argv] of COMMANDS) {
  const cold = (await once(argv)).ms;
  const warm: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await once(argv);
    warm.push(r.ms);
    cpu.push(r.cpuMs);
  }
  rows.push({ name, cold, warm, cpu });
  console.log(`${name}: cold ${cold.toFixed(0)} ms, warm median ${stats(warm).median.toFixed(0)} ms`);
}

const ms = (n: number) => `${n.toFixed(0)} ms`;
writeSection(
  'money',
  `## What-if and savings (\`bench/money.bench.ts\`)

${machine()}. Store: ${calls.toLocaleString('en-US')} synthetic calls over 45 days (\`bench/gen-store.ts\`,
${usageRows.toLocaleString('en-US')} rows of the usage rollup: day × feature × provider × model × tier), the whole period, through
the commands (\`runCli\` with \`--json\`, output discarded). The cold run loads the catalog and the
tokenizers; warm runs are ${RUNS}, median and range. **The machine was shared with other work while
this ran (load average ${(os.loadavg()[0] ?? 0).toFixed(0)} on ${os.cpus().length} cores at the end): wall-clock times are an upper
bound; CPU time (the process's user + system) is less disturbed.** Goal: ≤ 500 ms each. Both read
the usage rollup, so their time follows the number of rollup rows (days × features × models), not
the number of calls. The issue's 10M store has the same 45 days, features and models, so about as
many rollup rows; it was not generated here (about 30 minutes on this machine).

| command | cold | warm median | warm min–max | warm CPU median |
|---|---:|---:|---:|---:|
${rows
  .map((r) => {
    const w = stats(r.warm);
    return `| \`${r.name}\` | ${ms(r.cold)} | ${ms(w.median)} | ${ms(w.min)}–${ms(w.max)} | ${ms(stats(r.cpu).median)} |`;
  })
  .join('\n')}

Rerun: \`npx tsx bench/money.bench.ts\` (\`BENCH_MONEY_ROWS\` to change the size; the store is shared
with the reprice bench in \`bench/.data/\`).`,
);
