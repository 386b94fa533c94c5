// DIAGNOSTIC, not the headline: the per-call cost of the instrumentation alone, in-process. The
// figures users get are those of bench/overhead.bench.ts (the preload with its defaults, one process
// per variant); these leave out the preload's exporters, store and Prometheus endpoint, and the
// in-process column has no socket. Useful to see what a change to the instrumentation costs.
//
// Against the loopback mock provider running in a child process of its own (so its CPU is not
// counted).
//
// Non-streaming: a chat completion through the openai SDK. Each comparison group (tokenmeter on
// openai 7, on openai 6, and each peer on openai 6) runs in a child process of its own
// (BENCH_GROUP), so that no instrumentation changes the process another is measured in. Inside a
// group, bare and instrumented variants run in alternating blocks of CALLS calls, ALTERNATIONS times
// over; per block we take the process CPU time (user + system) per call, and report, per
// instrumented variant, the median and IQR of (variant - bare) over the alternations, and that
// difference as a share of the bare round trip (CPU and wall time). Every block ends with a span
// flush and a metric collection, so deferred work (batch export, observable counters) is inside the
// measured CPU. A real NodeTracerProvider (BatchSpanProcessor, no-op exporter, the distro's context
// manager) and MeterProvider (periodic reader, no-op exporter, tokenmeter's histogram producer) are
// registered, as the distro does. Peers (@opentelemetry/instrumentation-openai 0.20,
// @traceloop/instrumentation-openai) support openai < 7, so they are compared on `openai6`, and
// tokenmeter is measured on that version too.
//
// Streaming: throughput of a ~100 MB SSE stream read through fetch (bare vs instrumented,
// alternating), time to first byte of small streams, and the heap during a 100 MB stream.
//
// Run: npx tsx --expose-gc bench/instrumentation-micro.bench.ts (after `npm run build`), or
// `npm run bench -- instrumentation-micro`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  createHistogramStore,
  LazyAsyncLocalStorageContextManager,
  TokenmeterHistogramProducer,
  TokenmeterInstrumentation,
} from '@tokenmeter/node';
import { nullMetricExporter, nullSpanExporter } from './lib/null-exporters.js';
import { machine, stats, writeSection } from './lib/results.js';
import { PIN, startMock } from './lib/user-level.js';

const require = createRequire(import.meta.url);

const ALTERNATIONS = Number(process.env.BENCH_ALTERNATIONS ?? 40);
const CALLS = Number(process.env.BENCH_CALLS ?? 200);

const STREAM_BYTES = Number(process.env.BENCH_STREAM_BYTES ?? 100e6);
const STREAM_RUNS = Number(process.env.BENCH_STREAM_RUNS ?? 10);
const TTFB_RUNS = Number(process.env.BENCH_TTFB_RUNS ?? 200);
const TTFB_SLOW_RUNS = Number(process.env.BENCH_TTFB_SLOW_RUNS ?? 30);

// The mock provider, in its own process. On Linux with taskset and 2+ CPUs, this process runs on
// CPU 0 and the mock on CPU 1, so that the two never compete for a core (the figures are then much
// less noisy).
if (PIN) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);

// ---------------------------------------------------------------------------------------------
// OpenTelemetry SDK as the distro sets it up, with exporters that do nothing.

const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(nullSpanExporter)] });
// The distro's context manager. In a peer's process, its context.with calls switch AsyncLocalStorage
// on for that whole process, bare blocks included, so both sides pay Node 20's promise hooks alike;
// what that costs an app is measured apart (bench/context-manager.bench.ts).
tracerProvider.register({ contextManager: new LazyAsyncLocalStorageContextManager() });
// As the distro: tokenmeter's call histograms are read from its own store by a MetricProducer.
const histograms = createHistogramStore();
let recorder: { flush(): void } = { flush() {} };
const producer = new TokenmeterHistogramProducer(histograms, { flush: () => recorder.flush() });
const reader = new PeriodicExportingMetricReader({
  exporter: nullMetricExporter,
  exportIntervalMillis: 60_000,
  metricProducers: [producer],
});
producer.bind(reader);
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);

async function flushTelemetry(): Promise<void> {
  await tracerProvider.forceFlush();
  await reader.forceFlush();
}

// ---------------------------------------------------------------------------------------------
// Clients.

