// An in-process A/B diagnostic (not a headline figure, no assertions): the OpenAI byte observer
// (OpenAIStreamObserver: the per-event byte scan, and each plain content delta's text found by byte
// search, as for a stream counted locally) of this tree against that of a git ref (default `main`),
// in alternating blocks in one process, on the mock provider's 50-chunk stream cut one event per
// body chunk (`event`, Node 26's loopback and a remote server) or in one chunk (`whole`, Node 20/24's
// loopback). Between two streams 8 MB are read (the app's other work, as bench/estimate-ab.ts), the
// same on both sides; only the observer's pushes are timed. Both sides must hand on the same events
// and text (checked).
// Run: npx tsx bench/observer-ab.ts [git-ref] [alternations] [streams per block]
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from './lib/ab.js';
import { alternate, printAlternation } from './lib/alternate.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const STREAMS = Number(process.argv[4] ?? 200);

type Sse = typeof import('../packages/instrumentation/src/fetch/openai-sse.js');
const load = (dir: string): Promise<Sse> => import(join(dir, 'src/fetch/openai-sse.ts'));

await withSourceAt(ref, 'observer-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

async function run(before: Sse, after: Sse): Promise<void> {
  const bodies = await mockStreamBodies();
  const polluter = new Uint8Array(8 * 1024 * 1024);
  for (const cut of ['event', 'whole'] as const) {
    const chunks = cut === 'event' ? oneEventPerChunk(bodies.plain) : [bodies.plain];
    const seen: Record<string, unknown> = {};
    const block = (sse: Sse, side: string): number => {
      let cpu = 0;
      for (let s = 0; s < STREAMS; s++) {
        for (let b = 0; b < polluter.length; b += 64) polluter[b]! ^= 1;
        const events: string[] = [];
        const texts: string[] = [];
        const c0 = process.cpuUsage();
        const observer = new sse.OpenAIStreamObserver(
          (data) => {
            events.push(data);
          },
          (text) => {
            texts.push(text);
          },
        );
        for (const chunk of chunks) observer.push(chunk);
        observer.end();
        const d = process.cpuUsage(c0);
        cpu += d.user + d.system;
        seen[side] = { events, texts };
      }
      return cpu / STREAMS;
    };
    const per = alternate(
      ['before', 'after'] as const,
      ALTERNATIONS,
      3,
      () => (side) => block(side === 'before' ? before : after, side),
    );
    if (!isDeepStrictEqual(seen.before, seen.after)) throw new Error(`${cut}: the two sides differ`);
    printAlternation(
      per,
      ['before', 'after'],
      'µs/stream',
      2,
      `${cut}, ${ALTERNATIONS} alternations of ${STREAMS} streams (${ref} as before)`,
    );
  }
}
