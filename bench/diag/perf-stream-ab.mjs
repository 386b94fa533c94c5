// Diagnostic (issue 12): a change to the stream path measured on the real path, this build's preload
// against another build's (BEFORE=<root of a copy of the repo built before the change>), in
// alternating processes: each round runs one process per side (which goes first swaps every round),
// each the openai SDK (7, the repo's own) over a loopback socket to the mock provider (a child
// process), 50-chunk streams read with `for await`, 300 streams of warm-up, then STREAMS streams timed
// (process.cpuUsage, the whole process: every thread, the store's writes and the batch included).
// Traces are not exported (OTEL_TRACES_EXPORTER=none: the same on both sides, and no sink needed);
// the store is on (a fresh TOKENMETER_HOME per process), Prometheus on a port the system picks.
// VARIANT=declared declares the mock as OpenAI (TOKENMETER_PROVIDERS=openai=<mock>/v1: include_usage
// added and cut, as a call to api.openai.com); the default is an unknown server (output counted
// locally). Prints after − before per round: median [p25 … p75] and each side's median.
// Run: BEFORE=/path <node> bench/diag/perf-stream-ab.mjs [rounds] [streams]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, startMock } from './perf-stream26-mock.mjs';

const ROUNDS = Number(process.argv[2] ?? 10);
const STREAMS = Number(process.argv[3] ?? 1000);
const BEFORE = process.env.BEFORE;
const VARIANT = process.env.VARIANT ?? 'default';

if (process.argv[4] === '--app') {
  // One side's process: the app.
  const { createRequire } = await import('node:module');
  const { OpenAI } = createRequire(root)('openai');
  const client = new OpenAI({ baseURL: `${process.env.MOCK_URL}/v1`, apiKey: 'x', maxRetries: 0 });
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream: true };
  const opts = { headers: { 'x-mock-output-tokens': '48' } };
  const one = async () => {
    const s = await client.chat.completions.create(body, opts);
    let n = 0;
    for await (const _ of s) n++;
    if (n !== 50) throw new Error(`chunks ${n}`);
  };
  for (let i = 0; i < 300; i++) await one();
  const c0 = process.cpuUsage();
  for (let i = 0; i < STREAMS; i++) await one();
  const c = process.cpuUsage(c0);
  process.stdout.write(`${(c.user + c.system) / STREAMS}\n`);
  process.exit(0);
}

if (!BEFORE) {
  process.stderr.write('perf-stream-ab: set BEFORE to the root of the build to compare against\n');
  process.exit(2);
}
const { url, child } = await startMock();
const sides = { before: BEFORE, after: root };
const per = { before: [], after: [] };
const run = (dir) => {
  const home = mkdtempSync(join(os.tmpdir(), 'perf-stream-ab-'));
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(OTEL_|TOKENMETER_|NODE_OPTIONS)/.test(k)),
    ),
    MOCK_URL: url,
    TOKENMETER_HOME: home,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    ...(VARIANT === 'declared' ? { TOKENMETER_PROVIDERS: `openai=${url}/v1` } : {}),
  };
  const register = pathToFileURL(join(dir, 'packages', 'node', 'register.mjs')).href;
  const r = spawnSync(
    process.execPath,
    ['--import', register, new URL(import.meta.url).pathname, String(ROUNDS), String(STREAMS), '--app'],
    { env, encoding: 'utf8' },
  );
  rmSync(home, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`app failed: ${r.stderr}`);
  return Number(r.stdout.trim());
};
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
};
try {
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const side of order) per[side].push(run(sides[side]));
  }
} finally {
  child.kill();
}
const f = (x) => x.toFixed(1);
const d = per.after.map((x, i) => x - per.before[i]);
console.log(
  `${process.version} ${VARIANT}: before ${f(q(per.before, 0.5))}, after ${f(q(per.after, 0.5))} CPU µs/stream; ` +
    `after − before per round ${f(q(d, 0.5))} [${f(q(d, 0.25))} … ${f(q(d, 0.75))}] (${ROUNDS} rounds of ${STREAMS} streams)`,
);
