// An in-process A/B diagnostic (not a headline figure, no assertions): the OpenAI Chat Completions
// stream parser of this tree against that of a git ref (default `main`), in alternating blocks in one
// process, fed a 50-chunk stream of the mock provider the way the byte observer feeds it: the events
// it decodes (the first, the finish event, the usage event when usage was asked for, `[DONE]`) as
// text, each plain content delta's text through onOutputText (case `estimate`: a loopback server,
// the output kept for local counting) or not at all (case `usage`: include_usage, nothing kept).
// Between two streams the app's other work is stood in for by reading 8 MB (as bench/estimate-ab.ts),
// the same on both sides; only the parser (made, fed, its result and output text taken) is timed.
// Both sides must give the same result for every stream (checked).
// Run: npx tsx bench/parser-ab.ts [git-ref] [alternations] [streams per block]

import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { INSTRUMENTATION, mockStreamBodies, withSourceAt } from './lib/ab.js';
import { alternate, printAlternation } from './lib/alternate.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const STREAMS = Number(process.argv[4] ?? 200);

type Adapters = typeof import('../packages/instrumentation/src/adapters/index.js');
const load = (dir: string): Promise<Adapters> => import(join(dir, 'src/adapters/index.ts'));

await withSourceAt(ref, 'parser-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

/** The events of an SSE body: each `data:` line's text. */
function events(body: Uint8Array): string[] {
  return new TextDecoder()
    .decode(body)
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
}

/** A plain content delta's text (what the byte observer hands onOutputText), else undefined. */
function plainText(data: string): string | undefined {
  const m =
    /"delta":\{"content":"([^"\\]*)"\},"logprobs":null,"finish_reason":null\}\](,"usage":null)?\}$/.exec(
      data,
    );
  return m?.[1];
}

async function run(before: Adapters, after: Adapters): Promise<void> {
  const bodies = await mockStreamBodies();
  const cases = [
    { name: 'estimate', events: events(bodies.plain), capture: true },
    { name: 'usage', events: events(bodies.withUsage), capture: false },
  ];
  const polluter = new Uint8Array(8 * 1024 * 1024);
  for (const c of cases) {
    const feed = c.events.map((data, i) => ({ data, text: i === 0 ? undefined : plainText(data) }));
    const info = before.recognizeRequest({
      url: new URL('http://127.0.0.1:9/v1/chat/completions'),
      method: 'POST',
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello' }] },
    })!;
    const results: Record<string, unknown> = {};
    const stream = (a: Adapters, side: string): number => {
      let cpu = 0;
      for (let s = 0; s < STREAMS; s++) {
        for (let b = 0; b < polluter.length; b += 64) polluter[b]! ^= 1;
        const c0 = process.cpuUsage();
        const parser = a.createStreamParser(info, c.capture ? { captureOutputText: true } : undefined);
        for (const e of feed) {
          if (e.text === undefined) parser.onEvent(e.data);
          else if (c.capture) parser.onOutputText!(e.text);
        }
        const out = { result: parser.result(), text: parser.outputText?.()?.text };
        const d = process.cpuUsage(c0);
        cpu += d.user + d.system;
        results[side] = out;
      }
      return cpu / STREAMS;
    };
    const per = alternate(['before', 'after'] as const, ALTERNATIONS, 3, () => (side) => {
      const x = stream(side === 'before' ? before : after, side);
      return x;
    });
    if (!isDeepStrictEqual(results.before, results.after))
      throw new Error(`${c.name}: the two sides differ: ${JSON.stringify(results)}`);
    console.log(`${c.name}: ${JSON.stringify(results.after)}`);
    printAlternation(
      per,
      ['before', 'after'],
      'µs/stream',
      2,
      `${c.name}, ${ALTERNATIONS} alternations of ${STREAMS} streams (${ref} as before)`,
    );
  }
}
