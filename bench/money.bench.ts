// tokenmeter whatif and savings over a large store: the reprice bench's synthetic store (gen-store.ts,
// 1M calls over 45 days by default; BENCH_MONEY_ROWS=10000000 for the issue's 10M store), the whole
// period, the way a user runs them: a fresh `tokenmeter` process each time (the built CLI,
// packages/cli/bin/tokenmeter.mjs, with --json, output discarded): Node's start, module loading, the
// store read (the usage rollup), pricing, JSON. Wall time and the process's own CPU time (user +
// system, start-up included). The first process of each command is the coldest (files not yet in
// the page cache); the median is over the next ones.
//
//   npm run build && npx tsx bench/money.bench.ts
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { openStore } from '../packages/store/src/index.js';
import { DEFAULT_GEN, generateStore } from './gen-store.js';
import { machine, stats, writeSection } from './lib/results.js';

const SIZES = (process.env.BENCH_MONEY_ROWS ?? '1000000,10000000').split(',').map(Number);
const RUNS = 7;
const END = Date.UTC(2026, 10, 23, 20);

interface Store {
  rows: number;
  source: string;
  calls: number;
  usageRows: number;
}
const stores: Store[] = SIZES.map((rows) => {
  const source = resolve(`bench/.data/reprice-${rows}.db`);
  if (!existsSync(source)) {
    console.log(`generating ${rows.toLocaleString('en-US')} calls into ${source}`);
    generateStore(source, { ...DEFAULT_GEN, rows, endMs: END });
  }
  const check = openStore(source, { readonly: true });
  const calls = check.summary({}).totals.calls;
  const usageRows = check.usage({}).length;
  check.close();
  return { rows, source, calls, usageRows };
});

const COMMANDS: [string, string[]][] = [
  ['whatif --model gpt-4.1-mini (every call, by feature)', ['whatif', '--model', 'gpt-4.1-mini']],
  ['whatif --model claude-haiku-4-5 --by model', ['whatif', '--model', 'claude-haiku-4-5', '--by', 'model']],
  ['savings (by feature, with the opportunity)', ['savings']],
  ['savings --by model', ['savings', '--by', 'model']],
];
const period = (source: string) => [
  '--since',
  '2026-10-09',
  '--until',
  '2026-11-23',
  '--tz',
  'UTC',
  '--store',
  source,
  '--json',
];

const BIN = resolve('packages/cli/bin/tokenmeter.mjs');
// Preloaded into the child: prints its own CPU time at exit (Node start-up and module loading included).
const CPU_PROBE = resolve('bench/.data/cpu-probe.mjs');
writeFileSync(
  CPU_PROBE,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the child's source text holds a template literal
  "import { writeSync } from 'node:fs';\nprocess.on('exit', () => { const c = process.cpuUsage(); writeSync(2, `\\ncpu-us ${c.user + c.system}\\n`); });\n",
);

function once(argv: string[]): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_PROBE, BIN, ...argv], {
    env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: os.tmpdir(), TZ: 'UTC' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const cpu = /cpu-us (\d+)/.exec(r.stderr);
  if (!cpu) throw new Error(`no CPU time from the child: ${r.stderr}`);
  return { ms, cpuMs: Number(cpu[1]) / 1000 };
}

const rows: { store: Store; name: string; cold: number; coldCpu: number; warm: number[]; cpu: number[] }[] =
  [];
for (const store of stores) {
  for (const [name, args] of COMMANDS) {
    const argv = [...args, ...period(store.source)];
    const first = once(argv);
    const warm: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = once(argv);
      warm.push(r.ms);
      cpu.push(r.cpuMs);
    }
    rows.push({ store, name, cold: first.ms, coldCpu: first.cpuMs, warm, cpu });
    console.log(
      `${store.rows}: ${name}: first ${first.ms.toFixed(0)} ms, median ${stats(warm).median.toFixed(0)} ms, CPU ${stats(cpu).median.toFixed(0)} ms`,
    );
  }
}

const ms = (n: number) => `${n.toFixed(0)} ms`;
const n = (v: number) => v.toLocaleString('en-US');
writeSection(
  'money',
  `## What-if and savings (\`bench/money.bench.ts\`)

${machine()}. Stores: ${stores.map((s) => `${n(s.calls)} synthetic calls (${n(s.usageRows)} rows of the usage rollup)`).join(' and ')},
45 days each (\`bench/gen-store.ts\`; usage rollup = day × feature × provider × model × tier). The whole period, run
the way a user runs them: a fresh \`tokenmeter\` process each time (the built CLI, \`--json\`, output
discarded), so Node's start-up and module loading are in every figure. The first process of each
command is the coldest; the median and range are over the ${RUNS} after it; CPU = the process's own user +
system time. **The machine was shared with other work while this ran (load average
${(os.loadavg()[0] ?? 0).toFixed(0)} on ${os.cpus().length} cores at the end): wall-clock times are an upper bound; the CPU time is
what the command costs.** Goal: ≤ 500 ms each. Both commands read the usage rollup, whose size
follows days × features × models, not the number of calls: the 10M store has about as many rollup
rows as the 1M one. The tokenizer ratio of whatif uses the sample's token counts measured once
(\`SAMPLE_TOKENS\`), so no process loads a tokenizer.

| store | command | first process | median | min–max | CPU median |
|---|---|---:|---:|---:|---:|
${rows
  .map((r) => {
    const w = stats(r.warm);
    return `| ${n(r.store.calls)} | \`${r.name}\` | ${ms(r.cold)} | ${ms(w.median)} | ${ms(w.min)}–${ms(w.max)} | ${ms(stats(r.cpu).median)} |`;
  })
  .join('\n')}

Rerun: \`npm run build && npx tsx bench/money.bench.ts\` (\`BENCH_MONEY_ROWS\`, comma-separated, for other
sizes; the stores are shared with the reprice bench in \`bench/.data/\`).`,
);
