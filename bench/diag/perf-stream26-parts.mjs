// Diagnostic (issue 12, perf-stream26): which part of the stream tap makes the platform's own
// stream work heavier on Node 26. One process, the openai SDK over a loopback socket to the mock
// provider (a child process), 50-chunk streams read with `for await`, the SDK's fetch wrapped per
// mode; modes alternate in blocks, CPU µs per stream (process.cpuUsage) reported as medians.
// Modes: bare; resp (the Response's prototype swapped for an empty derived one); stream (the body
// stream observed by observeReads with an observer that does nothing); streamonly (the body
// stream's prototype swapped for an empty derived one); stamp (a private-field slot stamped on the
// body stream). MODES=one mode runs that mode alone in the process (no state shared between modes).
// Run: <node> bench/diag/perf-stream26-parts.mjs [alternations] [streams per block]
import { createRequire } from 'node:module';
import { root, startMock } from './perf-stream26-mock.mjs';

const require = createRequire(root);
const { OpenAI } = require('openai');
const { observeReads } = await import(`${root}packages/instrumentation/dist/esm/fetch/stream-reads.js`);
const { StreamSlot } = await import(`${root}packages/instrumentation/dist/esm/fetch/hidden-slot.js`);
const ALTS = Number(process.argv[2] ?? 20);
const N = Number(process.argv[3] ?? 100);
const MODES = (process.env.MODES ?? 'bare,resp,stream').split(',');

const { url, child } = await startMock();

const protos = new WeakMap();
const derived = (base) => {
  let p = protos.get(base);
  if (!p) {
    p = Object.create(base);
    protos.set(base, p);
  }
  return p;
};
const noop = {
  rewrites: false,
  chunk: (v) => v,
  end: () => null,
  error: () => null,
  cancel() {},
  internalError() {},
};
const fetches = {
  bare: (u, i) => fetch(u, i),
  resp: async (u, i) => {
    const r = await fetch(u, i);
    Object.setPrototypeOf(r, derived(Object.getPrototypeOf(r)));
    return r;
  },
  stream: async (u, i) => {
    const r = await fetch(u, i);
    const body = r.body;
    observeReads(body, noop);
    return r;
  },
  stamp: async (u, i) => {
    const r = await fetch(u, i);
    StreamSlot.set(r.body, noop);
    return r;
  },
  streamonly: async (u, i) => {
    const r = await fetch(u, i);
    const body = r.body;
    Object.setPrototypeOf(body, derived(Object.getPrototypeOf(body)));
    return r;
  },
};
const clients = Object.fromEntries(
  MODES.map((m) => [m, new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, fetch: fetches[m] })]),
);
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], stream: true };
const OPTS = { headers: { 'x-mock-output-tokens': '48' } };
async function one(client) {
  const s = await client.chat.completions.create(BODY, OPTS);
  let n = 0;
  for await (const _ of s) n++;
  if (n !== 50) throw new Error(`chunks ${n}`);
}
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
for (const m of MODES) for (let i = 0; i < 300; i++) await one(clients[m]);
const res = Object.fromEntries(MODES.map((m) => [m, []]));
const cpuMain = () => {
  // Main thread only where Node has it (23.9+); else the process's.
  const c = process.threadCpuUsage?.() ?? process.cpuUsage();
  return c.user + c.system;
};
const main0 = cpuMain();
for (let a = 0; a < ALTS; a++) {
  const order = a % 2 ? [...MODES].reverse() : MODES;
  for (const m of order) {
    const c0 = cpu();
    for (let i = 0; i < N; i++) await one(clients[m]);
    res[m].push((cpu() - c0) / N);
  }
}
const med = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
};
console.log(process.version);
if (MODES.length === 1) {
  // One mode per process (no state shared between modes): CPU per stream over all blocks.
  const all = res[MODES[0]];
  console.log(
    `${MODES[0]} ${(all.reduce((a, b) => a + b, 0) / all.length).toFixed(1)} ${((cpuMain() - main0) / (ALTS * N)).toFixed(1)}`,
  );
  child.kill();
  process.exit(0);
}
for (const m of MODES) {
  const d = res[m].map((x, i) => x - res.bare[i]);
  const s = [...d].sort((x, y) => x - y);
  console.log(
    `${m.padEnd(10)} ${med(res[m]).toFixed(1)} µs/stream  − bare: median ${med(d).toFixed(1)} [IQR ${s[s.length >> 2].toFixed(1)} … ${s[(3 * s.length) >> 2].toFixed(1)}]`,
  );
}
child.kill();