type AnyClient = { chat: { completions: { create(body: unknown): Promise<unknown> } } };

/** A fresh copy of a CommonJS package (its own classes, so one peer's patch does not touch the others). */
function freshRequire<T>(id: string): T {
  const resolved = require.resolve(id);
  const dir = resolved.slice(0, resolved.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const pkg = resolved.slice(dir.length).split('/')[0]!;
  for (const key of Object.keys(require.cache))
    if (key.startsWith(`${dir}${pkg}/`)) delete require.cache[key];
  return require(id) as T;
}

const originalFetch = globalThis.fetch;

/**
 * The comparison groups. Each runs in a child process of its own (bench `BENCH_GROUP`), so that no
 * instrumentation changes the process another is measured in (a peer's `context.with` turns on
 * Node 20's promise hooks for everything, several SDK copies share undici's code paths). Inside a
 * group, bare and instrumented blocks alternate.
 */
const GROUPS = ['tokenmeter-openai7', 'tokenmeter-openai6', 'contrib', 'traceloop'] as const;
type Group = (typeof GROUPS)[number];

let tokenmeter: TokenmeterInstrumentation | undefined;
let tokenmeterUnsampled: TokenmeterInstrumentation | undefined;

/** tokenmeter as the distro sets it up: its histograms read from its store by the producer. */
function startTokenmeter(): TokenmeterInstrumentation {
  const tm = new TokenmeterInstrumentation({ instrumentGlobalFetch: false });
  recorder = tm.runtime.metrics;
  tm.runtime.metrics.useHistogramStore(histograms, meterProvider);
  return tm;
}

interface Variant {
  name: string;
  client: AnyClient;
  /** The bare variant this one is compared with. */
  base?: string;
}

type ClientClass = new (options: {
  baseURL: string;
  apiKey: string;
  maxRetries: number;
  fetch: typeof fetch;
}) => unknown;

/**
 * Loads what `group` needs (a bare client copy first, then the instrumentation and the copy it
 * patches) and returns the builder of its variants on a transport (the fetch every client ends in:
 * the real fetch to the loopback mock, or an in-process one that answers without a network).
 */
function setupGroup(group: Group): (openaiBaseURL: string, transport: typeof fetch) => Variant[] {
  const v7 = group === 'tokenmeter-openai7';
  const sdk = v7 ? 'openai' : 'openai6';
  const label = v7 ? 'openai 7' : 'openai 6';
  const Bare = freshRequire<{ OpenAI: ClientClass }>(sdk).OpenAI;
  let Instrumented: ClientClass;
  let name: string;
  if (group === 'contrib') {
    const mod = freshRequire<{ OpenAI: ClientClass }>('openai6');
    const { OpenAIInstrumentation } =
      require('@opentelemetry/instrumentation-openai') as typeof import('@opentelemetry/instrumentation-openai');
    const contrib = new OpenAIInstrumentation();
    contrib.setMeterProvider(meterProvider);
    for (const d of contrib.getModuleDefinitions()) d.patch?.(mod as never, '6.49.0');
    Instrumented = mod.OpenAI;
    name = 'openai 6, @opentelemetry/instrumentation-openai 0.20';
  } else if (group === 'traceloop') {
    const mod = freshRequire<{ OpenAI: ClientClass }>('openai6');
    const { OpenAIInstrumentation } =
      require('@traceloop/instrumentation-openai') as typeof import('@traceloop/instrumentation-openai');
    new OpenAIInstrumentation().manuallyInstrument(mod.OpenAI as never);
    Instrumented = mod.OpenAI;
    name = 'openai 6, @traceloop/instrumentation-openai 0.27';
  } else {
    // The bare copy was loaded before tokenmeter hooks module loading: TokenmeterInstrumentation
    // patches the copy it sees loaded next (its clients then instrument whatever fetch they are
    // given), as under the preload.
    tokenmeter = startTokenmeter();
    Instrumented = freshRequire<{ OpenAI: ClientClass }>(sdk).OpenAI;
    name = `${label}, tokenmeter`;
    if (v7) {
      // Every span sampled out (OTEL_TRACES_SAMPLER=always_off): the cost metrics, the CallRecord
      // and its price, without the span. Its fetch goes to the bare copy (unpatched).
      tokenmeterUnsampled = new TokenmeterInstrumentation({ instrumentGlobalFetch: false });
      tokenmeterUnsampled.setTracerProvider(new NodeTracerProvider({ sampler: new AlwaysOffSampler() }));
    }
  }
  return (openaiBaseURL, transport) => {
    const options = (fetchImpl: typeof fetch) => ({
      baseURL: openaiBaseURL,
      apiKey: 'x',
      maxRetries: 0,
      fetch: fetchImpl,
    });
    const config = {
      instrumentGlobalFetch: false,
      providers: [{ baseUrl: openaiBaseURL, provider: 'openai' }],
    };
    const bare = `${label}, bare`;
    const client = (C: ClientClass, f: typeof fetch) => new C(options(f)) as AnyClient;
    const variants: Variant[] = [{ name: bare, client: client(Bare, transport) }];
    if (tokenmeter) {
      tokenmeter.setConfig(config);
      variants.push({
        name,
        client: client(Instrumented, tokenmeter.instrumentFetch(transport)),
        base: bare,
      });
    } else {
      variants.push({ name, client: client(Instrumented, transport), base: bare });
    }
    if (tokenmeterUnsampled) {
      tokenmeterUnsampled.setConfig(config);
      variants.push({
        name: `${label}, tokenmeter, spans sampled out (cost metrics only)`,
        client: client(Bare, tokenmeterUnsampled.instrumentFetch(transport)),
        base: bare,
      });
    }
    return variants;
  };
}

/**
 * A fetch that answers every call in-process with the mock's chat completion, so a block measures
 * the SDK and the instrumentation only: the loopback round trip's own noise (tens of µs per call on
 * this machine) is larger than the instrumentation's cost and would hide it.
 */
async function inProcessTransport(url: string): Promise<typeof fetch> {
  const sample = await originalFetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BODY),
  });
  const body = await sample.text();
  const headers = [...sample.headers];
  return (async () => new Response(body, { status: 200, headers })) as typeof fetch;
}

