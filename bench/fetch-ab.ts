// An in-process A/B diagnostic (not a headline figure, no assertions): the instrumented fetch path
// of this tree against that of a git ref (default `main`), in alternating blocks in one process, so
// both sides see the same machine load. Each side is the ref's packages/instrumentation/src
// (extracted beside this one, so it resolves the same packages) with a TokenmeterRuntime of its own,
// wrapping an in-process fetch that answers every chat completion with the mock provider's bytes
// (no socket: the instrumentation's own cost, free of loopback noise), called through the openai 6
// SDK. As the distro: a NodeTracerProvider (with the distro's lazy context manager) with a
// BatchSpanProcessor whose exporter serializes every span to OTLP protobuf with the distro's writer
// (then drops it), a MeterProvider, a CostSpanProcessor (so the coverage registry is on), and an
// onCallRecord sink that queues the record as the store writer does. Every block ends with a span
// flush and a metric collection, so deferred work is inside its CPU.
// Reports the CPU per call of bare, before and after (median over blocks), and per alternation the
// difference after − before (median, IQR).
// Streams (BENCH_AB_MODE=streams): each call is a 50-chunk streamed chat completion read to its end
// through the SDK's async iterator; the transport replays the bytes the mock provider sends for it
// (with the usage chunk when the request asks for include_usage, as tokenmeter's injection does),
// cut one event per body chunk (BENCH_AB_CHUNKING=event, the default: the per-chunk path at its
// worst) or in one body chunk (=whole: what a loopback socket delivers for a 16 kB stream). The
// SDK talks to BENCH_AB_BASE_URL (answered in-process): the default loopback URL is openai_compatible
// (no include_usage injected: the output is counted locally); https://api.openai.com/v1 is OpenAI
// (include_usage injected, its traces cut from the bytes the app reads).
// BENCH_AB_OPENAI=7 uses openai 7 instead of 6.
// Run: npx tsx bench/fetch-ab.ts [git-ref] [alternations] [calls per block]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LazyAsyncLocalStorageContextManager } from '../packages/node/src/index.js';
import { TokenmeterProtobufTraceSerializer } from '../packages/node/src/otlp-trace-protobuf.js';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from './lib/ab.js';
import { nullMetricExporter } from './lib/null-exporters.js';
import { stats } from './lib/results.js';

const ref = process.argv[2] ?? 'main';
const STREAMS = process.env.BENCH_AB_MODE === 'streams';
const CHUNKING = process.env.BENCH_AB_CHUNKING === 'whole' ? 'whole' : 'event';
const BASE_URL = process.env.BENCH_AB_BASE_URL ?? 'http://127.0.0.1:9/v1';
const ALTERNATIONS = Number(process.argv[3] ?? 40);
const CALLS = Number(process.argv[4] ?? 200);

let exportedBytes = 0;
const serializingExporter: SpanExporter = {
  export: (spans, done) => {
    exportedBytes += TokenmeterProtobufTraceSerializer.serializeRequest(spans)?.length ?? 0;
    done({ code: 0 });
  },
  shutdown: async () => {},
};

type Src = {
  fetch: typeof import('../packages/instrumentation/src/fetch/instrument-fetch.js');
  runtime: typeof import('../packages/instrumentation/src/runtime.js');
  processor: typeof import('../packages/instrumentation/src/cost-span-processor.js');
  estimate: typeof import('../packages/instrumentation/src/estimate/index.js');
};

async function load(dir: string): Promise<Src> {
  return {
    fetch: await import(join(dir, 'src/fetch/instrument-fetch.ts')),
    runtime: await import(join(dir, 'src/runtime.ts')),
    processor: await import(join(dir, 'src/cost-span-processor.ts')),
    estimate: await import(join(dir, 'src/estimate/index.ts')),
  };
}

