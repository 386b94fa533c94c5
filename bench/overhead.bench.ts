// What tokenmeter and its peers cost an app, measured the way users run them (the headline of
// bench/RESULTS.md), and what they add to start-up.
//
// Per call: every variant is an app process of its own (bench/overhead/app.cjs: `require('openai')`,
// then chat completions against the mock provider over a real loopback socket), loaded the user's
// way: bare; `node --import @tokenmeter/node/register` with tokenmeter's defaults (store on, OTLP
// traces to a local sink that answers 200, Prometheus endpoint on); each peer from a `--require`
// setup file written as its README says (bench/overhead/peers). A second bare process is the A/A
// control: what "bare minus bare" measures is the noise floor. The mock and the sink run in processes
// of their own. The processes are run in replicas, interleaved blocks and rotating order, and their
// figures reported with confidence intervals, as bench/overhead/replicas.ts describes. Non-streamed
// completions and 50-chunk streams, openai 6 and 7 (peers only where their documented range covers
// it), Node 20, 24 and 26 (24 and 26 installed with `npm i node@N` into bench/.data/node).
//
// Start-up: `node -e 0`, and `node -e "require('openai')"`, bare, under each peer's setup and under
// the preload, the runs interleaved, median wall time per process.
//
// Run: npm run bench -- overhead (also runs bench/overhead-parts.bench.ts; `-- overhead.bench` runs
// this one alone). Settings (environment): BENCH_NODES=20,24,26 BENCH_OPENAI=6,7
// BENCH_MODES=calls,streams BENCH_REPLICAS=6 BENCH_ROUNDS=12 BENCH_CALLS=512 BENCH_STREAMS=96
// BENCH_WARMUP_ROUNDS (default 8 rounds of calls and 6 of streams: 4,096 calls and 576 streams, past
// V8's warm-up, see headlineSettings; the setting sets both modes' rounds) BENCH_STARTUP_RUNS=15
// BENCH_STARTUP_BEFORE=dir BENCH_ONLY=calls|startup BENCH_PIN=0 (no taskset) BENCH_WRITE=0 (print
// only); BENCH_QUICK=1 (4 replicas of 8 rounds of 256 calls or 48 streams after 16 and 12 warm-up
// rounds, the same 4,096 calls and 576 streams; 7 start-up runs: the same tables); BENCH_BEFORE=dir
// (another build's preload as one more variant, and this build minus it per round);
// BENCH_VARIANTS=names. The warm-up rounds are measured too and reported apart ("fresh process").
//
// Duration, BENCH_QUICK=1 with the parts bench, estimated from the last quiet run (313 s parts, 1,310 s
// the rest: 1,046 s per-call configurations, about 264 s start-up, with 5 + 8 rounds per mode), a
// block's time split 74 % calls / 26 % streams by their wall time and about a quarter of each
// configuration's time fixed (process starts, checks, exits): calls 13 → 24 rounds and streams
// 13 → 20 give about 1,650 s per-call, 490 s parts, 264 s start-up: about 40 minutes (44 if all of
// it grew with the rounds). The full run grows in the same proportion.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Estimate } from './lib/estimate.js';
import { machine, stats, writeSection } from './lib/results.js';
import {
  envList,
  nodeBinary,
  nodeVersion,
  type OpenAIMajor,
  onMeasuredCpu,
  PIN,
  pinCoordinator,
  ROOT,
  signed,
  VARIANTS,
  type Variant,
  type VariantEnvironment,
  variantEnv,
} from './lib/user-level.js';
import {
  atWarmup,
  type ConfigResult,
  difference,
  f1,
  headlineSettings,
  kb,
  level,
  type Mode,
  measureAll,
  modeSections,
  type Of,
  replicaColumns,
  replicaRange,
  rotate,
  STREAM_CHUNKS,
  schemeText,
  spreadLine,
  unitOf,
  verdict,
  windowText,
  withCi,
  withRig,
} from './overhead/replicas.js';

/**
 * BENCH_QUICK=1: the same comparison (every Node, both openai majors, calls and streams, every
 * variant, start-up) with fewer replicas and shorter blocks, for a headline run of about 40 minutes
 * with the parts bench (an estimate, above); each setting still overrides it.
 */