const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

type GcFn = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
const gc = (globalThis as { gc?: GcFn }).gc;

async function block(v: Variant, n: number): Promise<{ cpuUs: number; wallUs: number }> {
  // Each block pays for its own garbage: young garbage left by the previous block is collected
  // before the clock starts, and this block's own after its calls, inside the measurement.
  gc?.({ type: 'minor' });
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < n; i++) await v.client.chat.completions.create(BODY);
  await flushTelemetry();
  gc?.({ type: 'minor' });
  const c = process.cpuUsage(c0);
  return { cpuUs: (c.user + c.system) / n, wallUs: ((performance.now() - w0) * 1000) / n };
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

interface Measured {
  cpu: Map<string, number[]>;
  wall: Map<string, number[]>;
  variants: { name: string; base?: string }[];
}

async function measure(variants: Variant[]): Promise<Measured> {
  // Warm up every variant (JIT, connection pools, the async hooks any context.with turns on).
  for (let i = 0; i < 10; i++) for (const v of variants) await block(v, 300);
  const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const wall = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let a = 0; a < ALTERNATIONS; a++) {
    // Rotate the order each alternation so no variant always follows the same one.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + a) % variants.length]!;
      const r = await block(v, CALLS);
      cpu.get(v.name)!.push(r.cpuUs);
      wall.get(v.name)!.push(r.wallUs);
    }
  }
  return { cpu, wall, variants };
}

/** Per-alternation differences (variant - its bare base), as median and IQR. */
function added(m: Measured, v: { name: string; base?: string }, of: 'cpu' | 'wall' = 'cpu') {
  const series = m[of];
  const base = series.get(v.base!)!;
  return stats(series.get(v.name)!.map((x, i) => x - base[i]!));
}

interface GroupResult {
  inProcess: Measured;
  loopback: Measured;
}

/** In a child process: one group, both transports; the result as JSON on stdout. */
async function runGroup(group: Group, url: string): Promise<void> {
  const baseURL = `${url}/v1`;
  const build = setupGroup(group);
  const inProcess = await measure(build(baseURL, await inProcessTransport(url)));
  const loopback = await measure(build(baseURL, originalFetch));
  const plain = (m: Measured) => ({
    cpu: Object.fromEntries(m.cpu),
    wall: Object.fromEntries(m.wall),
    variants: m.variants.map((v) => ({ name: v.name, base: v.base })),
  });
  process.stdout.write(`${JSON.stringify({ inProcess: plain(inProcess), loopback: plain(loopback) })}\n`);
}