await withSourceAt(ref, 'fetch-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

async function run(before: Src, after: Src): Promise<void> {
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new after.processor.CostSpanProcessor(), new BatchSpanProcessor(serializingExporter)],
  });
  // The distro's context manager: AsyncLocalStorage (and its promise hooks) only once a context
  // other than the exporter's suppression is entered, as in an app under the preload.
  tracerProvider.register({ contextManager: new LazyAsyncLocalStorageContextManager() });
  const reader = new PeriodicExportingMetricReader({
    exporter: nullMetricExporter,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

  // What the mock provider answers to a chat completion, replayed in-process.
  const completion = JSON.stringify({
    id: 'chatcmpl-ab',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    system_fingerprint: 'fp_ab',
  });
  const bytes = new TextEncoder().encode(completion);
  const cut = (body: Uint8Array) => (CHUNKING === 'whole' ? [body] : oneEventPerChunk(body));
  const bodies = STREAMS ? await mockStreamBodies() : undefined;
  const streamed = bodies && { plain: cut(bodies.plain), withUsage: cut(bodies.withUsage) };
  let n = 0;
  // FETCH_AB_MOCK_URL=<mock provider origin>: Node's own fetch over a loopback socket to the mock
  // instead (undici's response path included, as in an app).
  const mockUrl = process.env.FETCH_AB_MOCK_URL;
  const nativeFetch = globalThis.fetch;
  const replay = (async (_url: unknown, init?: RequestInit) => {
    const headers = { 'x-request-id': `req_${n++}` };
    if (streamed === undefined)
      return new Response(bytes.slice(), {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
      });
    const withUsage = typeof init?.body === 'string' && init.body.includes('"include_usage":true');
    const chunks = withUsage ? streamed.withUsage : streamed.plain;
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++]!.slice());
        else controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': 'text/event-stream' } });
  }) as unknown as typeof fetch;

  const queue: unknown[] = [];
  const sides = new Map<string, (typeof globalThis)['fetch']>();
  const transport = mockUrl === undefined ? replay : nativeFetch;
  sides.set('bare', transport);
  for (const [name, src] of [
    ['before', before],
    ['after', after],
  ] as const) {
    // A stream to a loopback server is counted locally: the tokenizer is loaded before the blocks
    // (its import needs turns of the event loop, which a block of in-process calls never gives).
    await src.estimate.loadTokenCounter('o200k_base');
    // A recorder of its own per side (the recorder is shared through a global symbol).
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('tokenmeter.instrumentation.metrics')];
    const runtime = new src.runtime.TokenmeterRuntime({
      onCallRecord: (r) => {
        queue.push(r);
      },
    });
    // As the distro does with its own tracer provider (a tree without the switch ignores it).
    // FETCH_AB_BATCH=0 ends each call on its own in both trees.
    if (process.env.FETCH_AB_BATCH !== '0')
      (runtime as { endCallsInBatches?: boolean }).endCallsInBatches = true;
    sides.set(name, src.fetch.instrumentFetch(transport, runtime));
  }

  const require = createRequire(import.meta.url);
  const { OpenAI } = require(process.env.BENCH_AB_OPENAI === '7' ? 'openai' : 'openai6') as {
    OpenAI: new (o: object) => OpenAIClient;
  };
  type OpenAIClient = { chat: { completions: { create(body: unknown): Promise<unknown> } } };
  const clients = new Map<string, OpenAIClient>();
  for (const [name, f] of sides)
    clients.set(
      name,
      new OpenAI({
        baseURL: mockUrl === undefined ? BASE_URL : `${mockUrl}/v1`,
        apiKey: 'x',
        maxRetries: 0,
        fetch: f,
      }),
    );

  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    ...(STREAMS ? { stream: true } : {}),
  };
  const cpu = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  async function block(client: OpenAIClient, tapped: boolean): Promise<number> {
    const c0 = cpu();
    for (let i = 0; i < CALLS; i++) {
      const r = await client.chat.completions.create(body);
      if (STREAMS) for await (const _ of r as AsyncIterable<unknown>);
    }
    await tracerProvider.forceFlush();
    await reader.forceFlush();
    if (tapped && queue.length !== CALLS) throw new Error(`${queue.length} of ${CALLS} calls recorded`);
    queue.length = 0;
    return (cpu() - c0) / CALLS;
  }

  // BENCH_AB_ONLY=after: run one side only (to profile it: node --cpu-prof --import tsx bench/fetch-ab.ts).
  const only = process.env.BENCH_AB_ONLY;
  const names = [...clients.keys()].filter((x) => only === undefined || x === only);
  for (let w = 0; w < 3; w++) for (const name of names) await block(clients.get(name)!, name !== 'bare');
  const per = new Map<string, number[]>(names.map((x) => [x, []]));
  for (let r = 0; r < ALTERNATIONS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const name of order) per.get(name)!.push(await block(clients.get(name)!, name !== 'bare'));
  }
  const f = (x: number) => x.toFixed(1);
  if (only !== undefined) {
    console.log(`${only}: CPU µs/call ${stats(per.get(only)!).median.toFixed(1)}`);
    return;
  }
  const bare = stats(per.get('bare')!).median;
  for (const name of names) {
    const s = stats(per.get(name)!);
    console.log(
      `${name.padEnd(7)} CPU µs/call ${f(s.median)} (IQR ${f(s.p25)} – ${f(s.p75)})${name === 'bare' ? '' : `, added ${f(s.median - bare)}`}`,
    );
  }
  const diff = stats(per.get('after')!.map((x, i) => x - per.get('before')!.at(i)!));
  console.log(
    `${STREAMS ? `streams (50 chunks, ${CHUNKING === 'event' ? 'one event per body chunk' : 'one body chunk'}, ${BASE_URL}); ` : ''}after − before (${ref}), per alternation: ${f(diff.median)} µs/call (IQR ${f(diff.p25)} – ${f(diff.p75)}); ${ALTERNATIONS} alternations of ${CALLS} calls; OTLP bytes serialized ${exportedBytes}`,
  );
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}