const QUICK = process.env.BENCH_QUICK === '1';
const NODES = envList('BENCH_NODES', '20,24,26').map(Number);
const OPENAI = envList('BENCH_OPENAI', '6,7').map(Number) as OpenAIMajor[];
const SETTINGS = headlineSettings();
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (QUICK ? 7 : 15));
const ONLY = process.env.BENCH_ONLY;
const WRITE = process.env.BENCH_WRITE !== '0';

// ---------------------------------------------------------------------------------------------
// Per-call overhead.

/** `lighter by 40.2 [21.0 … 60.3]`-style words for tokenmeter − peer. */
function against(e: Estimate): string {
  const v = verdict(e);
  return `${withCi(e)} (${v})`;
}

/** Whether a tokenmeter variant is lighter than every peer: yes / no / not resolved, with who. */
function lightest(r: ConfigResult, tm: string, peers: Variant[], of: Of): string {
  if (!peers.length) return 'no peer';
  const vs = peers.map((p) => [p.name, verdict(difference(r, tm, p.name, of))] as const);
  const heavier = vs.filter(([, v]) => v === 'heavier').map(([n]) => n);
  const open = vs.filter(([, v]) => v === 'not resolved').map(([n]) => n);
  if (heavier.length) return `no (heavier than ${heavier.join(', ')}, resolved)`;
  if (open.length) return `not resolved (against ${open.join(', ')})`;
  return 'yes (resolved against every peer)';
}

/** `met` when the interval is wholly within the goal, `not met` when wholly beyond, else `not resolved`. */
function goal(e: Estimate, limit: number, scale = 1): string {
  return e.hi * scale <= limit ? 'met' : e.lo * scale > limit ? 'not met' : 'not resolved';
}

