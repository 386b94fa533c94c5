// An in-process A/B diagnostic (not a headline figure, no assertions): the local token count at the
// end of a stream tokenmeter counts itself (estimateUsage with the tokenizer loaded), this tree's
// against that of a git ref (default `main`), in alternating blocks in one process. Each count is a
// 50-chunk stream's: the request `Say hello` and a 48-word reply kept as the stream parser keeps it
// (one string per delta, joined). Between two counts the app's other work is stood in for by
// reading 8 MB (what a stream's SDK, undici and web-stream work leave in the CPU caches), the same on
// both sides; only the counts themselves are timed (CPU, process.cpuUsage around them).
// BENCH_AB_TEXT=mock (default): the mock provider's reply, the same words each time (the headline's
// streams); =prose: each reply the next 48 words of this repo's READMEs (varied words, as real
// replies).
// BENCH_AB_WHOLE=1 times the whole estimate as a call makes it instead of the counts alone: a side
// whose module has estimateUsageNow counts at once (canEstimateNow, then estimateUsageNow, as a call
// ended in a batch does), else awaits estimateUsage (as every call did before).
// Run: npx tsx bench/estimate-ab.ts [git-ref] [alternations] [counts per block]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reply } from '../packages/mock-provider/src/usage.js';
import { INSTRUMENTATION, withSourceAt } from './lib/ab.js';
import { printAlternation } from './lib/alternate.js';
import { ROOT } from './lib/user-level.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 30);
const COUNTS = Number(process.argv[4] ?? 200);
const TEXT = process.env.BENCH_AB_TEXT === 'prose' ? 'prose' : 'mock';
const WHOLE = process.env.BENCH_AB_WHOLE === '1';

type Estimate = Pick<
  typeof import('../packages/instrumentation/src/estimate/index.js'),
  'estimateUsage' | 'loadTokenCounter'
>;
/** What this tree's module adds (a ref's may not have it). */
type NowEstimate = Pick<
  typeof import('../packages/instrumentation/src/estimate/index.js'),
  'estimateUsageNow' | 'canEstimateNow'
>;

const load = (dir: string): Promise<Estimate> => import(join(dir, 'src/estimate/index.ts'));

await withSourceAt(ref, 'estimate-ab', async (dir) => run(await load(dir), await load(INSTRUMENTATION)));

function replies(): string[][] {
  if (TEXT === 'mock') {
    const reply = new Reply('Say hello', 48);
    return [Array.from({ length: 48 }, (_, i) => reply.delta(i))];
  }
  const words = [
    'README.md',
    'packages/instrumentation/README.md',
    'packages/node/README.md',
    'packages/cli/README.md',
  ]
    .map((f) => readFileSync(join(ROOT, f), 'utf8'))
    .join(' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const out: string[][] = [];
  for (let at = 0; at + 48 <= words.length; at += 48)
    out.push(words.slice(at, at + 48).map((w, i) => (i === 0 ? w : ` ${w}`)));
  return out;
}

async function run(before: Estimate, after: Estimate): Promise<void> {
  const texts = replies();
  const counters = {
    before: (await before.loadTokenCounter('o200k_base'))!,
    after: (await after.loadTokenCounter('o200k_base'))!,
  };
  const polluter = new Uint8Array(8 * 1024 * 1024);
  const tokens = { before: 0, after: 0 };
  let next = 0;
  const requestBody = {
    model: 'gpt-4o-mini',
    stream: true,
    messages: [{ role: 'user', content: 'Say hello' }],
  };
  const sides = { before, after };
  const block = async (side: 'before' | 'after'): Promise<number> => {
    const count = counters[side];
    const estimate = sides[side] as Estimate & Partial<NowEstimate>;
    let cpu = 0;
    for (let i = 0; i < COUNTS; i++) {
      for (let b = 0; b < polluter.length; b += 64) polluter[b]! ^= 1;
      // The captured text as the parser builds it: one string per delta, joined at the end.
      let text = '';
      for (const d of texts[next++ % texts.length]!) text += d;
      const c0 = process.cpuUsage();
      if (!WHOLE) {
        // What estimateUsage counts for the call: the message's role and text, then the reply.
        tokens[side] += count('user') + count('Say hello') + count(text);
      } else {
        const input = {
          provider: 'openai',
          model: 'gpt-4o-mini-2024-07-18',
          api: 'openai.chat' as const,
          requestBody,
          outputText: text,
        };
        const usage =
          estimate.estimateUsageNow !== undefined && estimate.canEstimateNow!(input.model)
            ? estimate.estimateUsageNow(input)!.usage
            : (await estimate.estimateUsage(input)).usage;
        tokens[side] += usage.inputTokens + usage.outputTokens;
      }
      const c = process.cpuUsage(c0);
      cpu += c.user + c.system;
    }
    return cpu / COUNTS;
  };
  const per = { before: [] as number[], after: [] as number[] };
  for (let r = -3; r < ALTERNATIONS; r++) {
    const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const side of order) {
      const x = await block(side);
      if (r >= 0) per[side].push(x);
    }
  }
  printAlternation(
    per,
    ['before', 'after'],
    WHOLE ? 'µs/estimate' : 'µs/count',
    2,
    `${ALTERNATIONS} alternations of ${COUNTS} (${ref} as before, ${WHOLE ? 'whole estimate' : 'counts'}, text ${TEXT}, ${texts.length} replies; tokens counted, before ${tokens.before}, after ${tokens.after})`,
  );
}
