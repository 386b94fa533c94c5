// Where tokenmeter's added CPU per call goes, the way users run it: the preload with one part
// switched off at a time through its documented settings, beside the defaults, the bare SDK and an
// A/A control, all measured in the headline's scheme (fresh-process replicas, interleaved blocks in
// rotating order, bench/overhead/replicas.ts). "The part" is, per round, the defaults' block minus
// the block of the variant without it. Parts that share work (a span both exported and stored) need
// not add up: the row with all four off gives the rest, and the sum of the parts against
// "defaults minus all off" shows how far they interact.
//
// A benchmark of its own rather than more variants in the headline: nine processes on every Node
// and openai major would double the headline's run. By default Node 20 and openai 7, calls and
// streams (313 s quiet with BENCH_QUICK=1 and 5 warm-up rounds; about 8 minutes with the 16 and 12 now,
// estimated); `npm run bench -- overhead` runs
// it with the headline, `npm run bench -- overhead-parts` alone. Settings as bench/overhead.bench.ts
// (BENCH_NODES=20 BENCH_OPENAI=7 BENCH_REPLICAS BENCH_ROUNDS BENCH_CALLS BENCH_STREAMS
// BENCH_WARMUP_ROUNDS BENCH_MODES BENCH_QUICK BENCH_WRITE).
import { machine, writeSection } from './lib/results.js';
import { envList, type OpenAIMajor, PIN, pinCoordinator, signed, type Variant } from './lib/user-level.js';
import {
  atWarmup,
  type ConfigResult,
  combination,
  difference,
  f1,
  headlineSettings,
  level,
  type Mode,
  measureAll,
  modeSections,
  replicaColumns,
  replicaRange,
  schemeText,
  spreadLine,
  unitOf,
  verdict,
  windowText,
  withCi,
  withRig,
} from './overhead/replicas.js';

const NODES = envList('BENCH_NODES', '20').map(Number);
const OPENAI = envList('BENCH_OPENAI', '7').map(Number) as OpenAIMajor[];
const SETTINGS = headlineSettings();
const WRITE = process.env.BENCH_WRITE !== '0';

const PRELOAD = ['--import', '@tokenmeter/node/register'];

/** A part of tokenmeter and the documented setting that switches it off. */
interface Part {
  name: string;
  label: string;
  env: Record<string, string>;
}

const PARTS: Part[] = [
  { name: 'store-off', label: 'the local store', env: { TOKENMETER_STORE: 'off' } },
  {
    name: 'traces-none',
    label: 'the OTLP span export (spans still made)',
    env: { OTEL_TRACES_EXPORTER: 'none' },
  },
  {
    name: 'metrics-none',
    label: 'SDK metrics and the Prometheus endpoint',
    env: { OTEL_METRICS_EXPORTER: 'none' },
  },
  {
    name: 'propagation-off',
    label: 'W3C context propagation on HTTP',
    env: { TOKENMETER_PROPAGATION: 'off' },
  },
];

const settingText = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ');

const ALL_OFF: Record<string, string> = Object.assign({}, ...PARTS.map((p) => p.env));

const VARIANTS: Variant[] = [
  { name: 'bare', label: 'bare SDK', nodeArgs: [], openai: [6, 7], bare: true },
  { name: 'bare-aa', label: 'bare SDK again (A/A control)', nodeArgs: [], openai: [6, 7], bare: true },
  { name: 'tokenmeter', label: 'tokenmeter, defaults', nodeArgs: PRELOAD, openai: [6, 7], tokenmeter: true },
  ...PARTS.map(
    (p): Variant => ({
      name: p.name,
      label: `without ${p.label} (${settingText(p.env)})`,
      nodeArgs: PRELOAD,
      openai: [6, 7],
      tokenmeter: true,
      env: () => p.env,
    }),
  ),
  {
    name: 'all-off',
    label: `all four off (${settingText(ALL_OFF)}): the instrumentation itself (patch, span, price)`,
    nodeArgs: PRELOAD,
    openai: [6, 7],
    tokenmeter: true,
    env: () => ALL_OFF,
  },
  {
    name: 'sdk-disabled',
    label: 'the preload loaded, nothing started (`OTEL_SDK_DISABLED=true`)',
    nodeArgs: PRELOAD,
    openai: [6, 7],
    tokenmeter: true,
    env: () => ({ OTEL_SDK_DISABLED: 'true' }),
  },
];

