// Diagnostic (perf-call, issue 12): the instrumentation's own per-call CPU on the real path, measured
// inside one process started the user's way (`--import @tokenmeter/node/register`, openai SDK,
// loopback socket to the mock), by switching the instrumentation on and off between blocks of
// non-streamed calls (bench/diag/perf-call-toggle-app.cjs). Unlike two processes compared against
// each other, there is no per-process bias, so a few µs per call resolve in minutes. Not a headline
// figure: the preload's start-up, its background work outside the blocks, and any cost it puts on
// calls while switched off (the wrapper's flag check) are not in it.
//
// Run: npx tsx bench/diag/perf-call-toggle.ts. Settings: BENCH_NODES=20 (one or more majors),
// BENCH_OPENAI=7, TOGGLE_ROUNDS=40 TOGGLE_CALLS=256 TOGGLE_WARMUP=3000, TOGGLE_ENV (space-separated
// K=V for the app; default every part off: store, OTLP traces, metrics, propagation),
// TOGGLE_PRELOAD (another build's packages/node/register.mjs, to compare builds).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stats } from '../lib/results.js';
import {
  appDir,
  envList,
  nodeBinary,
  onMeasuredCpu,
  type OpenAIMajor,
  pinCoordinator,
  ROOT,
  startMock,
} from '../lib/user-level.js';

const ALL_OFF =
  'TOKENMETER_STORE=off OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none TOKENMETER_PROPAGATION=off';
const extra = Object.fromEntries(
  (process.env.TOGGLE_ENV ?? ALL_OFF)
    .split(/\s+/)
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const preload = process.env.TOGGLE_PRELOAD
  ? pathToFileURL(process.env.TOGGLE_PRELOAD).href
  : '@tokenmeter/node/register';

function run(node: string, major: OpenAIMajor, mockUrl: string): Promise<{ node: string; on: number[]; off: number[] }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, extra, { BENCH_APP_DIR: appDir(major), BENCH_MOCK_URL: mockUrl, OTEL_SERVICE_NAME: 'perf-call-toggle' });
  const [cmd, args] = onMeasuredCpu(node, ['--import', preload, join(ROOT, 'bench/diag/perf-call-toggle-app.cjs')]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`app exited ${code}`))));
  });
}

pinCoordinator();
const mock = await startMock();
try {
  for (const major of envList('BENCH_NODES', '20').map(Number)) {
    for (const openai of envList('BENCH_OPENAI', '7').map(Number) as OpenAIMajor[]) {
      const r = await run(nodeBinary(major), openai, mock.url);
      const on = stats(r.on);
      const off = stats(r.off);
      const d = stats(r.on.map((x, i) => x - r.off[i]!));
      const f = (x: number) => x.toFixed(1);
      console.log(
        `${r.node} openai ${openai} (${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'}; ${preload}): off ${f(off.median)}, on ${f(on.median)} µs CPU/call; on − off per round ${f(d.median)} [${f(d.p25)} … ${f(d.p75)}], mean ${f(r.on.reduce((a, b) => a + b, 0) / r.on.length - r.off.reduce((a, b) => a + b, 0) / r.off.length)} (${r.on.length} rounds)`,
      );
    }
  }
} finally {
  mock.close();
}
