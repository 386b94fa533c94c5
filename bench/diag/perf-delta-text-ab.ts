// In-process A/B of the OpenAI stream observer alone (no tap, no reads): the mock's 50-event chat
// completion cut one event per chunk, observed with the output text kept (a loopback server: counted
// locally), the text taken at the end. This tree's observer against a git ref's (default main), in
// alternating blocks. Run: npx tsx bench/diag/perf-delta-text-ab.ts [ref] [alternations] [streams per block]
import { join } from 'node:path';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from '../lib/ab.js';
import { alternateBeforeAfter, printAlternation } from '../lib/alternate.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const STREAMS = Number(process.argv[4] ?? 1000);

type Mod = {
  sse: typeof import('../../packages/instrumentation/src/fetch/openai-sse.js');
  util: typeof import('../../packages/instrumentation/src/adapters/util.js');
};
const load = async (dir: string): Promise<Mod> => ({
  sse: await import(join(dir, 'src/fetch/openai-sse.ts')),
  util: await import(join(dir, 'src/adapters/util.ts')),
});

await withSourceAt(ref, 'delta-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

async function run(before: Mod, after: Mod): Promise<void> {
  const chunks = oneEventPerChunk((await mockStreamBodies()).plain);
  let sink = 0;
  const one = (m: Mod) => {
    const capture = new m.util.TextCapture(100_000);
    let events = 0;
    const o = new m.sse.OpenAIStreamObserver(
      () => {
        events++;
      },
      (text: string, n = 1) => {
        events += n;
        capture.add(text);
      },
    );
    for (const c of chunks) o.push(c);
    (o as { flush?: () => void }).flush?.();
    o.end();
    sink += capture.snapshot().text.length + events;
  };
  const per = alternateBeforeAfter(before, after, ALTERNATIONS, STREAMS, one);
  printAlternation(
    per,
    ['before', 'after'],
    'µs/stream',
    2,
    `observer, one event per chunk, text kept; ${ALTERNATIONS} alternations of ${STREAMS} (${sink > 0 ? 'ok' : ''}, ${process.version})`,
  );
}
