// The measuring scheme of the user-level overhead benchmarks (bench/overhead.bench.ts, the headline,
// and bench/overhead-parts.bench.ts, tokenmeter's cost part by part), and how their figures are
// reported.
//
// A replica is one session of fresh processes, one per variant (bench/overhead/app.cjs, loaded the
// variant's way), driven in rounds: each round, one block of calls per process, the order rotating
// from round to round (each replica starting from an order of its own). A block is charged the
// process's CPU (`process.cpuUsage()`, user + system) from its start to the start of the same
// process's next block, so what a variant defers while the others run (span export, store writes)
// is counted; its wall time is that of its calls. Then every process exits and the next replica starts new ones, R
// times: with one process per variant, a bias of that one process (JIT decisions, heap and address
// layout) would be in every round and no number of rounds would remove it; over R replicas it shows
// as spread and widens the confidence interval instead of shifting the figure.
//
// The first rounds of each mode are warm-up: in a fresh process V8 is still compiling the hot code
// (on Node 20, the preload's optimising-compiler work runs on for about 4,000 calls). They are not
// thrown away: they are estimated apart, the same way, as what a fresh process pays in its first
// calls (or streams), beside the recorded rounds' steady state, which is what a long-lived server
// pays per call.
//
// "Added" is, per round, a variant's block minus the bare process's block in the same round; the
// figure is the mean over replicas of each replica's mean over its rounds (the mean, not a median:
// lumpy background work such as an export batch every few seconds counts at its true weight), with a
// 95 % confidence interval from a two-level bootstrap over replicas and rounds (bench/lib/estimate.ts).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Estimate,
  estimate,
  paired,
  type Replicated,
  seededRandom,
  varianceComponents,
} from '../lib/estimate.js';
import {
  AppProcess,
  appDir,
  envList,
  nodeBinary,
  nodeVersion,
  type OpenAIMajor,
  signed,
  startMock,
  startSink,
  type Variant,
  type VariantEnvironment,
  variantEnv,
  variantEnvironment,
} from '../lib/user-level.js';

export type Mode = 'calls' | 'streams';
export const STREAM_CHUNKS = 50;

export interface Settings {
  /** Fresh-process sessions per configuration. */
  replicas: number;
  /** Measured rounds per replica. */
  rounds: number;
  /**
   * Warm-up rounds at the start of each mode in each replica, per mode: before the recorded rounds,
   * estimated apart (a fresh process's first calls or streams).
   */
  warmupRounds: Record<Mode, number>;
  /** Calls per block (non-streamed). */
  calls: number;
  /** Streams per block. */
  streams: number;
  modes: Mode[];
}

/**
 * The settings from the environment: BENCH_REPLICAS, BENCH_ROUNDS, BENCH_WARMUP_ROUNDS (both modes'),
 * BENCH_CALLS, BENCH_STREAMS, BENCH_MODES, each over the defaults given (BENCH_QUICK picks the quick
 * ones).
 */
export function settingsFromEnv(full: Settings, quick: Settings): Settings {
  const d = process.env.BENCH_QUICK === '1' ? quick : full;
  const n = (name: string, fallback: number) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < (name === 'BENCH_WARMUP_ROUNDS' ? 0 : 1))
      throw new Error(
        `${name}=${raw}: expected a whole number${name === 'BENCH_WARMUP_ROUNDS' ? '' : ' ≥ 1'}`,
      );
    return v;
  };
  const modes = envList('BENCH_MODES', d.modes.join(',')) as Mode[];
  for (const m of modes)
    if (m !== 'calls' && m !== 'streams') throw new Error(`BENCH_MODES: ${m} is not calls or streams`);
  return {
    replicas: n('BENCH_REPLICAS', d.replicas),
    rounds: n('BENCH_ROUNDS', d.rounds),
    warmupRounds: {
      calls: n('BENCH_WARMUP_ROUNDS', d.warmupRounds.calls),
      streams: n('BENCH_WARMUP_ROUNDS', d.warmupRounds.streams),
    },
    calls: n('BENCH_CALLS', d.calls),
    streams: n('BENCH_STREAMS', d.streams),
    modes,
  };
}

