// An in-process A/B diagnostic of the streamed path alone (not a headline figure, no assertions):
// the body tap (tapStream: the pull-based byte stream, the byte-level observer or decoder, the
// stream parser) of this tree against that of a git ref (default `main`), and the bare body, in
// alternating blocks in one process. Each stream is the mock provider's bytes for a 50-chunk chat
// completion, read to its end through `response.body`'s reader as the openai SDK reads it. The call
// is a stand-in that only takes what the tap hands it (the span, price, metrics and record of the
// call's end are not in these figures: bench/fetch-ab.ts has the whole path).
// Cases: `estimate` (a loopback server: no usage asked, the output text kept for local counting),
// `inject` (api.openai.com: include_usage added by tokenmeter, its traces cut from the bytes),
// `asked` (the app asked for usage itself: observed, bytes untouched); each cut one event per body
// chunk (`event`, how a remote server's tokens arrive) or in one body chunk (`whole`, loopback).
// BENCH_AB_READ=cancel reads each stream as openai 7 does (its chunks, then cancel() instead of
// reading the end); BENCH_AB_READ=iterator as openai 6 does (`for await` over the body to its end). Reports CPU µs per stream: bare, before, after (medians over blocks) and
// after − before per alternation (median, IQR).
// Run: npx tsx bench/stream-ab.ts [git-ref] [alternations] [streams per block]
import { join } from 'node:path';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from './lib/ab.js';
import { stats } from './lib/results.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const STREAMS = Number(process.argv[4] ?? 100);
const ONLY = process.env.BENCH_AB_CASES?.split(',');
const CANCEL = process.env.BENCH_AB_READ === 'cancel';
const ITERATE = process.env.BENCH_AB_READ === 'iterator';

type Src = {
  tap: typeof import('../packages/instrumentation/src/fetch/tap-stream.js');
  adapters: typeof import('../packages/instrumentation/src/adapters/index.js');
};

async function load(dir: string): Promise<Src> {
  return {
    tap: await import(join(dir, 'src/fetch/tap-stream.ts')),
    adapters: await import(join(dir, 'src/adapters/index.ts')),
  };
}

await withSourceAt(ref, 'stream-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

interface Case {
  name: string;
  url: string;
  chunks: Uint8Array[];
  /** The request asked for usage itself. */
  asked: boolean;
  injected: boolean;
  captureText: boolean;
}

async function run(before: Src, after: Src): Promise<void> {
  const bodies = await mockStreamBodies();
  const cases: Case[] = [];
  for (const cut of ['event', 'whole'] as const) {
    const chunks = (b: Uint8Array) => (cut === 'event' ? oneEventPerChunk(b) : [b]);
    cases.push(
      {
        name: `estimate/${cut}`,
        url: 'http://127.0.0.1:9/v1/chat/completions',
        chunks: chunks(bodies.plain),
        asked: false,
        injected: false,
        captureText: true,
      },
      {
        name: `inject/${cut}`,
        url: 'https://api.openai.com/v1/chat/completions',
        chunks: chunks(bodies.withUsage),
        asked: false,
        injected: true,
        captureText: false,
      },
      {
        name: `asked/${cut}`,
        url: 'https://api.openai.com/v1/chat/completions',
        chunks: chunks(bodies.withUsage),
        asked: true,
        injected: false,
        captureText: false,
      },
    );
  }
  const f = (x: number) => x.toFixed(1);
  for (const c of cases) {
    if (ONLY !== undefined && !ONLY.includes(c.name)) continue;
    const sides = { bare: undefined, before, after } as Record<string, Src | undefined>;
    // BENCH_AB_ONLY=after: one side only (to profile it: node --cpu-prof --import tsx bench/stream-ab.ts).
    const only = process.env.BENCH_AB_ONLY;
    const names = Object.keys(sides).filter((n) => only === undefined || n === only);
    if (only !== undefined) {
      for (let r = 0; r < ALTERNATIONS; r++) await block(c, sides[only]);
      continue;
    }
    const per = new Map<string, number[]>(names.map((x) => [x, []]));
    for (let w = 0; w < 3; w++) for (const n of names) await block(c, sides[n]);
    for (let r = 0; r < ALTERNATIONS; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]!);
      for (const n of order) per.get(n)!.push(await block(c, sides[n]));
    }
    const bare = stats(per.get('bare')!).median;
    const line = names.map((n) => {
      const s = stats(per.get(n)!);
      return `${n} ${f(s.median)}${n === 'bare' ? '' : ` (+${f(s.median - bare)})`}`;
    });
    const diff = stats(per.get('after')!.map((x, i) => x - per.get('before')!.at(i)!));
    console.log(
      `${c.name.padEnd(15)} CPU µs/stream: ${line.join(', ')}; after − before ${f(diff.median)} (IQR ${f(diff.p25)} … ${f(diff.p75)})`,
    );
  }
  console.log(`${ALTERNATIONS} alternations of ${STREAMS} streams (${ref} as before)`);
}

function cpu(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function block(c: Case, src: Src | undefined): Promise<number> {
  const c0 = cpu();
  for (let i = 0; i < STREAMS; i++) await oneStream(c, src);
  return (cpu() - c0) / STREAMS;
}

async function oneStream(c: Case, src: Src | undefined): Promise<void> {
  let i = 0;
  const chunks = c.chunks;
  const source = new ReadableStream({
    type: 'bytes',
    pull(controller: ReadableByteStreamController) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!.slice());
      else {
        controller.close();
        controller.byobRequest?.respond(0);
      }
    },
  });
  let response = new Response(source, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  if (src !== undefined) {
    const call = standIn(src, c);
    response = src.tap.tapStream(response, call as never, {
      framing: 'sse',
      injected: c.injected,
      captureText: c.captureText,
    });
    await consume(response.body!, chunks.length);
    if (!call.done) throw new Error('the tap did not end the call');
    return;
  }
  await consume(response.body!, chunks.length);
}

/**
 * Read a body with a reader to its end, or, with BENCH_AB_READ=cancel, its `chunks` chunks and then
 * cancel() without reading the end (openai 7 stops at `data: [DONE]`), or with BENCH_AB_READ=iterator
 * through its async iterator (openai 6).
 */
async function consume(body: ReadableStream<Uint8Array>, chunks: number): Promise<void> {
  if (ITERATE) {
    for await (const _ of body as unknown as AsyncIterable<Uint8Array>);
    return;
  }
  const reader = body.getReader();
  if (CANCEL) {
    for (let i = 0; i < chunks; i++) await reader.read();
    await reader.cancel();
    return;
  }
  while (!(await reader.read()).done);
}

/** What tapStream reads and calls on an LlmCall; its end only takes the result. */
function standIn(src: Src, c: Case) {
  const body = {
    model: 'gpt-4o-mini',
    stream: true,
    ...(c.asked ? { stream_options: { include_usage: true } } : {}),
    messages: [],
  };
  const info = src.adapters.recognizeRequest({ url: new URL(c.url), method: 'POST', body })!;
  const call = {
    info,
    done: false,
    httpStatus: undefined as number | undefined,
    firstChunkAt: undefined as number | undefined,
    result: undefined as unknown,
    runtime: {
      pending: { add() {}, delete() {} },
      internalError(where: string, error: unknown) {
        throw new Error(`internal error in ${where}: ${String(error)}`);
      },
    },
    streamParser: () => undefined,
    finish(result: unknown) {
      if (call.done) return;
      call.done = true;
      call.result = result;
    },
  };
  return call;
}
