// perf-startup diagnostic (not part of `npm run bench`): the preload's start-up, variants
// interleaved in one loop (rotating order, reversed every other run), one process per run.
// Wall by hrtime around spawnSync; CPU (all threads) by bench/overhead/cpu-at-exit.cjs on fd 3.
// Store on (TOKENMETER_HOME in a temp dir), Prometheus on port 0, OTLP to a closed port.
//   node bench/diag/perf-startup.mjs RUNS NODE_BIN 'label=flag path' ... [-- script args]
// e.g. node bench/diag/perf-startup.mjs 21 node 'bare=' 'before=--import /tmp/before/register.mjs'
//        'after=--import @tokenmeter/node/register' -- -e 0
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CPU_AT_EXIT = join(ROOT, 'bench', 'overhead', 'cpu-at-exit.cjs');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const script = dash >= 0 ? argv.slice(dash + 1) : ['-e', '0'];
const [runsArg, node, ...specs] = dash >= 0 ? argv.slice(0, dash) : argv;
const runs = Number(runsArg);
const variants = specs.map((s) => {
  const [label, rest = ''] = s.split(/=(.*)/s);
  const parts = rest.split(/\s+/).filter(Boolean);
  const env = {};
  const args = [];
  for (const p of parts) {
    if (/^[A-Z_]+=/.test(p)) env[p.split('=')[0]] = p.slice(p.indexOf('=') + 1);
    else args.push(p);
  }
  return { label, args, env };
});
const base = { ...process.env };
for (const k of Object.keys(base))
  if (k.startsWith('OTEL_') || k.startsWith('TOKENMETER_') || k === 'NODE_OPTIONS') delete base[k];
const home = mkdtempSync(join(tmpdir(), 'perf-startup-'));
const env = {
  ...base,
  OTEL_SERVICE_NAME: 'perf-startup',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  TOKENMETER_HOME: home,
  OTEL_EXPORTER_PROMETHEUS_PORT: '0',
};
const wall = variants.map(() => []);
const cpu = variants.map(() => []);
for (let r = 0; r < runs; r++) {
  let order = variants.map((_, i) => i);
  order = [...order.slice(r % order.length), ...order.slice(0, r % order.length)];
  if (r % 2) order.reverse();
  for (const i of order) {
    const v = variants[i];
    const t0 = process.hrtime.bigint();
    const out = spawnSync(node, ['--require', CPU_AT_EXIT, ...v.args, ...script], {
      cwd: ROOT,
      env: { ...env, ...v.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (out.status !== 0) throw new Error(`${v.label} failed: ${out.stderr}`);
    if (r === 0 && out.stderr.trim()) console.error(`note ${v.label}: ${out.stderr.trim()}`);
    wall[i].push(ms);
    cpu[i].push(Number(String(out.output[3]).trim()) / 1000);
  }
}
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  return s[Math.floor(at)] + (s[Math.ceil(at)] - s[Math.floor(at)]) * (at - Math.floor(at));
};
const f = (x) => x.toFixed(0);
const paired = (xs, ys) => xs.map((x, k) => x - ys[k]);
console.log(
  `${spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim()} ${script.join(' ')}; ${runs} runs; load ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(
  'variant | wall ms median [p25 … p75] | added wall (paired median [p25 … p75]) | CPU ms median [p25 … p75] | added CPU (paired)',
);
variants.forEach((v, i) => {
  const dw = paired(wall[i], wall[0]);
  const dc = paired(cpu[i], cpu[0]);
  console.log(
    `${v.label} | ${f(q(wall[i], 0.5))} [${f(q(wall[i], 0.25))} … ${f(q(wall[i], 0.75))}] | ${i ? `+${f(q(dw, 0.5))} [${f(q(dw, 0.25))} … ${f(q(dw, 0.75))}]` : ''} | ${f(q(cpu[i], 0.5))} [${f(q(cpu[i], 0.25))} … ${f(q(cpu[i], 0.75))}] | ${i ? `+${f(q(dc, 0.5))} [${f(q(dc, 0.25))} … ${f(q(dc, 0.75))}]` : ''}`,
  );
});