/**
 * The headline's settings (bench/overhead.bench.ts and its parts run, so their figures compare):
 * full, or BENCH_QUICK=1's fewer replicas and shorter blocks, each overridden by its own setting.
 *
 * Warm-up, full and quick alike: 4,096 calls and 576 streams before the first recorded one, so that
 * the recorded rounds are past V8's warm-up on every Node (`bench/diag/perf-trace-opt.mjs`, preload −
 * bare, by window from a process's first call):
 * - calls: the optimising compiler's added time per 1,000 calls is +881, +280, +124, +60, +15 ms on
 *   Node 20 (Node 24: +412, +88, then noise; quiet, 2 pairs); its added jobs per 1,000 calls fall
 *   to +8 (Node 20), +12 (24) and 0 (26) by calls 4,001–5,000 (busy machine, 2–3 pairs);
 * - streams (after the calls, as here): most of the added compile work is in the first 96 streams
 *   (+24 jobs on Node 20, +98 on Node 24 and 26), and Node 24 and 26 compile another burst around
 *   streams 481–576 (+57 jobs, bare too but less), then +2 … +6 per 96 streams.
 */
export function headlineSettings(): Settings {
  return settingsFromEnv(
    {
      replicas: 6,
      rounds: 12,
      warmupRounds: { calls: 8, streams: 6 },
      calls: 512,
      streams: 96,
      modes: ['calls', 'streams'],
    },
    {
      replicas: 4,
      rounds: 8,
      warmupRounds: { calls: 16, streams: 12 },
      calls: 256,
      streams: 48,
      modes: ['calls', 'streams'],
    },
  );
}

export interface Block {
  /** Process CPU (µs) at the block's start. */
  cpu: number;
  /** Process CPU (µs) at the block's last call's end. */
  cpuEnd: number;
  wallUs: number;
}

/** Per variant, `[replica][round]`: CPU charged per call (start to next start), wall per call. */
export interface Series {
  cpu: Replicated;
  wall: Replicated;
  /** CPU inside the block only (start to last call's end), for comparison. */
  inBlock: Replicated;
}

export interface ConfigResult {
  node: string;
  openai: OpenAIMajor;
  mode: Mode;
  variants: Variant[];
  /** The recorded rounds: the steady state. */
  series: Map<string, Series>;
  /** The warm-up rounds (a fresh process's first blocks of this mode), when there were any. */
  warmup?: Map<string, Series>;
  /** OTLP bytes one process of each variant exported over its life (both modes, the exit flush), mean over replicas. */
  exported: Map<string, Record<string, number>>;
  /** tokenmeter's store file size after a replica (bytes, mean over replicas), when there is one. */
  storeBytes?: number;
}

