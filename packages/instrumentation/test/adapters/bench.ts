// A quick benchmark of the hot paths (not a test, no assertions): SSE decoding throughput, decoding
// plus parsing, the include_usage rewriter, and recognizeRequest on URLs that are not LLM calls.
// Run: npx tsx packages/instrumentation/test/adapters/bench.ts
import { performance } from 'node:perf_hooks';
import {
  createStreamParser,
  InjectedUsageStreamRewriter,
  recognizeRequest,
} from '../../src/adapters/index.js';
import { SseDecoder } from '../../src/sse.js';
import { fixtureBytes, info, splitAt } from './helpers.js';

function repeatBody(name: string, targetBytes: number): Uint8Array {
  const one = fixtureBytes(name);
  const times = Math.ceil(targetBytes / one.length);
  const out = new Uint8Array(one.length * times);
  for (let i = 0; i < times; i++) out.set(one, i * one.length);
  return out;
}

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const cuts: number[] = [];
  for (let i = size; i < bytes.length; i += size) cuts.push(i);
  return splitAt(bytes, cuts);
}

function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1e3)).toFixed(0)} MB/s`;
}

function time(label: string, bytes: number, fn: () => void, rounds = 7): void {
  fn(); // warm up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} ${mbps(bytes, samples[Math.floor(rounds / 2)]!)}`);
}

const chat = info('https://api.openai.com/v1/chat/completions', { model: 'gpt-4o-mini', stream: true });
const messages = info('https://api.anthropic.com/v1/messages', { model: 'claude', stream: true });

for (const [name, req] of [
  ['openai/chat-stream-include-usage.sse', chat],
  ['anthropic/messages-stream.sse', messages],
] as const) {
  const body = repeatBody(name, 32 * 1024 * 1024);
  for (const size of [16384, 1024, 64]) {
    const chunks = chunked(body, size);
    time(`decode ${name} (${size} B chunks)`, body.length, () => {
      const d = new SseDecoder(() => {});
      for (const c of chunks) d.push(c);
      d.end();
    });
  }
  const chunks = chunked(body, 1024);
  time(`decode + parse ${name} (1 KB chunks)`, body.length, () => {
    const parser = createStreamParser(req);
    const d = new SseDecoder((data, event) => {
      parser.onEvent(data, event);
    });
    for (const c of chunks) d.push(c);
    d.end();
  });
  time(`decode + parse + capture text ${name} (1 KB chunks)`, body.length, () => {
    const parser = createStreamParser(req, { captureOutputText: true });
    const d = new SseDecoder((data, event) => {
      parser.onEvent(data, event);
    });
    for (const c of chunks) d.push(c);
    d.end();
  });
  if (name.startsWith('openai')) {
    time(`include_usage rewriter + parse ${name} (1 KB chunks)`, body.length, () => {
      const parser = createStreamParser(req);
      const r = new InjectedUsageStreamRewriter((data, event) => {
        parser.onEvent(data, event);
      });
      for (const c of chunks) r.push(c);
      r.end();
    });
  }
}

// recognizeRequest on URLs of ordinary app traffic (the fetch layer calls it on every fetch).
const others = [
  'https://api.github.com/repos/open-telemetry/opentelemetry-js/issues?per_page=100',
  'https://example.com/',
  'https://hooks.slack.com/services/T000/B000/XXXX',
  'http://127.0.0.1:4318/v1/traces',
  'https://shop.example.com/api/orders/12345/items',
  'https://s3.eu-west-1.amazonaws.com/bucket/key.json',
].map((u) => new URL(u));
for (const method of ['POST', 'GET']) {
  const views = others.map((url) => ({ url, method, body: undefined }));
  const n = 2_000_000;
  for (let i = 0; i < 200_000; i++) recognizeRequest(views[i % views.length]!);
  const t0 = performance.now();
  let hits = 0;
  for (let i = 0; i < n; i++) if (recognizeRequest(views[i % views.length]!)) hits++;
  const ns = ((performance.now() - t0) * 1e6) / n;
  console.log(
    `${`recognizeRequest, non-LLM URL, ${method}`.padEnd(58)} ${ns.toFixed(0)} ns/call (${hits} hits)`,
  );
}
const llm = {
  url: new URL('https://api.openai.com/v1/chat/completions'),
  method: 'POST',
  body: { model: 'gpt-4o-mini', stream: true, temperature: 0.2 },
};
{
  const n = 1_000_000;
  for (let i = 0; i < 100_000; i++) recognizeRequest(llm);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) recognizeRequest(llm);
  console.log(
    `${'recognizeRequest, OpenAI chat URL + body'.padEnd(58)} ${(((performance.now() - t0) * 1e6) / n).toFixed(0)} ns/call`,
  );
}
{
  const hrefs = others.map((u) => u.href);
  const n = 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) new URL(hrefs[i % hrefs.length]!);
  console.log(
    `${'(for scale) new URL(href)'.padEnd(58)} ${(((performance.now() - t0) * 1e6) / n).toFixed(0)} ns/call`,
  );
}
