// In-process A/B of the OpenAI stream observer alone (no tap, no reads): the mock's 50-event chat
// completion cut one event per chunk, observed with the output text kept (a loopback server: counted
// locally), the text taken at the end. This tree's observer against a git ref's (default main), in
// alternating blocks. Run: npx tsx bench/diag/perf-delta-text-ab.ts [ref] [alternations] [streams per block]
import { join } from 'node:path';
import { INSTRUMENTATION, mockStreamBodies, oneEventPerChunk, withSourceAt } from '../lib/ab.js';
import { stats } from '../lib/results.js';

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
  const cpu = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  const block = (m: Mod) => {
    const c0 = cpu();
    for (let i = 0; i < STREAMS; i++) one(m);
    return (cpu() - c0) / STREAMS;
  };
  for (let w = 0; w < 3; w++) {
    block(before);
    block(after);
  }
  const b: number[] = [];
  const a: number[] = [];
  for (let r = 0; r < ALTERNATIONS; r++) {
    if (r % 2 === 0) {
      b.push(block(before));
      a.push(block(after));
    } else {
      a.push(block(after));
      b.push(block(before));
    }
  }
  const d = stats(a.map((x, i) => x - b[i]!));
  const f = (x: number) => x.toFixed(2);
  console.log(
    `observer, one event per chunk, text kept: before ${f(stats(b).median)}, after ${f(stats(a).median)} µs/stream; after − before ${f(d.median)} (IQR ${f(d.p25)} … ${f(d.p75)}), ${ALTERNATIONS} alternations of ${STREAMS} (${sink > 0 ? 'ok' : ''})`,
  );
}
