// What tokenmeter and its peers cost an app, measured the way users run them (the headline of
// bench/RESULTS.md), and what they add to start-up.
//
// Per call: every variant is an app process of its own (bench/overhead/app.cjs: `require('openai')`,
// then chat completions against the mock provider over a real loopback socket), loaded the user's
// way: bare; `node --import @tokenmeter/node/register` with tokenmeter's defaults (store on, OTLP
// traces to a local sink that answers 200, Prometheus endpoint on); each peer from a `--require`
// setup file written as its README says (bench/overhead/peers). A second bare process is the A/A
// control: what "bare minus bare" measures is the noise floor. The mock and the sink run in processes
// of their own. The coordinator (this process) tells one process at a time to run a block of calls,
// the order of the processes rotating from round to round. A block is charged the process's CPU
// (`process.cpuUsage()`, user + system) from its start to the start of the same process's next
// block, so what a variant defers while the others run (span export, store writes) is counted; its
// wall time is that of its calls. Per round, each variant's block minus the bare block of the same
// round; reported as the median and interquartile range over the rounds. Non-streamed completions
// and 50-chunk streams, openai 6 and 7 (peers only where their documented range covers it), Node 20,
// 24 and 26 (24 and 26 installed with `npm i node@N` into bench/.data/node).
//
// Start-up: `node -e 0`, and `node -e "require('openai')"`, bare, under each peer's setup and under
// the preload, the runs interleaved, median wall time per process.
//
// Run: npm run bench -- overhead. Settings (environment): BENCH_NODES=20,24,26 BENCH_OPENAI=6,7
// BENCH_MODES=calls,streams BENCH_ROUNDS=20 BENCH_CALLS=512 BENCH_STREAMS=128 BENCH_WARMUP_ROUNDS=3
// BENCH_STARTUP_RUNS=15 BENCH_STARTUP_BEFORE=dir BENCH_ONLY=calls|startup BENCH_PIN=0 (no taskset)
// BENCH_WRITE=0 (print only); BENCH_QUICK=1 (10 rounds of 256 calls or 48 streams, 2 warm-up
// rounds, 7 start-up runs: the same table in a fraction of the time); BENCH_BEFORE=dir (another
// build's preload as one more variant, and this build minus it per round); BENCH_VARIANTS=names.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, stats, writeSection } from './lib/results.js';
import {
  AppProcess,
  appDir,
  envList,
  nodeBinary,
  nodeVersion,
  type OpenAIMajor,
  onMeasuredCpu,
  PIN,
  pinCoordinator,
  ROOT,
  signed,
  startMock,
  startSink,
  VARIANTS,
  type Variant,
  type VariantEnvironment,
  variantEnv,
  variantEnvironment,
} from './lib/user-level.js';

/**
 * BENCH_QUICK=1: the same comparison (every Node, both openai majors, calls and streams, every
 * variant, start-up) with fewer and shorter blocks, for a headline run that ends in minutes; each
 * setting below still overrides it.
 */
const QUICK = process.env.BENCH_QUICK === '1';
const NODES = envList('BENCH_NODES', '20,24,26').map(Number);
const OPENAI = envList('BENCH_OPENAI', '6,7').map(Number) as OpenAIMajor[];
const MODES = envList('BENCH_MODES', 'calls,streams') as Mode[];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 10 : 20));
const CALLS = Number(process.env.BENCH_CALLS ?? (QUICK ? 256 : 512));
const STREAMS = Number(process.env.BENCH_STREAMS ?? (QUICK ? 48 : 128));
const WARMUP_ROUNDS = Number(process.env.BENCH_WARMUP_ROUNDS ?? (QUICK ? 2 : 3));
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (QUICK ? 7 : 15));
const ONLY = process.env.BENCH_ONLY;
const WRITE = process.env.BENCH_WRITE !== '0';

type Mode = 'calls' | 'streams';
const STREAM_CHUNKS = 50;

