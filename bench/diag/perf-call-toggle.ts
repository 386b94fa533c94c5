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
// TOGGLE_BEFORE (the root of another build of the repo, with its node_modules and dist: its preload
// runs in a second app process, round by round in turn with this build's, the order rotating, and
// the report adds per round (on − off, this build) − (on − off, that build)).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stats } from '../lib/results.js';
import {
  appDir,
  envList,
  nodeBinary,
  type OpenAIMajor,
  onMeasuredCpu,
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
const BEFORE = process.env.TOGGLE_BEFORE;
const ROUNDS = Number(process.env.TOGGLE_ROUNDS ?? 40);
const preload = '@tokenmeter/node/register';
const f = (x: number) => x.toFixed(1);
const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;

function appEnv(major: OpenAIMajor, mockUrl: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
      env[k] = v;
  return Object.assign(env, extra, {
    BENCH_APP_DIR: appDir(major),
    BENCH_MOCK_URL: mockUrl,
    OTEL_SERVICE_NAME: 'perf-call-toggle',
  });
}

/** An app process driven round by round over IPC. */
class Driven {
  private readonly child: ChildProcess;
  private waiting: ((m: { ok?: boolean; result?: unknown; error?: string }) => void) | undefined;
  readonly ready: Promise<void>;
  constructor(node: string, preloadSpec: string, env: Record<string, string>) {
    const [cmd, args] = onMeasuredCpu(node, [
      '--import',
      preloadSpec,
      join(ROOT, 'bench/diag/perf-call-toggle-app.cjs'),
    ]);
    this.child = spawn(cmd, args, { env, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve) => {
      this.child.on('message', (m: { ready?: boolean; ok?: boolean; result?: unknown; error?: string }) => {
        if (m.ready) resolve();
        else this.waiting?.(m);
      });
    });
  }
  async ask<T>(msg: object): Promise<T> {
    await this.ready;
    return new Promise<T>((resolve, reject) => {
      this.waiting = (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error)));
      this.child.send(msg);
    });
  }
  exit(): void {
    this.child.send({ cmd: 'exit' });
  }
}

async function compare(node: string, major: OpenAIMajor, mockUrl: string): Promise<void> {
  const env = appEnv(major, mockUrl);
  const apps = {
    before: new Driven(node, pathToFileURL(join(BEFORE!, 'packages/node/register.mjs')).href, env),
    after: new Driven(node, preload, env),
  };
  try {
    await Promise.all([apps.before.ask({ cmd: 'warmup' }), apps.after.ask({ cmd: 'warmup' })]);
    const added = { before: [] as number[], after: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
      for (const name of order) {
        const x = await apps[name].ask<{ on: number; off: number }>({ cmd: 'round', onFirst: r % 4 < 2 });
        added[name].push(x.on - x.off);
      }
    }
    const d = stats(added.after.map((x, i) => x - added.before[i]!));
    const b = stats(added.before);
    const a = stats(added.after);
    console.log(
      `${nodeVersionOf(node)} openai ${major}: on − off per round, before (${BEFORE}) ${f(b.median)} [${f(b.p25)} … ${f(b.p75)}] mean ${f(mean(added.before))}; after (this tree) ${f(a.median)} [${f(a.p25)} … ${f(a.p75)}] mean ${f(mean(added.after))}; after − before per round ${f(d.median)} [${f(d.p25)} … ${f(d.p75)}], mean ${f(mean(added.after) - mean(added.before))} (${ROUNDS} rounds)`,
    );
  } finally {
    apps.before.exit();
    apps.after.exit();
  }
}

function nodeVersionOf(node: string): string {
  return node === process.execPath ? process.version : node.replace(/^.*\/node\/(\d+)\/.*$/, 'Node $1');
}

function run(
  node: string,
  major: OpenAIMajor,
  mockUrl: string,
): Promise<{ node: string; on: number[]; off: number[] }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
      env[k] = v;
  Object.assign(env, extra, {
    BENCH_APP_DIR: appDir(major),
    BENCH_MOCK_URL: mockUrl,
    OTEL_SERVICE_NAME: 'perf-call-toggle',
  });
  const [cmd, args] = onMeasuredCpu(node, [
    '--import',
    preload,
    join(ROOT, 'bench/diag/perf-call-toggle-app.cjs'),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new Error(`app exited ${code}`)),
    );
  });
}

pinCoordinator();
const mock = await startMock();
try {
  for (const major of envList('BENCH_NODES', '20').map(Number)) {
    for (const openai of envList('BENCH_OPENAI', '7').map(Number) as OpenAIMajor[]) {
      if (BEFORE) {
        await compare(nodeBinary(major), openai, mock.url);
        continue;
      }
      const r = await run(nodeBinary(major), openai, mock.url);
      const on = stats(r.on);
      const off = stats(r.off);
      const d = stats(r.on.map((x, i) => x - r.off[i]!));
      console.log(
        `${r.node} openai ${openai} (${
          Object.entries(extra)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || 'defaults'
        }; ${preload}): off ${f(off.median)}, on ${f(on.median)} µs CPU/call; on − off per round ${f(d.median)} [${f(d.p25)} … ${f(d.p75)}], mean ${f(mean(r.on) - mean(r.off))} (${r.on.length} rounds)`,
      );
    }
  }
} finally {
  mock.close();
}
