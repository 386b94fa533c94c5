// Diagnostic (perf-stream): garbage collection per 50-chunk stream in each tokenmeter variant's own
// process against the bare SDK's, on the real path (openai SDK, loopback to the mock): counts and
// time of minor/major collections over a steady-state run, and the heap after. Deterministic enough
// (counts) to compare on a busy machine, unlike per-process CPU timings.
//
// Run: npx tsx bench/diag/perf-stream-gc.ts. Settings: BENCH_NODES=20 BENCH_OPENAI=7
// BENCH_GC_STREAMS=2000 BENCH_GC_WARMUP=300 BENCH_VARIANTS=tokenmeter,tokenmeter-api
// BENCH_GC_ENV=K=V,K=V (settings for the tokenmeter variants only).
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  AppProcess,
  appDir,
  envList,
  envSettings,
  nodeBinary,
  nodeVersion,
  type OpenAIMajor,
  startMock,
  startSink,
  VARIANTS,
  variantEnv,
  variantEnvironment,
} from '../lib/user-level.js';

const NODES = envList('BENCH_NODES', '20').map(Number);
const OPENAI = envList('BENCH_OPENAI', '7').map(Number) as OpenAIMajor[];
const STREAMS = Number(process.env.BENCH_GC_STREAMS ?? 2000);
const WARMUP = Number(process.env.BENCH_GC_WARMUP ?? 300);
const EXTRA = envSettings('BENCH_GC_ENV');
/** BENCH_GC_TRACE=1: each app process also prints V8's per-collection trace (--trace-gc-nvp). */
const TRACE = process.env.BENCH_GC_TRACE === '1' ? ['--trace-gc-nvp'] : [];
const PROBE = join(import.meta.dirname, 'perf-stream-gc-probe.cjs');

interface GcReport {
  gc: Record<string, { count: number; ms: number }>;
  cpuUs: number;
  heapUsed: number;
}

async function main(): Promise<void> {
  const mock = await startMock();
  const sink = await startSink();
  const ve = await variantEnvironment(sink);
  const dir = mkdtempSync(join(os.tmpdir(), 'perf-stream-gc-'));
  const variants = VARIANTS.filter((v) => v.bare || v.tokenmeter).filter((v) => v.name !== 'bare-aa');
  try {
    for (const n of NODES) {
      const node = nodeBinary(n);
      for (const major of OPENAI) {
        console.log(`\nNode ${nodeVersion(node)}, openai ${major}: ${STREAMS} streams after ${WARMUP}`);
        console.log(
          'variant | minor GCs/1k streams | minor ms/1k | major GCs/1k | major ms/1k | heap MB | CPU µs/stream',
        );
        for (const v of variants) {
          if (TRACE.length > 0) console.log(`=== variant ${v.name}`);
          const out = join(dir, `${v.name}-${n}-${major}.json`);
          const proc = new AppProcess(
            { ...v, nodeArgs: [...TRACE, '--require', PROBE, ...v.nodeArgs] },
            node,
            {
              ...variantEnv(v, ve, {
                ...v.env?.(mock.url),
                ...(v.tokenmeter ? EXTRA : {}),
                BENCH_APP_DIR: appDir(major),
                BENCH_MOCK_URL: mock.url,
                BENCH_GC_OUT: out,
              }),
            },
          );
          try {
            for (let done = 0; done < WARMUP; done += 100)
              await proc.request({ cmd: 'block', calls: Math.min(100, WARMUP - done), stream: true });
            await proc.request({ cmd: 'mark' });
            for (let done = 0; done < STREAMS; done += 100)
              await proc.request({ cmd: 'block', calls: Math.min(100, STREAMS - done), stream: true });
          } finally {
            await proc.exit();
          }
          const r = JSON.parse(readFileSync(out, 'utf8')) as GcReport;
          const k = 1000 / STREAMS;
          const g = (kind: string) => r.gc[kind] ?? { count: 0, ms: 0 };
          const majorGc = {
            count: g('major').count + g('incremental').count,
            ms: g('major').ms + g('incremental').ms,
          };
          console.log(
            `${v.name} | ${(g('minor').count * k).toFixed(1)} | ${(g('minor').ms * k).toFixed(1)} | ${(majorGc.count * k).toFixed(2)} | ${(majorGc.ms * k).toFixed(1)} | ${(r.heapUsed / 2 ** 20).toFixed(1)} | ${(r.cpuUs / STREAMS).toFixed(0)}`,
          );
        }
      }
    }
  } finally {
    mock.close();
    await sink.close();
  }
}

await main();
