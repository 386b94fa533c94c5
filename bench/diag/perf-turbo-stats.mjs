// Diagnostic (issue 12): TurboFan's own totals (--turbo-stats: compile ms and zone bytes allocated,
// the latter a size of the graphs compiled that CPU contention does not change) for the app of
// perf-trace-opt (TO_CALLS sequential non-streamed openai calls), preloaded from each given repo root,
// and bare, alternating. Plain JavaScript. Run: <node> bench/diag/perf-turbo-stats.mjs [variant...],
// a variant being a repo root, optionally with env settings for its app: `root` or
// `root:K=V,K2=V2` (e.g. `/work/wt/lead:TOKENMETER_STORE=off`); default: this repo.
// Settings: TS_ROUNDS=3 TO_CALLS=3000 TS_NODE (default this one) TS_BARE=1 (add a bare run).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startMock, startSink, traceOptApp, traceOptAppEnv } from './perf-stream26-mock.mjs';

const ROUNDS = Number(process.env.TS_ROUNDS ?? 3);
const NODE = process.env.TS_NODE ?? process.execPath;
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [root.replace(/\/$/, '')];
const kinds = [...roots, ...(process.env.TS_BARE === '1' ? ['bare'] : [])];
const sink = await startSink();
const mock = await startMock();
const homes = mkdtempSync(join(tmpdir(), 'tokenmeter-turbo-stats-'));

function run(kind, n) {
  const [dir0, settings = ''] = kind.split(':');
  const dir = kind === 'bare' ? roots[0].split(':')[0] : dir0;
  const own = Object.fromEntries(
    settings
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const args = ['--turbo-stats', ...(kind === 'bare' ? [] : ['--import', '@tokenmeter/node/register'])];
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [...args, traceOptApp], {
      cwd: dir,
      env: traceOptAppEnv(
        mock,
        sink,
        process.env.TO_CALLS ?? '3000',
        join(homes, `${n}-${kinds.indexOf(kind)}`),
        own,
      ),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`app exited with ${code}`));
      const totals = /^\s*totals\s+([\d.]+) \(100\.0%\)\s+(\d+)/m.exec(out);
      const cpu = /^@@cpu (\S+)/m.exec(out);
      resolve({ ms: Number(totals?.[1]), mb: Number(totals?.[2]) / 1e6, cpu: Number(cpu?.[1]) });
    });
  });
}

const results = new Map(kinds.map((k) => [k, []]));
for (let n = 0; n < ROUNDS; n++) {
  const order = kinds.map((_, i) => kinds[(i + n) % kinds.length]);
  for (const k of order) {
    const r = await run(k, n);
    results.get(k).push(r);
    console.log(
      `round ${n} ${k}: zone ${r.mb.toFixed(1)} MB, TurboFan ${r.ms.toFixed(0)} ms, CPU ${r.cpu.toFixed(0)} µs/call`,
    );
  }
}
mock.child.kill();
sink.close();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\n${NODE}, ${ROUNDS} rounds: median [min–max]`);
for (const [k, list] of results) {
  const f = (pick, d) =>
    `${median(list.map(pick)).toFixed(d)} [${Math.min(...list.map(pick)).toFixed(d)}–${Math.max(...list.map(pick)).toFixed(d)}]`;
  console.log(
    `${k}: zone MB ${f((r) => r.mb, 1)} | TurboFan ms ${f((r) => r.ms, 0)} | CPU µs/call ${f((r) => r.cpu, 0)}`,
  );
}
