// Where the preload's per-call time goes: V8 CPU profiles (the sampling profiler behind
// `--cpu-prof`) of the bare app and of the app under `--import @tokenmeter/node/register` (its
// defaults: store on, OTLP traces to a local sink, Prometheus on), on the real path (openai SDK,
// loopback socket to the mock provider), steady state only: each app process of
// bench/overhead/app.cjs warms up, then profiles a run of calls through the inspector. Self time per
// call, preload minus bare, per place (package or part of Node) and per function.
//
// Run: npm run bench -- profile. Settings: BENCH_NODES=20,24 BENCH_OPENAI=6,7 BENCH_MODES=calls
// (or calls,streams) BENCH_PROFILE_CALLS=4000 BENCH_PROFILE_STREAMS=500 BENCH_PROFILE_INTERVAL_US=50
// BENCH_PROFILE_KEEP=dir (keep the .cpuprofile files, for a flame graph in Chrome DevTools)
// BENCH_WRITE=0. BENCH_BEFORE=<root of another build> BENCH_PROFILE_BASE=tokenmeter-before: this build
// against that one (the tables' "bare" column is then that build).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type CpuProfile, difference, selfTimes } from './lib/cpuprofile.js';
import { machine, writeSection } from './lib/results.js';
import {
  AppProcess,
  appDir,
  envList,
  envSettings,
  nodeBinary,
  nodeVersion,
  type OpenAIMajor,
  PIN,
  pinCoordinator,
  signed,
  startMock,
  startSink,
  VARIANTS,
  variantEnv,
  variantEnvironment,
} from './lib/user-level.js';

const NODES = envList('BENCH_NODES', '20,24').map(Number);
const OPENAI = envList('BENCH_OPENAI', '6,7').map(Number) as OpenAIMajor[];
const MODES = envList('BENCH_MODES', 'calls') as ('calls' | 'streams')[];
const CALLS = Number(process.env.BENCH_PROFILE_CALLS ?? 4000);
const STREAMS = Number(process.env.BENCH_PROFILE_STREAMS ?? 500);
const INTERVAL_US = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 50);
const WARMUP_CALLS = Number(process.env.BENCH_WARMUP_CALLS ?? 3000);
const KEEP = process.env.BENCH_PROFILE_KEEP;
/** BENCH_PROFILE_ENV: settings for tokenmeter's process only (`K=V,K=V`), e.g. every part off. */
const PROFILE_ENV = envSettings('BENCH_PROFILE_ENV');
const WRITE = process.env.BENCH_WRITE !== '0';
const TOP = 25;
/**
 * BENCH_PROFILE_BASE: the variant profiled against tokenmeter (default `bare`); `tokenmeter-before`
 * (with BENCH_BEFORE) gives a change's profile diff, this build minus the one before it.
 */
const BASE = process.env.BENCH_PROFILE_BASE ?? 'bare';

const f1 = (x: number) => x.toFixed(1);

interface Profiled {
  profile: CpuProfile;
  units: number;
  /** CPU µs per unit over the profiled run (process.cpuUsage). */
  cpuPerUnit: number;
}

async function profileOne(
  variant: (typeof VARIANTS)[number],
  node: string,
  major: OpenAIMajor,
  mode: 'calls' | 'streams',
  mock: string,
  ve: Awaited<ReturnType<typeof variantEnvironment>>,
  dir: string,
): Promise<Profiled> {
  const file = join(dir, `${variant.name}-${nodeVersion(node)}-openai${major}-${mode}.cpuprofile`);
  const proc = new AppProcess(
    variant,
    node,
    variantEnv(variant, ve, {
      ...variant.env?.(mock),
      ...(variant.tokenmeter ? PROFILE_ENV : {}),
      BENCH_APP_DIR: appDir(major),
      BENCH_MOCK_URL: mock,
      BENCH_CPU_PROF: file,
    }),
  );
  try {
    const stream = mode === 'streams';
    const units = stream ? STREAMS : CALLS;
    const warm = stream ? Math.ceil(WARMUP_CALLS / 10) : WARMUP_CALLS;
    for (let done = 0; done < warm; done += 500)
      await proc.request({ cmd: 'block', calls: Math.min(500, warm - done), stream });
    const r = await proc.request<{ cpu: number; cpuEnd: number }>({
      cmd: 'profile',
      calls: units,
      stream,
      intervalUs: INTERVAL_US,
    });
    return {
      profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
      units,
      cpuPerUnit: (r.cpuEnd - r.cpu) / units,
    };
  } finally {
    await proc.exit();
  }
}

