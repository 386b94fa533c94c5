// What the distro's SDK costs the rest of the app through context propagation. On Node 20 and 22
// the first AsyncLocalStorage#run turns on promise hooks for the whole process; the stock span
// processor runs one at its first export. The distro's context manager does not, until something
// really propagates a context. Measured on bare openai SDK calls (no instrumentation at all) over
// an in-process transport, in child processes (promise hooks cannot be turned off again): the
// default AsyncLocalStorageContextManager vs tokenmeter's, after a span export in both, alternating.
//
// Run: npm run bench -- context-manager
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { machine, stats, writeSection } from './lib/results.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const MODES = ['none', 'default', 'tokenmeter'] as const;
type Mode = (typeof MODES)[number];

async function child(mode: Mode): Promise<void> {
  const require = createRequire(import.meta.url);
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { LazyAsyncLocalStorageContextManager } = await import('@tokenmeter/node');
  if (mode !== 'none') {
    const provider = new NodeTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor({ export: (_s, done) => done({ code: 0 }), shutdown: async () => {} }),
      ],
    });
    provider.register(
      mode === 'tokenmeter' ? { contextManager: new LazyAsyncLocalStorageContextManager() } : {},
    );
    provider.getTracer('bench').startSpan('warm').end();
    await provider.forceFlush(); // the export's context.with, as after the distro's first export
  }
  const { OpenAI } = require('openai') as typeof import('openai');
  const body = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
  });
  const transport = (async () =>
    new Response(body, { headers: { 'content-type': 'application/json' } })) as typeof fetch;
  const client = new OpenAI({
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'x',
    maxRetries: 0,
    fetch: transport,
  });
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
  for (let i = 0; i < 3000; i++) await client.chat.completions.create(request);
  const c0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await client.chat.completions.create(request);
  const c = process.cpuUsage(c0);
  process.stdout.write(`${(c.user + c.system) / CALLS}\n`);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  const cpu: Record<Mode, number[]> = { none: [], default: [], tokenmeter: [] };
  const pin = spawnSync('taskset', ['-V']).status === 0 ? ['taskset', '-c', '0'] : [];
  for (let r = 0; r < RUNS; r++) {
    for (const mode of MODES) {
      const args = [...pin, process.execPath, '--import', 'tsx', self, mode];
      const out = spawnSync(args[0]!, args.slice(1), {
        encoding: 'utf8',
        env: { ...process.env, BENCH_CHILD: '1' },
      });
      if (out.status !== 0) throw new Error(out.stderr);
      cpu[mode].push(Number(out.stdout.trim()));
    }
  }
  const none = stats(cpu.none).median;
  const row = (mode: Mode, label: string) => {
    const s = stats(cpu[mode]);
    return `| ${label} | ${s.median.toFixed(1)} (IQR ${s.p25.toFixed(1)} – ${s.p75.toFixed(1)}) | ${mode === 'none' ? '' : `${signed(s.median - none)} (${signed(((s.median - none) / none) * 100)}%)`} |`;
  };
  const text = [
    `### Context propagation: what the SDK costs the rest of the app (${machine()})`,
    '',
    `CPU per bare openai 7 chat completion (no instrumentation; in-process transport), ${CALLS.toLocaleString('en-US')} calls per child process, ${RUNS} alternations, after one span export.`,
    '',
    '| process | CPU µs/call, median | vs no SDK |',
    '|---|---|---|',
    row('none', 'no OpenTelemetry SDK'),
    row('default', 'SDK with the default AsyncLocalStorageContextManager'),
    row('tokenmeter', "SDK with the distro's LazyAsyncLocalStorageContextManager"),
    '',
    'Node 24 runs AsyncLocalStorage on AsyncContextFrame, without promise hooks: there the three are alike.',
  ].join('\n');
  console.log(text);
  writeSection('context-manager', text);
}

if (process.env.BENCH_CHILD) await child(process.argv[2] as Mode);
else main();