export function rotate<T>(xs: T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/**
 * The variants in an order of the replica's own (seeded, so a rerun repeats it): with one fixed
 * order, rotation alone keeps the same neighbours in most rounds (the A/A control right after the
 * bare process, say), and whatever one block leaves behind for the next (warm caches, a pending
 * export) would favour the same variant in every replica.
 */
function shuffled<T>(xs: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Rounds of blocks over the processes, the order rotating from round to round. */
async function rounds(
  procs: AppProcess[],
  n: number,
  mode: Mode,
  s: Settings,
): Promise<Map<AppProcess, Block[]>> {
  const calls = mode === 'streams' ? s.streams : s.calls;
  const blocks = new Map<AppProcess, Block[]>(procs.map((p) => [p, []]));
  for (let r = 0; r < n; r++) {
    for (const p of rotate(procs, r)) {
      blocks.get(p)!.push(await p.request<Block>({ cmd: 'block', calls, stream: mode === 'streams' }));
    }
  }
  return blocks;
}

/**
 * One process's blocks of one mode as per-call figures, the first `warmup` apart from the rest: a
 * block is charged the CPU from its start to the next block's start (the last one, to `mark`, taken
 * after every process's last block), so the last warm-up block is charged until the first recorded
 * one starts.
 */
export function perCall(
  blocks: Block[],
  mark: number,
  calls: number,
  warmup: number,
): { warmup: RoundFigures; recorded: RoundFigures } {
  const next = (i: number) => (i + 1 < blocks.length ? blocks[i + 1]!.cpu : mark);
  const figures = (from: number, to: number): RoundFigures => {
    const bs = blocks.slice(from, to);
    return {
      cpu: bs.map((b, i) => (next(from + i) - b.cpu) / calls),
      wall: bs.map((b) => b.wallUs / calls),
      inBlock: bs.map((b) => (b.cpuEnd - b.cpu) / calls),
    };
  };
  return { warmup: figures(0, warmup), recorded: figures(warmup, blocks.length) };
}

/** One replica's per-call figures, round by round. */
export interface RoundFigures {
  cpu: number[];
  wall: number[];
  inBlock: number[];
}

/** The stores' files in the variants' homes under `home` (database, WAL, shared memory): their total size, then gone. */
function takeStore(home: string): number | undefined {
  let bytes: number | undefined;
  for (const variant of readdirSync(home)) {
    const db = join(home, variant, 'tokenmeter.db');
    if (!existsSync(db)) continue;
    bytes = (bytes ?? 0) + statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  }
  return bytes;
}

/**
 * Every mode of one Node and openai major, over `s.replicas` fresh-process sessions. `variants`
 * must hold the bare SDK (named `bare`), the baseline of every "added" figure.
 */
export async function measureConfig(
  variants: Variant[],
  node: string,
  major: OpenAIMajor,
  mock: string,
  ve: VariantEnvironment,
  s: Settings,
): Promise<ConfigResult[]> {
  const version = nodeVersion(node);
  const tag = (v: Variant) => `${v.name}-${version}-openai${major}`;
  const empty = () =>
    new Map<Mode, Map<string, Series>>(
      s.modes.map((m) => [m, new Map(variants.map((v) => [v.name, { cpu: [], wall: [], inBlock: [] }]))]),
    );
  const series = empty();
  const warmup = empty();
  const stores: number[] = [];
  for (let rep = 0; rep < s.replicas; rep++) {
    const procs = shuffled(variants, rep + 1).map(
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
    try {
      for (const p of procs) {
        const check = await p.request<{ chunks: number }>({ cmd: 'check' });
        if (check.chunks !== STREAM_CHUNKS)
          throw new Error(
            `${p.variant.name}: a stream gave the app ${check.chunks} chunks, not ${STREAM_CHUNKS}`,
          );
      }
      for (const mode of s.modes) {
        const calls = mode === 'streams' ? s.streams : s.calls;
        const w = s.warmupRounds[mode];
        const blocks = await rounds(procs, w + s.rounds, mode, s);
        const marks = new Map<AppProcess, number>();
        for (const p of procs) marks.set(p, (await p.request<{ cpu: number }>({ cmd: 'mark' })).cpu);
        for (const p of procs) {
          const figures = perCall(blocks.get(p)!, marks.get(p)!, calls, w);
          for (const [to, f] of [
            [series, figures.recorded],
            [warmup, figures.warmup],
          ] as const) {
            const out = to.get(mode)!.get(p.variant.name)!;
            out.cpu.push(f.cpu);
            out.wall.push(f.wall);
            out.inBlock.push(f.inBlock);
          }
        }
      }
    } finally {
      await Promise.all(procs.map((p) => p.exit()));
    }
    const bytes = takeStore(ve.home);
    if (bytes !== undefined) stores.push(bytes);
  }
  const exported = new Map<string, Record<string, number>>();
  for (const v of variants) {
    const total = ve.sink.received(tag(v));
    exported.set(v.name, Object.fromEntries(Object.entries(total).map(([k, b]) => [k, b / s.replicas])));
  }
  return s.modes.map((mode) => {
    const result: ConfigResult = {
      node: version,
      openai: major,
      mode,
      variants,
      series: series.get(mode)!,
      exported,
    };
    if (s.warmupRounds[mode] > 0) result.warmup = warmup.get(mode)!;
    if (stores.length) result.storeBytes = stores.reduce((a, b) => a + b, 0) / stores.length;
    return result;
  });
}

/**
 * Runs `fn` with the mock provider and the OTLP sink started and the variants' shared environment
 * made, and ends them all afterwards.
 */
export async function withRig<T>(fn: (mock: string, ve: VariantEnvironment) => Promise<T>): Promise<T> {
  const mock = await startMock();
  const sink = await startSink();
  const ve = await variantEnvironment(sink);
  try {
    return await fn(mock.url, ve);
  } finally {
    mock.close();
    await sink.close();
    rmSync(ve.home, { recursive: true, force: true });
  }
}

/** measureConfig over every Node major and openai major given, each with the variants that cover it. */
export async function measureAll(
  variants: Variant[],
  nodes: number[],
  openais: OpenAIMajor[],
  mock: string,
  ve: VariantEnvironment,
  s: Settings,
): Promise<ConfigResult[]> {
  const results: ConfigResult[] = [];
  for (const major of nodes) {
    const node = nodeBinary(major);
    for (const openai of openais) {
      const t0 = Date.now();
      const covering = variants.filter((v) => v.openai.includes(openai));
      results.push(...(await measureConfig(covering, node, openai, mock, ve, s)));
      console.log(`Node ${major}, openai ${openai}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

export type Of = 'cpu' | 'wall';

/**
 * The same result with its warm-up rounds as the series (so `difference`, `level` and the rest
 * estimate a fresh process's first blocks), or undefined when there were none.
 */
export function atWarmup(r: ConfigResult): ConfigResult | undefined {
  if (!r.warmup) return undefined;
  const { warmup, ...rest } = r;
  return { ...rest, series: warmup };
}

/** Which calls (or streams) of a process the warm-up and recorded rounds are, in words. */
export function windowText(s: Settings, mode: Mode): { warmup: string; recorded: string } {
  const n = mode === 'streams' ? s.streams : s.calls;
  const unit = mode === 'streams' ? 'streams' : 'calls';
  const w = s.warmupRounds[mode] * n;
  const end = w + s.rounds * n;
  const after = mode === 'streams' && s.modes[0] !== 'streams' ? ', after the calls' : '';
  return {
    warmup: w ? `the first ${w.toLocaleString('en')} ${unit}${after}` : 'no warm-up rounds',
    recorded: `${unit} ${(w + 1).toLocaleString('en')}–${end.toLocaleString('en')}${after}`,
  };
}

/** `a − b` per round, over every replica, estimated with its confidence interval. */
export function difference(r: ConfigResult, a: string, b: string, of: Of): Estimate {
  return estimate(paired(r.series.get(a)![of], r.series.get(b)![of]));
}

/**
 * Σ weight × variant, per round (variants measured in the same rounds), estimated with its
 * confidence interval: e.g. how far parts measured one at a time fail to add up.
 */
export function combination(r: ConfigResult, weights: [string, number][], of: Of): Estimate {
  const first = r.series.get(weights[0]![0])![of];
  const x = first.map((rounds, rep) =>
    rounds.map((_, i) => weights.reduce((s, [name, w]) => s + w * r.series.get(name)![of][rep]![i]!, 0)),
  );
  return estimate(x);
}

/** A variant's own figure (per call or stream), estimated. */
export function level(r: ConfigResult, name: string, of: Of): Estimate {
  return estimate(r.series.get(name)![of]);
}

export function f1(x: number): string {
  return x.toFixed(1);
}

/** `**+108.8** [+51.7 … +245.6]` (bold when asked). */
export function withCi(e: Estimate, bold = false): string {
  const v = signed(e.value);
  return `${bold ? `**${v}**` : v} [${signed(e.lo)} … ${signed(e.hi)}]`;
}

/** The replicas' own figures, lowest to highest: `+80.1 … +120.4 (4)`. */
export function replicaRange(e: Estimate): string {
  const rs = [...e.replicas].sort((x, y) => x - y);
  return rs.length === 1 ? signed(rs[0]!) : `${signed(rs[0]!)} … ${signed(rs[rs.length - 1]!)}`;
}

/** Whether `a − b` is resolved: below zero (lighter), above (heavier), or neither. */
export function verdict(e: Estimate): 'lighter' | 'heavier' | 'not resolved' {
  return e.hi < 0 ? 'lighter' : e.lo > 0 ? 'heavier' : 'not resolved';
}

export function kb(bytes: number | undefined): string {
  return bytes ? `${(bytes / 1024).toFixed(0)} kB` : '–';
}

/**
 * One line on where the A/A control's spread comes from: the replicas' means against what round
 * noise alone would give them (a per-process bias shows as the excess).
 */
export function spreadLine(r: ConfigResult, control = 'bare-aa'): string | undefined {
  const x = r.series.get(control)?.cpu;
  // Two replicas of two rounds at least: a spread within and one between.
  if (!x || x.length < 2 || x.some((rounds) => rounds.length < 2)) return undefined;
  const v = varianceComponents(paired(r.series.get(control)!.cpu, r.series.get('bare')!.cpu));
  // Simulated (normal data, 4 replicas × 8 rounds): the 95 % interval misses 4 % of the time with a
  // per-process bias of a third of the round noise, 15 % with one as large as the round noise.
  const undercover =
    v.processBias > v.withinReplica / 2
      ? ' That bias is large against the round noise: the intervals above are too narrow; run more replicas (BENCH_REPLICAS).'
      : '';
  return `A/A spread, Node ${r.node}, openai ${r.openai}: per round ${f1(v.withinReplica)} µs (sd); the replicas' means ${f1(v.betweenReplicas)} µs apart (sd), against ${f1(v.fromRoundsAlone)} µs from round noise alone: a per-process bias of about ${f1(v.processBias)} µs (sd).${undercover}`;
}

export function unitOf(mode: Mode): string {
  return mode === 'streams' ? 'stream' : 'call';
}

/** The scheme in one paragraph, for the top of a section. */
export function schemeText(s: Settings, pinned: boolean): string {
  const windows = s.modes
    .map((m) => {
      const t = windowText(s, m);
      const w = s.warmupRounds[m];
      return w
        ? `${m}: ${w} warm-up round${w === 1 ? '' : 's'} (${t.warmup}), then ${s.rounds} recorded (${t.recorded})`
        : `${m}: ${s.rounds} recorded rounds (${t.recorded}), no warm-up`;
    })
    .join('; ');
  return `Each variant is an app process of its own${pinned ? ', pinned to CPU 0 (the mock provider, the OTLP sink and the coordinator on CPU 1)' : ''}. ${s.replicas} replicas: each a session of fresh processes, one per variant, run in rounds, each round one block per process in rotating order (each replica starting from a seeded shuffle of its own), then ended; a block is ${s.calls} sequential non-streamed calls or ${s.streams} streams of ${STREAM_CHUNKS} chunks. Per process, after one call and one stream that check the SDK works (they pay the first request's lazy loading, and are not counted), ${windows}. The recorded rounds are the steady state, past V8's warm-up (what a long-lived server pays per call); the warm-up rounds, estimated apart the same way ("fresh process" columns), are what a fresh process pays over its first calls or streams, its first round included. CPU: charged from a block's start to the same process's next block start (deferred export and store writes included). "Added": per round, the variant's block minus the bare process's block; the mean over replicas of each replica's mean, with its 95 % confidence interval from a two-level bootstrap (replicas, then rounds within each), so a bias of one process widens the interval instead of shifting the figure. A difference is called resolved only when its interval excludes zero.${s.replicas < 4 ? ` Only ${s.replicas} replica${s.replicas === 1 ? '' : 's'}: too few for the intervals to hold their 95 % (a trial run, not a measurement).` : ''}`;
}

/**
 * One section per mode: its heading, a table with `columns(unit)` as the header row, and the notes
 * under it, as markdown lines.
 */
/** The first columns of every replica table: where, which variant, its CPU and added CPU. */
export function replicaColumns(unit: string): string[] {
  return [
    'Node',
    'openai',
    'variant',
    `CPU µs/${unit}`,
    `added CPU µs/${unit} [95 % CI]`,
    'replicas: added CPU',
  ];
}

export function modeSections(
  modes: Mode[],
  columns: (unit: string, mode: Mode) => string[],
  table: (mode: Mode) => { rows: string[]; notes: string[] },
): string[] {
  const out: string[] = [];
  for (const mode of modes) {
    const { rows, notes } = table(mode);
    const header = columns(unitOf(mode), mode);
    out.push(
      '',
      mode === 'calls'
        ? '#### Non-streamed chat completions'
        : `#### Streamed chat completions (${STREAM_CHUNKS} chunks)`,
      '',
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---|').join('')}`,
      ...rows,
      '',
      ...notes.map((n) => `- ${n}`),
    );
  }
  return out;
}
