// The gateway (`tokenmeter gateway`, built dist, its own process) between a sender (this process)
// and a sink that answers at once (another process):
// - throughput: spans priced and forwarded per second per core of the gateway process (its CPU
//   time from /proc, so the sender's and the sink's work is not counted), OTLP/JSON and protobuf,
//   batches of 512 GenAI spans of five models, 4 requests in flight;
// - added latency per batch: one request at a time, through the gateway against straight to the sink;
// - memory under sustained overload: the sink never answers, 8 senders keep sending; the gateway's
//   RSS is sampled while it answers 429 past --max-queue-spans.
// Run: npm run bench -- gateway (GATEWAY_BENCH_SECONDS=N per phase, default 5).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@tokenmeter/semconv';
import { jsonBody, protobufBody, type SpanSpec } from '../packages/gateway/test/helpers/otlp-json.js';
import { machine, stats, writeSection } from './lib/results.js';

const LOAD_AT_START = os.loadavg()[0]!;
const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const SECONDS = Number(process.env.GATEWAY_BENCH_SECONDS ?? 5);
const BATCH = 512;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (Linux default)

const MODELS: [string, string][] = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4.1'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['openai', 'o4-mini'],
  ['openai', 'gpt-4o-2024-08-06'],
];

function spans(): SpanSpec[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const [system, model] = MODELS[i % MODELS.length]!;
    return {
      name: `chat ${model}`,
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_SYSTEM]: system,
        [ATTR_GEN_AI_REQUEST_MODEL]: model,
        [ATTR_GEN_AI_RESPONSE_ID]: `chatcmpl-${i}`,
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 800 + i,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 120 + (i % 50),
        'http.route': '/v1/chat',
      },
    };
  });
}

function start(
  cmd: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(\d+)\n/.exec(out) ?? /on (http:\/\/\S+),/.exec(out);
      if (m) resolve({ child, line: out });
    });
    child.on('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${out}`)));
  });
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK; // utime + stime
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function send(url: string, body: Uint8Array, type: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': type, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function gateway(forward: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const { child, line } = await start(
    [join(ROOT, 'packages/cli/bin/tokenmeter.mjs'), 'gateway', '--forward', forward, '--port', '0', ...extra],
    { OTEL_METRICS_EXPORTER: 'prometheus', TOKENMETER_STORE: 'off' },
  );
  return { child, url: /on (http:\/\/\S+),/.exec(line)![1]! };
}

async function sink(stall = false): Promise<{ child: ChildProcess; url: string }> {
  const { child, line } = await start(
    [join(ROOT, 'bench/lib/otlp-sink.mjs')],
    stall ? { SINK_STALL: '1' } : {},
  );
  return { child, url: `http://127.0.0.1:${Number.parseInt(line, 10)}` };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function throughput(
  encoding: 'json' | 'protobuf',
  hop: string,
): Promise<{ spansPerCoreSecond: number; spansPerSecond: number }> {
  const gw = await gateway(hop);
  const body = encoding === 'json' ? jsonBody(spans()) : protobufBody(spans());
  const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const url = `${gw.url}/v1/traces`;
  for (let i = 0; i < 50; i++) await send(url, body, type); // warm-up
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = cpuSeconds(gw.child.pid!);
  const t0 = performance.now();
  let accepted = 0;
  const until = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until) if ((await send(url, body, type)) === 200) accepted++;
    }),
  );
  // Let the queue drain to the sink so the forwarding work is counted too.
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = cpuSeconds(gw.child.pid!) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  await stop(gw.child);
  const spansDone = accepted * BATCH;
  return { spansPerCoreSecond: spansDone / cpu, spansPerSecond: spansDone / wall };
}

async function latency(hop: string): Promise<{ direct: number[]; through: number[] }> {
  const gw = await gateway(hop);
  const body = protobufBody(spans());
  const type = 'application/x-protobuf';
  const direct: number[] = [];
  const through: number[] = [];
  for (let i = 0; i < 30; i++) await send(`${gw.url}/v1/traces`, body, type);
  for (let i = 0; i < 200; i++) {
    for (const [target, out] of [
      [`${hop}/v1/traces`, direct],
      [`${gw.url}/v1/traces`, through],
    ] as const) {
      const t = performance.now();
      await send(target, body, type);
      out.push(performance.now() - t);
    }
  }
  await stop(gw.child);
  return { direct, through };
}

async function overload(): Promise<{ peakRss: number; startRss: number; refused: number; accepted: number }> {
  const hop = await sink(true);
  const gw = await gateway(hop.url, ['--max-queue-spans', '20000']);
  const body = protobufBody(spans());
  const url = `${gw.url}/v1/traces`;
  const startRss = rssMb(gw.child.pid!);
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(gw.child.pid!));
  }, 100);
  let refused = 0;
  let accepted = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < until) {
        const s = await send(url, body, 'application/x-protobuf');
        if (s === 429) refused++;
        else if (s === 200) accepted++;
      }
    }),
  );
  clearInterval(sampler);
  gw.child.kill('SIGKILL'); // the sink never answers: no drain to wait for
  hop.child.kill('SIGKILL');
  return { peakRss, startRss, refused, accepted };
}

const hop = await sink();
const json = await throughput('json', hop.url);
const proto = await throughput('protobuf', hop.url);
const lat = await latency(hop.url);
await stop(hop.child);
const over = await overload();
agent.destroy();

const d = stats(lat.direct);
const t = stats(lat.through);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const md = `## Gateway (\`tokenmeter gateway\`)

${machine()}, load average ${LOAD_AT_START.toFixed(1)} when the run began; each phase ran
${SECONDS} s (\`GATEWAY_BENCH_SECONDS=30 npm run bench -- gateway\` gives steadier figures; on a shared
machine read them as an order of magnitude). The gateway runs as its own process (the built CLI);
its CPU is read from /proc, so the sender's and the sink's work is not counted.

| what | OTLP/JSON | OTLP/protobuf |
| --- | --- | --- |
| spans priced and forwarded per second per core of the gateway | ${fmt(json.spansPerCoreSecond)} | ${fmt(proto.spansPerCoreSecond)} |
| spans per second, wall (4 requests in flight, batches of ${BATCH}) | ${fmt(json.spansPerSecond)} | ${fmt(proto.spansPerSecond)} |

Goal: ≥ 50,000 spans per second per core. Every span is a GenAI inference span that gets priced
(five models), the worst case; other spans are only decoded and passed on.

Added latency per batch (${BATCH} spans, protobuf, one request at a time, 200 requests each way,
interleaved): straight to the sink p50 ${d.median.toFixed(2)} ms (IQR ${d.p25.toFixed(2)}–${d.p75.toFixed(2)}),
through the gateway p50 ${t.median.toFixed(2)} ms (IQR ${t.p25.toFixed(2)}–${t.p75.toFixed(2)}): **+${(t.median - d.median).toFixed(2)} ms**
until the sender has its answer (the gateway answers once the batch is priced and queued; delivery
to the next hop follows).

Sustained overload (the next hop never answers; 8 senders for ${SECONDS} s; \`--max-queue-spans 20000\`):
${fmt(over.accepted)} batches accepted (the queue's worth), ${fmt(over.refused)} answered 429 with
Retry-After; gateway RSS ${over.startRss.toFixed(0)} MB at the start, peak ${over.peakRss.toFixed(0)} MB.
Memory is bounded by the queue (spans and bytes), not by the offered load.
`;
writeSection('gateway', md);
console.log(md);