function overheadTable(results: ConfigResult[], mode: Mode): { rows: string[]; notes: string[] } {
  const rows: string[] = [];
  const goals: string[] = [];
  const unit = unitOf(mode);
  const fresh = windowText(SETTINGS, mode).warmup;
  for (const r of results.filter((x) => x.mode === mode)) {
    const w = atWarmup(r);
    const bareCpu = level(r, 'bare', 'cpu').value;
    const bareWall = level(r, 'bare', 'wall').value;
    const peers = r.variants.filter((v) => !v.bare && !v.tokenmeter);
    for (const v of r.variants) {
      const traces = kb(r.exported.get(v.name)?.traces);
      const cpu = level(r, v.name, 'cpu').value;
      const wallLevel = level(r, v.name, 'wall').value;
      if (v.name === 'bare') {
        const freshCpu = w ? f1(level(w, 'bare', 'cpu').value) : '–';
        rows.push(
          `| ${r.node} | ${r.openai} | ${v.label} | ${f1(cpu)} | | | ${freshCpu} | ${f1(wallLevel)} | | | | ${traces} |`,
        );
        continue;
      }
      const added = difference(r, v.name, 'bare', 'cpu');
      const wall = difference(r, v.name, 'bare', 'wall');
      const peer = r.series.has('tokenmeter') && !v.bare && !v.tokenmeter;
      const vsTm = peer ? against(difference(r, 'tokenmeter', v.name, 'cpu')) : '';
      const freshAdded = w ? withCi(difference(w, v.name, 'bare', 'cpu')) : '–';
      const freshVsTm = peer && w ? against(difference(w, 'tokenmeter', v.name, 'cpu')) : '';
      rows.push(
        `| ${r.node} | ${r.openai} | ${v.label} | ${f1(cpu)} | ${withCi(added, true)} | ${replicaRange(added)} | ${freshAdded} | ${f1(wallLevel)} | ${withCi(wall)} (${signed((wall.value / bareWall) * 100)} %) | ${vsTm} | ${freshVsTm} | ${traces} |`,
      );
    }
    if (r.series.has('tokenmeter') && r.series.has('tokenmeter-before')) {
      const cpu = difference(r, 'tokenmeter', 'tokenmeter-before', 'cpu');
      const wall = difference(r, 'tokenmeter', 'tokenmeter-before', 'wall');
      goals.push(
        `Node ${r.node}, openai ${r.openai}: this build minus the build before (BENCH_BEFORE), per round: CPU ${withCi(cpu)} µs/${unit} (${verdict(cpu)}), wall ${withCi(wall)} (${verdict(wall)}).`,
      );
    }
    for (const name of ['tokenmeter', 'tokenmeter-api']) {
      if (!r.series.has(name)) continue;
      const who = name === 'tokenmeter' ? '' : ' (the mock declared as OpenAI)';
      const cpu = difference(r, name, 'bare', 'cpu');
      const wall = difference(r, name, 'bare', 'wall');
      const pct = (x: number) => `${signed((x / bareWall) * 100)} %`;
      const chunkCpu = bareCpu / STREAM_CHUNKS;
      const perPeer = peers.map((p) => `${p.name} ${against(difference(r, name, p.name, 'cpu'))}`);
      const target =
        mode === 'calls'
          ? `${withCi(cpu)} µs CPU per call (goal ≤ +30: ${goal(cpu, 30)})`
          : `${withCi(cpu)} µs CPU per stream, ${f1(cpu.value / chunkCpu).replace('-', '−')} × the bare SDK's CPU per chunk (${f1(chunkCpu)} µs)`;
      const freshLine = w
        ? ` A fresh process, ${fresh}: ${withCi(difference(w, name, 'bare', 'cpu'))} µs CPU per ${unit}; lightest in CPU: ${lightest(w, name, peers, 'cpu')}.`
        : '';
      goals.push(
        `Node ${r.node}, openai ${r.openai}${who}: ${target}; ${pct(wall.value)} wall [${pct(wall.lo)} … ${pct(wall.hi)}]${mode === 'calls' ? ` (goal ≤ 3 %: ${goal(wall, 3, 100 / bareWall)})` : ''}; lightest in CPU: ${lightest(r, name, peers, 'cpu')}; in wall: ${lightest(r, name, peers, 'wall')}${perPeer.length ? ` (tokenmeter − peer, CPU µs/${unit}: ${perPeer.join('; ')})` : ''}; stores written per replica (all tokenmeter variants): ${kb(r.storeBytes)}.${freshLine}`,
      );
    }
    const spread = spreadLine(r);
    if (spread) goals.push(spread);
  }
  return { rows, notes: goals };
}

function overheadMarkdown(results: ConfigResult[]): string {
  const out: string[] = [
    `${schemeText(SETTINGS, PIN)} Wall % is of the bare SDK's own wall time in the same run. Peers are run on the openai majors their documented range covers. "tokenmeter − this": per round, tokenmeter's block (defaults, the mock on loopback: an unknown server, whose streams tokenmeter counts itself) minus the peer's, estimated the same way; "lighter" or "heavier" only when resolved. The variant with the mock declared as OpenAI is what a call to api.openai.com gets (usage asked for on streams, hidden from the app). The replicas column gives the lowest and highest replica's own figure. The "fresh process" columns are the same figures over the warm-up rounds (the bare SDK's row: its own CPU there). OTLP traces: bytes one process exported over its life (mean over replicas).`,
  ];
  out.push(
    ...modeSections(
      SETTINGS.modes,
      (unit, mode) => [
        ...replicaColumns(unit),
        `fresh process, ${windowText(SETTINGS, mode).warmup}: added CPU µs/${unit} [95 % CI]`,
        `wall µs/${unit}`,
        `added wall µs/${unit} [95 % CI] (%)`,
        `tokenmeter − this, CPU µs/${unit} [95 % CI]`,
        `fresh process: tokenmeter − this, CPU µs/${unit} [95 % CI]`,
        'OTLP traces per process',
      ],
      (mode) => overheadTable(results, mode),
    ),
  );
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
  await withRig(async (mock, ve) => {
    if (ONLY !== 'startup') {
      const results = await measureAll(VARIANTS, NODES, OPENAI, mock, ve, SETTINGS);
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
  });
  console.log(`overhead bench: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