function partsTable(results: ConfigResult[], mode: Mode): { rows: string[]; notes: string[] } {
  const rows: string[] = [];
  const notes: string[] = [];
  const unit = unitOf(mode);
  for (const r of results.filter((x) => x.mode === mode)) {
    const w = atWarmup(r);
    for (const v of r.variants) {
      const cpu = f1(level(r, v.name, 'cpu').value);
      if (v.name === 'bare') {
        const freshCpu = w ? f1(level(w, 'bare', 'cpu').value) : '–';
        rows.push(`| ${r.node} | ${r.openai} | ${v.label} | ${cpu} | | | | ${freshCpu} | | |`);
        continue;
      }
      const added = difference(r, v.name, 'bare', 'cpu');
      const wall = difference(r, v.name, 'bare', 'wall');
      const part = PARTS.some((p) => p.name === v.name) || v.name === 'all-off';
      const cost = part ? withCi(difference(r, 'tokenmeter', v.name, 'cpu'), true) : '';
      const freshAdded = w ? withCi(difference(w, v.name, 'bare', 'cpu')) : '–';
      const freshCost = part && w ? withCi(difference(w, 'tokenmeter', v.name, 'cpu')) : '';
      rows.push(
        `| ${r.node} | ${r.openai} | ${v.label} | ${cpu} | ${withCi(added)} | ${replicaRange(added)} | ${cost} | ${freshAdded} | ${freshCost} | ${withCi(wall)} |`,
      );
    }
    const total = difference(r, 'tokenmeter', 'bare', 'cpu');
    const parts = PARTS.map((p) => difference(r, 'tokenmeter', p.name, 'cpu'));
    const sum = parts.reduce((s, e) => s + e.value, 0);
    const allOff = difference(r, 'tokenmeter', 'all-off', 'cpu');
    // (defaults − all off) − Σ (defaults − without part i), per round.
    const interaction = combination(
      r,
      [['tokenmeter', 1 - PARTS.length], ['all-off', -1], ...PARTS.map((p): [string, number] => [p.name, 1])],
      'cpu',
    );
    const core = difference(r, 'all-off', 'bare', 'cpu');
    notes.push(
      `Node ${r.node}, openai ${r.openai}: tokenmeter adds ${withCi(total)} µs CPU per ${unit}; the four parts one at a time ${PARTS.map((p, i) => `${p.name} ${signed(parts[i]!.value)}`).join(', ')} (sum ${signed(sum)}); all four at once ${withCi(allOff)}; all at once minus the sum of the parts ${withCi(interaction)} (${verdict(interaction) === 'not resolved' ? 'they add up within the noise' : 'they interact'}); what remains with all four off, the instrumentation itself: ${withCi(core)}.`,
    );
    const spread = spreadLine(r);
    if (spread) notes.push(spread);
  }
  return { rows, notes };
}

function partsMarkdown(results: ConfigResult[]): string {
  const out = [
    `tokenmeter's preload with one part switched off at a time through its documented setting (content capture at its default, off), measured beside the defaults and the bare SDK. ${schemeText(SETTINGS, PIN)} "The part": per round, the defaults' block minus this variant's block, estimated the same way; the "fresh process" columns are the same over the warm-up rounds (the bare SDK's row: its own CPU there).`,
  ];
  out.push(
    ...modeSections(
      SETTINGS.modes,
      (unit, mode) => [
        ...replicaColumns(unit),
        `the part: defaults − this, CPU µs/${unit} [95 % CI]`,
        `fresh process, ${windowText(SETTINGS, mode).warmup}: added CPU µs/${unit} [95 % CI]`,
        `fresh process: the part, CPU µs/${unit} [95 % CI]`,
        `added wall µs/${unit} [95 % CI]`,
      ],
      (mode) => partsTable(results, mode),
    ),
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  pinCoordinator();
  const started = Date.now();
  const results = await withRig((mock, ve) => measureAll(VARIANTS, NODES, OPENAI, mock, ve, SETTINGS));
  const md = partsMarkdown(results);
  console.log(md);
  if (WRITE)
    writeSection(
      'overhead-parts',
      [`### Where tokenmeter's per-call CPU goes, the way users run it (${machine()})`, '', md].join('\n'),
      { perNode: false },
    );
  console.log(`overhead-parts bench: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