function groupInChild(group: Group, url: string): GroupResult {
  const self = new URL(import.meta.url).pathname;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', self], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_GROUP: group, BENCH_MOCK_URL: url },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`group ${group} failed: ${out.stderr}`);
  const line = out.stdout.trim().split('\n').at(-1)!;
  const parsed = JSON.parse(line) as Record<
    'inProcess' | 'loopback',
    {
      cpu: Record<string, number[]>;
      wall: Record<string, number[]>;
      variants: { name: string; base?: string }[];
    }
  >;
  const back = (m: (typeof parsed)['inProcess']): Measured => ({
    cpu: new Map(Object.entries(m.cpu)),
    wall: new Map(Object.entries(m.wall)),
    variants: m.variants,
  });
  return { inProcess: back(parsed.inProcess), loopback: back(parsed.loopback) };
}

async function nonStreaming(url: string): Promise<string> {
  const only = process.env.BENCH_GROUPS?.split(',') as Group[] | undefined;
  const rows: string[] = [];
  const goals: string[] = [];
  for (const group of only ?? GROUPS) {
    const { inProcess, loopback } = groupInChild(group, url);
    for (const v of inProcess.variants) {
      const s = stats(inProcess.cpu.get(v.name)!);
      if (v.base === undefined) {
        const rt = stats(loopback.cpu.get(v.name)!).median;
        const rtWall = stats(loopback.wall.get(v.name)!).median;
        rows.push(`| ${group} | ${v.name} | ${fmt(s.median)} | | ${fmt(rt)} / ${fmt(rtWall)} | | |`);
        continue;
      }
      const d = added(inProcess, v);
      const baseRt = stats(loopback.cpu.get(v.base!)!).median;
      const baseRtWall = stats(loopback.wall.get(v.base!)!).median;
      const l = added(loopback, v);
      const lw = added(loopback, v, 'wall');
      if (v.name.endsWith(', tokenmeter'))
        goals.push(
          `${v.name}: ${fmt(d.median)} µs (goal ≤ 25: ${d.median <= 25 ? 'met' : 'not met'}), ${pct(d.median / baseRt)} of the bare loopback round trip's CPU (goal ≤ 3%: ${d.median / baseRt <= 0.03 ? 'met' : 'not met'})`,
        );
      rows.push(
        `| ${group} | ${v.name} | ${fmt(s.median)} | **${fmt(d.median)}** (IQR ${fmt(d.p25)} – ${fmt(d.p75)}) | ${fmt(l.median)} (IQR ${fmt(l.p25)} – ${fmt(l.p75)}) / ${fmt(lw.median)} | **${pct(d.median / baseRt)}** | ${pct(d.median / baseRtWall)} |`,
      );
    }
  }
  return [
    `Non-streaming chat completion through the openai SDK. Each group runs in a process of its own (no instrumentation is loaded in another's process), pinned to one CPU with the mock on the other${PIN ? '' : ' (no taskset here: not pinned)'}; inside it, bare and instrumented blocks of ${CALLS} sequential calls alternate, ${ALTERNATIONS} times, the order rotating. Two transports in each process: an in-process fetch that returns the mock's response (no network: the instrumentation's own cost, free of loopback noise), and the real fetch to the mock. Every block ends with a span flush and a metric collection, so deferred work is inside the measured CPU. Peers support openai < 7 only, so they are compared on openai 6, and tokenmeter is measured there too. Not in these figures: on Node 20, a peer's first \`context.with\` switches on promise hooks for the whole process, bare calls included (+8 µs per SDK call, bench/context-manager); the distro avoids it.`,
    '',
    '| process | variant | CPU µs/call, in-process | added CPU µs/call, in-process, median (IQR) | loopback: CPU µs/call (bare) or added CPU µs/call (IQR) / added wall µs | added CPU / bare loopback CPU | added CPU / bare loopback wall |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Goals: ${goals.join('; ')}.`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Streaming.

async function readStream(
  fetchImpl: typeof fetch,
  url: string,
  bytes: number,
  onChunk?: (bytes: number) => void,
  latencyMs = 0,
  askUsage = false,
) {
  const t0 = performance.now();
  const res = await fetchImpl(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-mock-stream-bytes': String(bytes),
      'x-mock-latency-ms': String(latencyMs),
    },
    body: JSON.stringify({
      ...BODY,
      stream: true,
      ...(askUsage ? { stream_options: { include_usage: true } } : {}),
    }),
  });
  const reader = res.body!.getReader();
  let first = 0;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (first === 0) first = performance.now() - t0;
    total += value.byteLength;
    onChunk?.(value.byteLength);
  }
  return { ms: performance.now() - t0, firstMs: first, bytes: total };
}

