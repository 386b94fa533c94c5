// In-process A/B of the synchronous part of one stream's tap: the stream parser made for the call
// (createStreamParser, as tapStream makes it), the OpenAI byte-level observer or usage stripper over
// the mock's 50-event chat completion cut one event per chunk, the parser's result and output text
// at the end. No reads, no promises (bench/stream-ab.ts has those). This tree against a git ref
// (default main), in alternating blocks. BENCH_AB_CASE=estimate (a loopback server: the output text
// kept for local counting; the default) or inject (api.openai.com: include_usage added and cut);
// BENCH_AB_OBFUSCATION=1 ends each chunk with OpenAI's `,"obfuscation":"..."` padding.
// Run: npx tsx bench/diag/perf-stream-parse-ab.ts [ref] [alternations] [streams per block]
import { join } from 'node:path';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from '../lib/ab.js';
import { alternateBeforeAfter, printAlternation } from '../lib/alternate.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const STREAMS = Number(process.argv[4] ?? 1000);
const INJECT = process.env.BENCH_AB_CASE === 'inject';
/** BENCH_AB_OBFUSCATION=1: each chunk ends with `,"obfuscation":"..."`, as api.openai.com sends them by default. */
const OBFUSCATION = process.env.BENCH_AB_OBFUSCATION === '1';

type Mod = {
  sse: typeof import('../../packages/instrumentation/src/fetch/openai-sse.js');
  adapters: typeof import('../../packages/instrumentation/src/adapters/index.js');
};
const load = async (dir: string): Promise<Mod> => ({
  sse: await import(join(dir, 'src/fetch/openai-sse.ts')),
  adapters: await import(join(dir, 'src/adapters/index.ts')),
});

await withSourceAt(ref, 'parse-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

async function run(before: Mod, after: Mod): Promise<void> {
  const bodies = await mockStreamBodies({ obfuscation: OBFUSCATION });
  const source = oneEventPerChunk(INJECT ? bodies.withUsage : bodies.plain);
  const url = INJECT
    ? 'https://api.openai.com/v1/chat/completions'
    : 'http://127.0.0.1:9/v1/chat/completions';
  const request = (m: Mod) =>
    m.adapters.recognizeRequest({
      url: new URL(url),
      method: 'POST',
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello' }] },
    })!;
  const infos = new Map<Mod, ReturnType<typeof request>>([
    [before, request(before)],
    [after, request(after)],
  ]);
  let sink = 0;
  const one = (m: Mod) => {
    const parser = m.adapters.createStreamParser(
      infos.get(m)!,
      INJECT ? undefined : { captureOutputText: true },
      () => {
        throw new Error('parser failure');
      },
    );
    let stopped = false;
    const onEvent = (data: string, event: string | undefined) => {
      if (!stopped && parser.onEvent(data, event)) stopped = true;
    };
    if (INJECT) {
      const s = new m.sse.UsageStripper(onEvent, false);
      // The stripper rewrites chunks in place: each stream reads copies, as a body's chunks are its own.
      for (const c of source) sink += m.sse.pieces(s.push(c.slice())).length;
      s.end();
    } else {
      const onText = parser.onOutputText!;
      const o = new m.sse.OpenAIStreamObserver(onEvent, (text, n) => {
        if (!stopped) onText.call(parser, text, n);
      });
      for (const c of source) if (!stopped) o.push(c);
      o.flush();
    }
    const r = parser.result();
    sink += (r.finishReasons?.length ?? 0) + (parser.outputText?.()?.text.length ?? 0);
  };
  const per = alternateBeforeAfter(before, after, ALTERNATIONS, STREAMS, one);
  printAlternation(
    per,
    ['before', 'after'],
    'µs/stream',
    2,
    `${INJECT ? 'inject' : 'estimate'}${OBFUSCATION ? ' (obfuscation members)' : ''}: parser + observer; ${ALTERNATIONS} alternations of ${STREAMS} (${sink > 0 ? 'ok' : ''}, ${process.version})`,
  );
}