function section(node: string, major: OpenAIMajor, mode: 'calls' | 'streams', bare: Profiled, tm: Profiled) {
  const unit = mode === 'streams' ? 'stream' : 'call';
  const a = selfTimes(bare.profile);
  const b = selfTimes(tm.profile);
  // A busy sample is worth the process's CPU time per busy sample, per unit of work: the samples
  // say where the time went, the process CPU how much there was.
  const perSample = (p: Profiled, s: typeof a) => (p.cpuPerUnit * p.units) / s.busySamples / p.units;
  const ua = perSample(bare, a);
  const ub = perSample(tm, b);
  const places = difference(a.byPlace, ua, b.byPlace, ub).filter((d) => d.key !== '(idle)');
  const fns = difference(a.byFunction, ua, b.byFunction, ub).filter((d) => d.key !== '(idle)');
  const rawUs = (p: Profiled, s: typeof a) => (s.busySamples * INTERVAL_US) / p.units;
  const lines = [
    `#### Node ${node}, openai ${major}, ${mode === 'streams' ? 'streams of 50 chunks' : 'non-streamed calls'}`,
    '',
    `Profiled ${bare.units} ${unit}s per process after ${mode === 'streams' ? Math.ceil(WARMUP_CALLS / 10) : WARMUP_CALLS} unprofiled ones, sampling every ${INTERVAL_US} µs. Process CPU over the profiled runs: bare ${f1(bare.cpuPerUnit)}, preload ${f1(tm.cpuPerUnit)} µs/${unit} (**${signed(tm.cpuPerUnit - bare.cpuPerUnit)}**), shared out over the busy samples (the samples times the interval: bare ${f1(rawUs(bare, a))}, preload ${f1(rawUs(tm, b))} µs/${unit}; far above the CPU time, the thread waited for a CPU).`,
    '',
    `| place | bare µs/${unit} | preload µs/${unit} | preload − bare |`,
    '|---|---|---|---|',
    ...places
      .filter((d) => Math.abs(d.diff) >= 0.5 || d.a >= 5 || d.b >= 5)
      .map((d) => `| ${d.key} | ${f1(d.a)} | ${f1(d.b)} | **${signed(d.diff)}** |`),
    '',
    `Functions with the largest self time added per ${unit} (preload − bare):`,
    '',
    `| function | place | bare | preload | added µs/${unit} |`,
    '|---|---|---|---|---|',
    ...fns
      .slice(0, TOP)
      .map(
        (d) =>
          `| \`${d.key}\` | ${b.placeOf.get(d.key) ?? a.placeOf.get(d.key) ?? ''} | ${f1(d.a)} | ${f1(d.b)} | **${signed(d.diff)}** |`,
      ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  pinCoordinator();
  const started = Date.now();
  const dir = KEEP ?? mkdtempSync(join(os.tmpdir(), 'tokenmeter-profile-'));
  mkdirSync(dir, { recursive: true });
  const mock = await startMock();
  const sink = await startSink();
  const ve = await variantEnvironment(sink);
  const bare = VARIANTS.find((v) => v.name === BASE)!;
  const tm = VARIANTS.find((v) => v.name === 'tokenmeter')!;
  const out: string[] = [];
  try {
    for (const major of NODES) {
      const node = nodeBinary(major);
      for (const openai of OPENAI) {
        for (const mode of MODES) {
          const a = await profileOne(bare, node, openai, mode, mock.url, ve, dir);
          const b = await profileOne(tm, node, openai, mode, mock.url, ve, dir);
          const md = section(nodeVersion(node), openai, mode, a, b);
          console.log(md, '\n');
          out.push(md);
        }
      }
    }
  } finally {
    mock.close();
    await sink.close();
    rmSync(ve.home, { recursive: true, force: true });
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
  }
  if (WRITE)
    writeSection(
      'profile',
      [
        `### Where the preload's time goes: CPU profiles, preload minus bare (${machine()})`,
        '',
        `The app of the overhead benchmark, bare and under \`--import @tokenmeter/node/register\` (defaults), each in its own process${PIN ? ' pinned to CPU 0' : ''}, against the mock provider over loopback; steady state only. "Self time" is where the samples landed; a place's figure is the sum over its functions.`,
        '',
        ...out.flatMap((s) => [s, '']),
      ].join('\n'),
      { perNode: false },
    );
  console.log(`profile bench: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