// ---------------------------------------------------------------------------------------------
// Per-call overhead.

interface Block {
  /** Process CPU (µs) at the block's start. */
  cpu: number;
  /** Process CPU (µs) at the block's last call's end. */
  cpuEnd: number;
  wallUs: number;
}

/** Per variant: CPU charged per call (start to next start) and wall per call, one entry per round. */
interface Series {
  cpu: number[];
  wall: number[];
  /** CPU inside the block only (start to last call's end), for comparison. */
  inBlock: number[];
}

interface ConfigResult {
  node: string;
  openai: OpenAIMajor;
  mode: Mode;
  variants: Variant[];
  series: Map<string, Series>;
  /** OTLP bytes each variant's process exported, over its whole life (both modes, the exit flush). */
  exported: Map<string, Record<string, number>>;
  /** tokenmeter's store file size after the run (bytes), when there is one. */
  storeBytes?: number;
}

function rotate<T>(xs: T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/**
 * Rounds of blocks over the processes, the order rotating. Returns each process's blocks, plus the
 * CPU mark taken after the last round (the end of the last block's charge).
 */
async function rounds(procs: AppProcess[], n: number, mode: Mode): Promise<Map<AppProcess, Block[]>> {
  const calls = mode === 'streams' ? STREAMS : CALLS;
  const blocks = new Map<AppProcess, Block[]>(procs.map((p) => [p, []]));
  for (let r = 0; r < n; r++) {
    for (const p of rotate(procs, r)) {
      blocks.get(p)!.push(await p.request<Block>({ cmd: 'block', calls, stream: mode === 'streams' }));
    }
  }
  return blocks;
}

async function measureConfig(
  node: string,
  major: OpenAIMajor,
  mock: string,
  ve: VariantEnvironment,
): Promise<ConfigResult[]> {
  const variants = VARIANTS.filter((v) => v.openai.includes(major));
  const version = nodeVersion(node);
  const tag = (v: Variant) => `${v.name}-${version}-openai${major}`;
  const procs = variants.map(
    (v) =>
      new AppProcess(
        v,
        node,
        variantEnv({ ...v, name: tag(v) }, ve, {
          BENCH_APP_DIR: appDir(major),
          BENCH_MOCK_URL: mock,
          ...v.env?.(mock),
        }),
      ),
  );
  const results: ConfigResult[] = [];
  try {
    for (const p of procs) {
      const check = await p.request<{ chunks: number }>({ cmd: 'check' });
      if (check.chunks !== STREAM_CHUNKS)
        throw new Error(
          `${p.variant.name}: a stream gave the app ${check.chunks} chunks, not ${STREAM_CHUNKS}`,
        );
    }
    for (const mode of MODES) {
      const calls = mode === 'streams' ? STREAMS : CALLS;
      await rounds(procs, WARMUP_ROUNDS, mode);
      const blocks = await rounds(procs, ROUNDS, mode);
      const series = new Map<string, Series>();
      // The rounds ran in rotating order: a process's block r is charged until its block r + 1
      // starts, and the last one until a mark taken after every process's last block.
      const marks = new Map<AppProcess, number>();
      for (const p of procs) marks.set(p, (await p.request<{ cpu: number }>({ cmd: 'mark' })).cpu);
      for (const p of procs) {
        const bs = blocks.get(p)!;
        const next = (i: number) => (i + 1 < bs.length ? bs[i + 1]!.cpu : marks.get(p)!);
        series.set(p.variant.name, {
          cpu: bs.map((b, i) => (next(i) - b.cpu) / calls),
          wall: bs.map((b) => b.wallUs / calls),
          inBlock: bs.map((b) => (b.cpuEnd - b.cpu) / calls),
        });
      }
      results.push({ node: version, openai: major, mode, variants, series, exported: new Map() });
    }
  } finally {
    await Promise.all(procs.map((p) => p.exit()));
  }
  for (const r of results) for (const v of variants) r.exported.set(v.name, ve.sink.received(tag(v)));
  const store = join(ve.home, 'tokenmeter.db');
  if (existsSync(store)) {
    const bytes = statSync(store).size + (existsSync(`${store}-wal`) ? statSync(`${store}-wal`).size : 0);
    for (const r of results) r.storeBytes = bytes;
    rmSync(store, { force: true });
    rmSync(`${store}-wal`, { force: true });
    rmSync(`${store}-shm`, { force: true });
  }
  return results;
}

function f1(x: number): string {
  return x.toFixed(1);
}

function kb(bytes: number | undefined): string {
  return bytes ? `${(bytes / 1024).toFixed(0)} kB` : '–';
}

/** Per round: a − b. */
function minus(a: number[], b: number[]): number[] {
  return a.map((x, i) => x - b[i]!);
}

function overheadTable(results: ConfigResult[], mode: Mode): { rows: string[]; goals: string[] } {
  const rows: string[] = [];
  const goals: string[] = [];
  for (const r of results.filter((x) => x.mode === mode)) {
    const bare = r.series.get('bare')!;
    const bareCpu = stats(bare.cpu).median;
    const bareWall = stats(bare.wall).median;
    const tm = r.series.get('tokenmeter');
    for (const v of r.variants) {
      const s = r.series.get(v.name)!;
      const exported = r.exported.get(v.name) ?? {};
      const traces = kb(exported.traces);
      if (v.name === 'bare') {
        rows.push(
          `| ${r.node} | ${r.openai} | ${v.label} | ${f1(bareCpu)} | | ${f1(bareWall)} | | | ${traces} |`,
        );
        continue;
      }
      const cpu = stats(minus(s.cpu, bare.cpu));
      const wall = stats(minus(s.wall, bare.wall));
      let lighter = '';
      if (tm && !v.bare && !v.tokenmeter) {
        const wins = tm.cpu.filter((x, i) => x < s.cpu[i]!).length;
        const winsWall = tm.wall.filter((x, i) => x < s.wall[i]!).length;
        lighter = `${wins}/${s.cpu.length} CPU, ${winsWall}/${s.wall.length} wall`;
      }
      rows.push(
        `| ${r.node} | ${r.openai} | ${v.label} | ${f1(stats(s.cpu).median)} | **${signed(cpu.median)}** [${signed(cpu.p25)} … ${signed(cpu.p75)}] | ${f1(stats(s.wall).median)} | ${signed(wall.median)} [${signed(wall.p25)} … ${signed(wall.p75)}] (${signed((wall.median / bareWall) * 100)} %) | ${lighter} | ${traces} |`,
      );
    }
    const before = r.series.get('tokenmeter-before');
    if (tm && before) {
      const cpu = stats(minus(tm.cpu, before.cpu));
      const wall = stats(minus(tm.wall, before.wall));
      goals.push(
        `Node ${r.node}, openai ${r.openai}: this build minus the build before (BENCH_BEFORE), per round: CPU ${signed(cpu.median)} µs/${mode === 'calls' ? 'call' : 'stream'} [${signed(cpu.p25)} … ${signed(cpu.p75)}], wall ${signed(wall.median)} [${signed(wall.p25)} … ${signed(wall.p75)}]; lighter in ${tm.cpu.filter((x, i) => x < before.cpu[i]!).length}/${tm.cpu.length} rounds.`,
      );
    }
    for (const name of ['tokenmeter', 'tokenmeter-api']) {
      const tm = r.series.get(name);
      if (!tm) continue;
      const who = name === 'tokenmeter' ? '' : ' (the mock declared as OpenAI)';
      const cpu = stats(minus(tm.cpu, bare.cpu)).median;
      const wallPct = (stats(minus(tm.wall, bare.wall)).median / bareWall) * 100;
      const peers = r.variants.filter((v) => !v.bare && !v.tokenmeter);
      const added = (v: Variant, of: 'cpu' | 'wall') =>
        stats(minus(r.series.get(v.name)![of], bare[of])).median;
      const lightestCpu = peers.every((v) => cpu < added(v, 'cpu'));
      const tmWall = stats(minus(tm.wall, bare.wall)).median;
      const lightestWall = peers.every((v) => tmWall < added(v, 'wall'));
      const chunkCpu = bareCpu / STREAM_CHUNKS;
      const perPeer = peers.map((v) => {
        const s = r.series.get(v.name)!;
        return `${v.name}: ${tm.cpu.filter((x, i) => x < s.cpu[i]!).length}/${s.cpu.length} CPU, ${tm.wall.filter((x, i) => x < s.wall[i]!).length}/${s.wall.length} wall`;
      });
      const target =
        mode === 'calls'
          ? `${signed(cpu)} µs CPU per call (goal ≤ +30: ${cpu <= 30 ? 'met' : 'not met'})`
          : `${signed(cpu)} µs CPU per stream, ${f1(cpu / chunkCpu).replace('-', '−')} × the bare SDK's CPU per chunk (${f1(chunkCpu)} µs)`;
      goals.push(
        `Node ${r.node}, openai ${r.openai}${who}: ${target}; ${signed(wallPct)} % wall${mode === 'calls' ? ` (goal ≤ 3 %: ${wallPct <= 3 ? 'met' : 'not met'})` : ''}; lightest in CPU: ${peers.length ? (lightestCpu ? 'yes' : 'no') : 'no peer'}, in wall: ${peers.length ? (lightestWall ? 'yes' : 'no') : 'no peer'}${perPeer.length ? ` (rounds where tokenmeter was lighter, ${perPeer.join('; ')})` : ''}; store written: ${kb(r.storeBytes)}.`,
      );
    }
  }
  return { rows, goals };
}

function overheadMarkdown(results: ConfigResult[]): string {
  const out: string[] = [
    `Each variant is an app process of its own${PIN ? ', pinned to CPU 0 (the mock provider, the OTLP sink and the coordinator on CPU 1)' : ''}; ${ROUNDS} rounds (after ${WARMUP_ROUNDS} unrecorded), each round one block per process in rotating order; a block is ${CALLS} sequential non-streamed calls or ${STREAMS} streams of ${STREAM_CHUNKS} chunks. CPU: charged from a block's start to the same process's next block start (deferred export and store writes included). "Added": per round, the variant's block minus the bare process's block; median [p25 … p75] over the rounds. Wall % is of the bare SDK's own wall time in the same run. Peers are run on the openai majors their documented range covers. "Lighter": rounds in which tokenmeter's block (defaults, the mock on loopback: an unknown server, whose streams tokenmeter counts itself) cost less than the peer's; the variant with the mock declared as OpenAI is what a call to api.openai.com gets (usage asked for on streams, hidden from the app).`,
  ];
  for (const mode of MODES) {
    const { rows, goals } = overheadTable(results, mode);
    const unit = mode === 'streams' ? 'stream' : 'call';
    out.push(
      '',
      mode === 'calls'
        ? '#### Non-streamed chat completions'
        : `#### Streamed chat completions (${STREAM_CHUNKS} chunks)`,
      '',
      `| Node | openai | variant | CPU µs/${unit} | added CPU µs/${unit} | wall µs/${unit} | added wall µs/${unit} | tokenmeter lighter (rounds) | OTLP traces exported (whole run) |`,
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      ...goals.map((g) => `- ${g}`),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Start-up.

interface StartupCase {
  label: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * BENCH_STARTUP_BEFORE: the directory of another build of @tokenmeter/node (a copy of
 * packages/node from an earlier commit, built), measured beside this one.
 */
const BEFORE = process.env.BENCH_STARTUP_BEFORE;

function startupCases(ve: VariantEnvironment): StartupCase[] {
  const cases: StartupCase[] = [];
  for (const v of VARIANTS) {
    if (v.name === 'bare-aa') continue;
    const env = variantEnv({ ...v, name: `startup-${v.name}` }, ve);
    cases.push({ label: v.label, args: v.nodeArgs, env });
    if (v.name !== 'tokenmeter') continue;
    cases.push({
      label: 'tokenmeter (`--require @tokenmeter/node/register`, defaults)',
      args: ['--require', '@tokenmeter/node/register'],
      env,
    });
    if (BEFORE) {
      for (const [flag, file] of [
        ['--import', 'register.mjs'],
        ['--require', 'register.cjs'],
      ] as const)
        cases.push({
          label: `tokenmeter before (\`${flag}\` ${BEFORE}/${file})`,
          args: [flag, join(BEFORE, file)],
          env,
        });
    }
  }
  return cases;
}

const SCRIPTS: [string, string[]][] = [
  ['`node -e 0`', ['-e', '0']],
  ['`node -e "require(\'openai\')"`', ['-e', "require('openai')"]],
];

/** Loaded first in every start-up run: reports the process's CPU time at exit on fd 3. */
const CPU_AT_EXIT = join(ROOT, 'bench', 'overhead', 'cpu-at-exit.cjs');

async function startup(node: string, ve: VariantEnvironment): Promise<string[]> {
  const cases = startupCases(ve);
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const key = (c: number, s: number) => `${c}/${s}`;
  const all: [number, number][] = [];
  for (let c = 0; c < cases.length; c++) for (let s = 0; s < SCRIPTS.length; s++) all.push([c, s]);
  for (let r = 0; r < STARTUP_RUNS; r++) {
    for (const [c, s] of rotate(all, r)) {
      const kase = cases[c]!;
      const [cmd, args] = onMeasuredCpu(node, ['--require', CPU_AT_EXIT, ...kase.args, ...SCRIPTS[s]![1]]);
      const t0 = process.hrtime.bigint();
      const out = spawnSync(cmd, args, {
        cwd: ROOT,
        env: kase.env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (out.status !== 0) throw new Error(`${kase.label} ${SCRIPTS[s]![0]} failed: ${out.stderr}`);
      if (r === 0 && out.stderr.trim()) console.log(`note: ${kase.label} on ${node}: ${out.stderr.trim()}`);
      const k = key(c, s);
      if (!wall.has(k)) wall.set(k, []);
      if (!cpu.has(k)) cpu.set(k, []);
      wall.get(k)!.push(ms);
      cpu.get(k)!.push(Number(String(out.output[3]).trim()) / 1000);
    }
  }
  const version = nodeVersion(node);
  const ms = (x: number) => x.toFixed(0);
  const plus = (x: number) => `**${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}**`;
  const rows: string[] = [];
  for (let c = 0; c < cases.length; c++) {
    const cells = SCRIPTS.map((_, s) => {
      const w = stats(wall.get(key(c, s))!);
      const u = stats(cpu.get(key(c, s))!);
      const addedWall = w.median - stats(wall.get(key(0, s))!).median;
      const addedCpu = u.median - stats(cpu.get(key(0, s))!).median;
      return c === 0
        ? `${ms(w.median)} [${ms(w.p25)} … ${ms(w.p75)}] | | ${ms(u.median)} |`
        : `${ms(w.median)} [${ms(w.p25)} … ${ms(w.p75)}] | ${plus(addedWall)} | ${ms(u.median)} | ${plus(addedCpu)}`;
    });
    rows.push(`| ${version} | ${cases[c]!.label} | ${cells.join(' | ')} |`.replace('| |  |', '| |'));
  }
  return rows;
}

/**
 * What the preload's module graph costs, part by part: the CPU time of `node -e` requiring the first
 * k parts (CommonJS builds, as the preload loads them), minus that of the first k − 1. A part's
 * figure is what it adds to those before it (shared dependencies count where first loaded).
 */
function startupParts(node: string): string[] {
  const req = createRequire(join(ROOT, 'packages', 'node', 'package.json'));
  const fromInstrumentation = createRequire(req.resolve('@tokenmeter/instrumentation'));
  const parts: [string, string][] = [
    ['@opentelemetry/api', req.resolve('@opentelemetry/api')],
    ['@opentelemetry/context-async-hooks', req.resolve('@opentelemetry/context-async-hooks')],
    [
      "@opentelemetry/instrumentation (require-in-the-middle; import-in-the-middle's hook loads with the first patched import)",
      fromInstrumentation.resolve('@opentelemetry/instrumentation'),
    ],
    [
      '@tokenmeter/pricing (the catalog: JSON text, parsed by the first price)',
      req.resolve('@tokenmeter/pricing'),
    ],
    ['@tokenmeter/instrumentation (patches, fetch, adapters)', req.resolve('@tokenmeter/instrumentation')],
    ['@tokenmeter/node (the rest of the distro)', req.resolve('@tokenmeter/node')],
    // Below: loaded when first needed, not at start-up (the first LLM request or span, a scrape, a budgets or pricing file).
    [
      '@opentelemetry/sdk-trace-node (+ sdk-trace-base, core, resources, semantic-conventions; the first span)',
      req.resolve('@opentelemetry/sdk-trace-node'),
    ],
    ['@opentelemetry/sdk-metrics (the first instrument)', req.resolve('@opentelemetry/sdk-metrics')],
    [
      '@opentelemetry/exporter-prometheus (with the SDK, when Prometheus is on)',
      req.resolve('@opentelemetry/exporter-prometheus'),
    ],
    ['@tokenmeter/store (the first LLM request)', req.resolve('@tokenmeter/store')],
    [
      '@tokenmeter/budgets (the first LLM request, with the store on)',
      createRequire(join(ROOT, 'packages', 'node', 'dist', 'cjs', 'budgets-runtime.js')).resolve(
        '@tokenmeter/budgets',
      ),
    ],
    [
      "the distro's OTLP exporters (otlp-exporter-base, otlp-transformer; the first LLM request)",
      join(ROOT, 'packages', 'node', 'dist', 'cjs', 'otlp-exporters.js'),
    ],
    [
      'yaml (a pricing or budgets file only)',
      createRequire(req.resolve('@tokenmeter/pricing')).resolve('yaml'),
    ],
  ];
  const scripts = parts.map((_, k) =>
    parts
      .slice(0, k)
      .map(([, path]) => `require(${JSON.stringify(path)});`)
      .join(''),
  );
  scripts.push(parts.map(([, path]) => `require(${JSON.stringify(path)});`).join(''));
  // Where Node has no module.registerHooks (Node 20), the ES module hook runs in Node's hooks
  // thread: what starting that thread with import-in-the-middle's hook costs, apart.
  const hooksThread =
    spawnSync(node, ['-p', "typeof require('node:module').registerHooks"], {
      encoding: 'utf8',
    }).stdout.trim() !== 'function';
  if (hooksThread) {
    const hook = pathToFileURL(
      createRequire(fromInstrumentation.resolve('@opentelemetry/instrumentation')).resolve(
        'import-in-the-middle/hook.mjs',
      ),
    ).href;
    scripts.push(
      `require('node:module').register(${JSON.stringify(hook)}, ${JSON.stringify(pathToFileURL(ROOT).href)}, { data: { include: ['openai'] } });`,
    );
  }
  const cpu: number[][] = scripts.map(() => []);
  const wall: number[][] = scripts.map(() => []);
  for (let r = 0; r < STARTUP_RUNS; r++) {
    for (let k = 0; k < scripts.length; k++) {
      const [cmd, args] = onMeasuredCpu(node, ['--require', CPU_AT_EXIT, '-e', scripts[k] || '0']);
      const t0 = process.hrtime.bigint();
      const out = spawnSync(cmd, args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      });
      wall[k]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (out.status !== 0) throw new Error(`start-up parts: ${out.stderr}`);
      cpu[k]!.push(Number(String(out.output[3]).trim()) / 1000);
    }
  }
  const version = nodeVersion(node);
  const median = (k: number) => stats(cpu[k]!).median;
  const rows = parts.map(
    ([label], i) => `| ${version} | ${label} | ${(median(i + 1) - median(i)).toFixed(0)} | |`,
  );
  if (hooksThread) {
    const k = scripts.length - 1;
    rows.push(
      `| ${version} | import-in-the-middle's hook in Node's hooks thread (\`module.register\`; alone, against bare) | ${(median(k) - median(0)).toFixed(0)} | ${(stats(wall[k]!).median - stats(wall[0]!).median).toFixed(0)} |`,
    );
  }
  return rows;
}

function startupPartsMarkdown(rows: string[]): string {
  return [
    `Where the preload's start-up CPU goes: each part of its module graph, required (CommonJS) after the parts above it, median of ${STARTUP_RUNS} runs; CPU ms added by the part. The parts after \`@tokenmeter/node\` are not loaded at start-up: the OpenTelemetry SDK (tracer and meter providers, the Prometheus exporter) loads behind late providers at the first span or instrument (a scrape before any call loads it too); budgets, the store, the OTLP span exporter and the catalog are loaded once the first LLM request has been sent; YAML only with a pricing or budgets file.`,
    '',
    '| Node | part | CPU ms | wall ms |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function startupMarkdown(rows: string[]): string {
  return [
    `A whole process, ms: wall time, median [p25 … p75] of ${STARTUP_RUNS} runs, and its CPU time (all threads, median), every case's runs interleaved in rotating order; "added" is the median minus bare's on the same Node. Each variant with the same settings as above (tokenmeter: store on, OTLP to the sink, Prometheus on; peers: their setup file). \`require('openai')\` loads openai 7 (what an app that uses the SDK pays before its first call; tokenmeter patches it on load). CPU time is far less disturbed than wall time by other load on the machine.`,
    '',
    '| Node | variant | `node -e 0` wall ms | added | CPU ms | added | `-e "require(\'openai\')"` wall ms | added | CPU ms | added |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  pinCoordinator();
  const started = Date.now();
  const mock = await startMock();
  const sink = await startSink();
  const ve = await variantEnvironment(sink);
  try {
    if (ONLY !== 'startup') {
      const results: ConfigResult[] = [];
      for (const major of NODES) {
        const node = nodeBinary(major);
        for (const openai of OPENAI) {
          const t0 = Date.now();
          results.push(...(await measureConfig(node, openai, mock.url, ve)));
          console.log(`Node ${major}, openai ${openai}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
      }
      const md = overheadMarkdown(results);
      console.log(md);
      if (WRITE)
        writeSection(
          'overhead',
          [`### Per-call overhead, the way users run it (${machine()})`, '', md].join('\n'),
          { perNode: false },
        );
    }
    if (ONLY !== 'calls') {
      const rows: string[] = [];
      const partRows: string[] = [];
      for (const major of NODES) {
        rows.push(...(await startup(nodeBinary(major), ve)));
        partRows.push(...startupParts(nodeBinary(major)));
      }
      const md = [startupMarkdown(rows), '', startupPartsMarkdown(partRows)].join('\n');
      console.log(md);
      if (WRITE)
        writeSection('startup', [`### Start-up (${machine()})`, '', md].join('\n'), { perNode: false });
    }
  } finally {
    mock.close();
    await sink.close();
    rmSync(ve.home, { recursive: true, force: true });
  }
  console.log(`overhead bench: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