async function streaming(url: string): Promise<string> {
  // The mock is on loopback: declared as OpenAI (else it is an unknown OpenAI-compatible server,
  // whose streams get no include_usage added, hence nothing to strip).
  tokenmeter ??= startTokenmeter();
  tokenmeter.setConfig({
    instrumentGlobalFetch: false,
    providers: [{ baseUrl: `${url}/v1`, provider: 'openai' }],
  });
  const tmFetch = tokenmeter.instrumentFetch(originalFetch);
  await readStream(originalFetch, url, 5e6);
  await readStream(tmFetch, url, 5e6);
  /** MB/s of large streams, bare and instrumented in alternation: medians and their ratio. */
  /**
   * MB/s and CPU ms per MB of large streams, bare and instrumented in pairs (the order alternating
   * from pair to pair): medians, and the median and IQR of the per-pair throughput ratios.
   */
  const throughputOf = async (askUsage: boolean) => {
    const rates: Record<'bare' | 'tm', number[]> = { bare: [], tm: [] };
    const cpu: Record<'bare' | 'tm', number[]> = { bare: [], tm: [] };
    const ratios: number[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) {
      const pair: ['bare' | 'tm', typeof fetch][] = [
        ['bare', originalFetch],
        ['tm', tmFetch],
      ];
      if (i % 2 === 1) pair.reverse();
      const rate: Partial<Record<'bare' | 'tm', number>> = {};
      for (const [k, f] of pair) {
        const c0 = process.cpuUsage();
        const r = await readStream(f, url, STREAM_BYTES, undefined, 0, askUsage);
        const c = process.cpuUsage(c0);
        rate[k] = r.bytes / 1e6 / (r.ms / 1000);
        rates[k].push(rate[k]);
        cpu[k].push((c.user + c.system) / 1000 / (r.bytes / 1e6));
      }
      ratios.push(rate.tm! / rate.bare!);
    }
    return {
      bare: stats(rates.bare).median,
      tm: stats(rates.tm).median,
      ratio: stats(ratios),
      cpuBare: stats(cpu.bare).median,
      cpuTm: stats(cpu.tm).median,
    };
  };
  const injected = await throughputOf(false);
  // The same when the caller asked for usage itself: nothing to rewrite, the tap only observes.
  const asked = await throughputOf(true);

  const ttfb: Record<'bare' | 'tm', number[]> = { bare: [], tm: [] };
  for (let i = 0; i < TTFB_RUNS; i++) {
    ttfb.bare.push((await readStream(originalFetch, url, 2000)).firstMs);
    ttfb.tm.push((await readStream(tmFetch, url, 2000)).firstMs);
  }
  const tb = stats(ttfb.bare).median;
  const tt = stats(ttfb.tm).median;
  // The same with a provider-like 200 ms before the first byte.
  const slow: Record<'bare' | 'tm', number[]> = { bare: [], tm: [] };
  for (let i = 0; i < TTFB_SLOW_RUNS; i++) {
    slow.bare.push((await readStream(originalFetch, url, 2000, undefined, 200)).firstMs);
    slow.tm.push((await readStream(tmFetch, url, 2000, undefined, 200)).firstMs);
  }
  const sb = stats(slow.bare).median;
  const st = stats(slow.tm).median;

  // What a stream makes the process retain: the heap and the ArrayBuffers (body bytes live outside
  // the V8 heap) after a collection, sampled every 5 MB, less the same before the stream.
  const retained = () => {
    gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const heap = async (f: typeof fetch) => {
    const base = retained();
    const samples: number[] = [];
    let bytes = 0;
    let next = 5e6;
    await readStream(f, url, STREAM_BYTES, (chunkBytes) => {
      bytes += chunkBytes;
      if (bytes >= next) {
        next += 5e6;
        samples.push((retained() - base) / 1e6);
      }
    });
    // The median: ArrayBuffers freed by V8's concurrent sweeper can still be counted for a moment
    // after a collection (single samples spike by tens of MB, bare fetch too).
    return stats(samples).median;
  };
  const heapBare = await heap(originalFetch);
  const heapTm = await heap(tmFetch);

  return [
    `Streaming through fetch (body reader), ~${fmt(STREAM_BYTES / 1e6, 0)} MB SSE streams of ~250-byte content deltas (about 400,000 events, where a real completion streams tens to hundreds), ${STREAM_RUNS} pairs; TTFB over ${TTFB_RUNS} (and ${TTFB_SLOW_RUNS} slow) alternating small streams.`,
    '',
    '| measure | bare | tokenmeter | ratio |',
    '|---|---|---|---|',
    `| throughput, MB/s (median), include_usage added and its chunk removed by tokenmeter | ${fmt(injected.bare)} | ${fmt(injected.tm)} | **${pct(injected.ratio.median)}** of bare (pairs: IQR ${pct(injected.ratio.p25)} – ${pct(injected.ratio.p75)}) |`,
    `| throughput, MB/s (median), the caller asked for usage (observed, not rewritten) | ${fmt(asked.bare)} | ${fmt(asked.tm)} | **${pct(asked.ratio.median)}** of bare (pairs: IQR ${pct(asked.ratio.p25)} – ${pct(asked.ratio.p75)}) |`,
    `| CPU of the reading process, ms per MB (median), include_usage added / asked by the caller | ${fmt(injected.cpuBare, 2)} / ${fmt(asked.cpuBare, 2)} | ${fmt(injected.cpuTm, 2)} / ${fmt(asked.cpuTm, 2)} | +${fmt(injected.cpuTm - injected.cpuBare, 2)} / +${fmt(asked.cpuTm - asked.cpuBare, 2)} ms per MB |`,
    `| time to first byte, ms (median, loopback, no latency) | ${fmt(tb, 3)} | ${fmt(tt, 3)} | +${pct(tt / tb - 1)} (${fmt((tt - tb) * 1000, 0)} µs) |`,
    `| time to first byte, ms (median, 200 ms provider latency) | ${fmt(sb, 3)} | ${fmt(st, 3)} | +${pct(st / sb - 1)} (${fmt((st - sb) * 1000, 0)} µs) |`,
    `| memory retained during one stream, MB (heap + ArrayBuffers after GC, every 5 MB, median less the start${gc ? '' : ', no gc: run with --expose-gc'}) | ${fmt(heapBare)} | ${fmt(heapTm)} | |`,
    '',
    `Goals: throughput ≥ 97% of bare (${injected.ratio.median >= 0.97 ? 'met' : 'not met'} with rewriting, ${asked.ratio.median >= 0.97 ? 'met' : 'not met'} without); time to first byte within 1% at a provider-like latency (${st / sb - 1 <= 0.01 ? 'met' : 'not met'}); memory flat over a ${fmt(STREAM_BYTES / 1e6, 0)} MB stream (${heapTm <= 5 ? 'met' : 'not met'}: under 5 MB retained).`,
  ].join('\n');
}

async function main(): Promise<void> {
  const group = process.env.BENCH_GROUP as Group | undefined;
  if (group !== undefined) {
    await runGroup(group, process.env.BENCH_MOCK_URL!);
    process.exit(0);
  }
  const mock = await startMock();
  const url = mock.url;
  try {
    const only = process.env.BENCH_ONLY;
    const a = only === 'stream' ? '' : await nonStreaming(url);
    console.log(a);
    const b = only === 'calls' ? '' : await streaming(url);
    console.log(b);
    if (only === undefined)
      writeSection(
        'instrumentation-micro',
        [
          `### Diagnostic: the instrumentation alone, in-process and through fetch (${machine()})`,
          '',
          'Not what users run (see the user-level overhead above): TokenmeterInstrumentation set up by hand in the benchmark process, with no-op exporters, no store and no Prometheus endpoint. Use it to see what a change to the instrumentation costs.',
          '',
          a,
          '',
          b,
        ].join('\n'),
      );
  } finally {
    mock.close();
    tokenmeter?.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  }
}

await main();
