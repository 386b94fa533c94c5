// A diagnostic (no assertions): runs N non-streamed chat completions through the openai SDK under
// the preload (defaults: store, OTLP, Prometheus) against the mock provider, with a real OTLP
// receiver, and prints bytes per exported span (as sent, so after compression if any), the
// resource and scope, one span's attributes with each one's encoded size, and every request's size.
// Run: npx tsx bench/diag/perf-export-span-dump.ts [calls]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockProvider } from '@tokenmeter/mock-provider';
import { type AttrValue, startOtlpReceiver } from '../../test-support/otlp-receiver.js';
import { ROOT } from '../lib/user-level.js';

const CALLS = Number(process.argv[2] ?? 300);
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
