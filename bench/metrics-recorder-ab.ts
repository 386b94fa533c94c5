// An in-process A/B diagnostic (not a headline figure, no assertions): the metrics recorder
// (packages/instrumentation src/metrics/recorder.ts) of this tree against that of a git ref (default
// `main`), in alternating blocks in one process. Each side records the CallRecords of priced openai
// chat completions (the same labels, the response model a fresh string per call as parsed from a
// response body) into its own MeterProvider with the distro's histogram store, then flushes the
// histogram queue, as a collection does. Checks both sides' counters and histograms agree, then
// reports CPU ns per call, median [p25 … p75] over the blocks, and the difference per alternation.
// Run: npx tsx bench/metrics-recorder-ab.ts [git-ref] [alternations] [calls per block]
import { join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { CallRecord } from '../packages/instrumentation/src/call-record.js';
import { INSTRUMENTATION, withSourceAt } from './lib/ab.js';
import { alternate, printAlternation } from './lib/alternate.js';
import { pricedChatRecord } from './lib/priced-call.js';

const ref = process.argv[2] ?? 'main';
const ALTERNATIONS = Number(process.argv[3] ?? 40);
const CALLS = Number(process.argv[4] ?? 5000);

type RecorderModule = typeof import('../packages/instrumentation/src/metrics/recorder.js');

function side(mod: RecorderModule) {
  const provider = new MeterProvider();
  const recorder = new mod.MetricsRecorder();
  const store = mod.createHistogramStore();
  recorder.setMeterProvider(provider);
  recorder.useHistogramStore(store, provider);
  return { recorder, store };
}

const RESPONSE = '{"model":"gpt-4o-mini-2024-07-18","id":"chatcmpl-1"}';
let seq = 0;
/** One priced call's record, its response model parsed from a body as the adapters do. */
function record(): CallRecord {
  const body = JSON.parse(RESPONSE) as { model: string; id: string };
  return { ...pricedChatRecord(seq++, body.model), responseId: body.id };
}

await withSourceAt(ref, 'metrics-recorder-ab', async (dir) => {
  const sides = {
    before: side(await import(join(dir, 'src/metrics/recorder.ts'))),
    after: side(await import(join(INSTRUMENTATION, 'src/metrics/recorder.ts'))),
  };
  const per = alternate(['before', 'after'], ALTERNATIONS, 3, () => {
    const records = Array.from({ length: CALLS }, record);
    return (name) => {
      const { recorder } = sides[name];
      const c0 = process.cpuUsage();
      for (const r of records) recorder.record(r);
      recorder.flushHistograms();
      const c = process.cpuUsage(c0);
      return ((c.user + c.system) * 1000) / CALLS;
    };
  });
  // Both sides recorded the same calls into the same label sets.
  const summary = (s: (typeof sides)['before']) =>
    JSON.stringify(
      s.store.histograms.map((h) =>
        [...h.cells.values()].map((c) => [c.attributes, c.count, c.sum, c.counts]),
      ),
    );
  if (summary(sides.before) !== summary(sides.after)) throw new Error('the two recorders differ');
  printAlternation(
    per,
    ['before', 'after'],
    'ns/call',
    0,
    `${ALTERNATIONS} alternations of ${CALLS} calls; histograms identical`,
  );
}).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
