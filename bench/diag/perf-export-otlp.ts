// A diagnostic (no assertions): runs N non-streamed chat completions through the openai SDK under
// the preload (defaults: store, OTLP, Prometheus) against the mock provider, with a real OTLP
// receiver, and prints bytes per exported span (as sent, so after compression if any), the
// resource and scope, one span's attributes with each one's encoded size, and every request's size.
// Then the transport: the first request's body sent again through the distro's OtlpHttpTransport to
// a sink in a child process (so that its CPU is not counted), uncompressed and gzip in alternating
// blocks: CPU µs per span of sending (and of gzip), and gzip's bytes per span.
// Run: npx tsx bench/diag/perf-export-otlp.ts [calls] [alternations]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startMockProvider } from '@tokenmeter/mock-provider';
import { OtlpHttpTransport } from '../../packages/node/src/otlp-http-transport.js';
import { type AttrValue, decodeSpans, startOtlpReceiver } from '../../test-support/otlp-receiver.js';
import { printAlternation } from '../lib/alternate.js';
import { ROOT } from '../lib/user-level.js';

const CALLS = Number(process.argv[2] ?? 300);
const ALTERNATIONS = Number(process.argv[3] ?? 10);
const SENDS_PER_BLOCK = 20;
const mock = await startMockProvider();
const receiver = await startOtlpReceiver();
mkdirSync(join(ROOT, 'bench', '.data'), { recursive: true });
// Inside the repo, so that the app resolves openai and the preload from its node_modules.
const dir = mkdtempSync(join(ROOT, 'bench', '.data', 'pe-dump-'));
const app = join(dir, 'app.mjs');
writeFileSync(
  app,
  `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: 'k', baseURL: process.env.MOCK + '/v1' });
for (let i = 0; i < ${CALLS}; i++)
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
`,
);
// Not spawnSync: the mock and the receiver answer from this process's event loop.
const child = spawn(process.execPath, ['--import', '@tokenmeter/node/register', app], {
  cwd: ROOT,
  env: {
    ...process.env,
    MOCK: mock.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    TOKENMETER_HOME: dir,
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
await new Promise((resolve) => child.on('exit', resolve));
const traces = receiver.requests.filter((q) => q.path.endsWith('/v1/traces'));
const bytes = traces.reduce((n, q) => n + q.raw.length, 0);
console.log(
  `${receiver.spans.length} spans in ${traces.length} requests, ${bytes} bytes: ${(bytes / receiver.spans.length).toFixed(1)} bytes/span`,
);
console.log(
  'requests:',
  traces.map((q) => `${q.raw.length} (${q.headers['content-encoding'] ?? 'identity'})`).join(', '),
);
const s = receiver.spans[receiver.spans.length - 1];
if (s) {
  console.log('resource', s.resource, 'scope', s.scope);
  const varint = (n: number) => (n < 0 ? 10 : Math.max(1, Math.ceil(Math.log2(n + 1) / 7)));
  const valueBytes = (v: AttrValue): number => {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'boolean') return 1;
    if (typeof v === 'number') return Number.isInteger(v) ? varint(v) : 8;
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + valueBytes(x) + 3, 0);
    return 0;
  };
  let keys = 0;
  let values = 0;
  console.log('key bytes, value bytes, attribute, value');
  for (const [k, v] of Object.entries(s.attributes)) {
    const kb = Buffer.byteLength(k);
    const vb = valueBytes(v);
    keys += kb;
    values += vb;
    console.log(String(kb).padStart(4), String(vb).padStart(4), k, JSON.stringify(v));
  }
  const n = Object.keys(s.attributes).length;
  console.log(
    `per span: ${n} attributes, keys ${keys} bytes, values ${values} bytes, the rest (each attribute's ~7 bytes of framing, ids, name, times, status, a share of resource and scope) ${(bytes / receiver.spans.length - keys - values).toFixed(1)} bytes`,
  );
  console.log('name', s.name, 'events', s.events.length);
}
await Promise.all([mock.close(), receiver.close()]);
rmSync(dir, { recursive: true, force: true });

const first = traces[0];
if (first !== undefined && first.headers['content-encoding'] === undefined) {
  const body = new Uint8Array(first.raw);
  const spansInBody = decodeSpans(first.raw, first.contentType).length;
  const sink = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end()); });
       s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve) =>
    sink.stdout!.once('data', (d) => resolve(String(d).trim())),
  );
  const transport = (compression: 'gzip' | 'none') =>
    new OtlpHttpTransport({
      url: `http://127.0.0.1:${port}/v1/traces`,
      headers: async () => ({ 'Content-Type': 'application/x-protobuf' }),
      compression,
      agentFactory: async () => new (await import('node:http')).Agent({ keepAlive: true }),
      signal: 'traces',
    });
  const sides = { none: transport('none'), gzip: transport('gzip') };
  const per: Record<'none' | 'gzip', number[]> = { none: [], gzip: [] };
  const order = ['none', 'gzip'] as const;
  // Two unrecorded rounds first; then which side goes first swaps every round (async: not alternate()).
  for (let r = -2; r < ALTERNATIONS; r++) {
    for (const side of r % 2 === 0 ? order : ([order[1], order[0]] as const)) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < SENDS_PER_BLOCK; i++) {
        await sides[side].send(body, 10_000);
        await sides[side].drain();
      }
      const c = process.cpuUsage(c0);
      if (r >= 0) per[side].push((c.user + c.system) / (SENDS_PER_BLOCK * spansInBody));
    }
  }
  for (const t of Object.values(sides)) t.shutdown();
  sink.kill();
  printAlternation(
    per,
    order,
    'µs/span',
    2,
    `${ALTERNATIONS} alternations of ${SENDS_PER_BLOCK} sends of one ${body.length}-byte body (${spansInBody} spans; gzip: ${(gzipSync(body).length / spansInBody).toFixed(1)} bytes/span), through OtlpHttpTransport to a sink in a child process`,
  );
}
