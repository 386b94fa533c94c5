// Diagnostic (issue 12, the export part): what the OTLP span export costs a short-lived process (a
// CLI, a cron job): an app that makes CALLS non-streamed calls (openai 7, the mock over loopback)
// and ends, started the user's way (`--import @tokenmeter/node/register`, defaults), with OTLP
// traces to a sink in this process, against the same app with OTEL_TRACES_EXPORTER=none, in
// alternating fresh processes. Charged: the process's CPU at exit (bench/overhead/cpu-at-exit.cjs,
// all threads), so the first span's exporter load, the encoding and the HTTP exchange of the
// flush at 'beforeExit' are all in it. Reports each side's median [p25 … p75] and, per pair,
// on − none, with a bootstrap 95 % interval of the median.
// Run: npx tsx bench/diag/perf-export-first-flush.ts. Settings: FLUSH_PAIRS=30 FLUSH_CALLS=1,
// FLUSH_VARIANTS='on=;none=OTEL_TRACES_EXPORTER=none' (name=space-separated K=V; PRELOAD=<specifier>
// sets that variant's preload, e.g. a file URL of another build's register.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stats } from '../lib/results.js';
import { appDir, onMeasuredCpu, pinCoordinator, ROOT, startMock, startSink } from '../lib/user-level.js';
import { variantsFrom } from './ipc-app.js';

const PAIRS = Number(process.env.FLUSH_PAIRS ?? 30);
const CALLS = Number(process.env.FLUSH_CALLS ?? 1);
const VARIANTS = variantsFrom(process.env.FLUSH_VARIANTS ?? 'on=;none=OTEL_TRACES_EXPORTER=none');

pinCoordinator();
const mock = await startMock();
const sink = await startSink();
const home = mkdtempSync(join(os.tmpdir(), 'perf-export-first-flush-'));
const app = join(home, 'app.cjs');
writeFileSync(
  app,
  `'use strict';
const { OpenAI } = require('node:module').createRequire(process.env.BENCH_APP_DIR + '/')('openai');
const client = new OpenAI({ baseURL: process.env.BENCH_MOCK_URL + '/v1', apiKey: 'x', maxRetries: 0 });
(async () => {
  for (let i = 0; i < ${CALLS}; i++)
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
})();
`,
);
const base: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env))
  if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
    base[k] = v;

function run(i: number, n: number): Promise<number> {
  const v = VARIANTS[i]!;
  const [cmd, args] = onMeasuredCpu(process.execPath, [
    '--require',
    join(ROOT, 'bench/overhead/cpu-at-exit.cjs'),
    '--import',
    v.preload,
    app,
  ]);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: {
      ...base,
      BENCH_APP_DIR: appDir(7),
      BENCH_MOCK_URL: mock.url,
      OTEL_SERVICE_NAME: `perf-export-first-flush-${v.name}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint(v.name),
      TOKENMETER_HOME: join(home, `${v.name}-${n}`),
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      ...v.env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
  });
  let out = '';
  child.stdio[3]!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim()) / 1000) : reject(new Error(`exit ${code}`)),
    ),
  );
}

const ms: number[][] = VARIANTS.map(() => []);
try {
  for (let p = 0; p < PAIRS; p++) {
    const order = p % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) ms[i]!.push(await run(i, p));
  }
  const f = (x: number) => x.toFixed(1);
  const show = (xs: number[]) => {
    const s = stats(xs);
    return `${f(s.median)} [${f(s.p25)} … ${f(s.p75)}]`;
  };
  const diff = ms[0]!.map((x, j) => x - ms[1]![j]!);
  const boot: number[] = [];
  for (let b = 0; b < 2000; b++)
    boot.push(stats(diff.map(() => diff[Math.floor(Math.random() * diff.length)]!)).median);
  const bs = [...boot].sort((a, b) => a - b);
  console.log(
    `${process.version}, ${PAIRS} pairs, ${CALLS} call(s) per process; process CPU ms at exit, median [p25 … p75]`,
  );
  for (const [i, v] of VARIANTS.entries()) console.log(`${v.name}: ${show(ms[i]!)}`);
  console.log(
    `${VARIANTS[0]!.name} − ${VARIANTS[1]!.name} per pair: ${show(diff)}, median's 95 % CI [${f(bs[50]!)} … ${f(bs[1949]!)}]`,
  );
  for (const v of VARIANTS) console.log(`${v.name} exported`, sink.received(v.name));
} finally {
  mock.close();
  await sink.close();
}
