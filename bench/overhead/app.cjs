// The app of the user-level overhead benchmark (bench/overhead.bench.ts): a plain CommonJS script
// that calls the openai SDK against the mock provider, loaded the way a user loads it (bare, under
// `--import @tokenmeter/node/register`, or after a peer's `--require` setup file). It runs blocks
// of calls when the coordinator tells it to, over the IPC channel, and reports the process CPU time
// (user + system, `process.cpuUsage()`) at each block's start: the coordinator charges a block with
// the CPU from its start to the next block's start, so the work a variant defers (span export,
// store writes, metric reads) while the other processes run is counted too.
//
// Plain JavaScript, no tsx: a loader in this process would change what is measured.
//
// Environment:
//   BENCH_APP_DIR   a directory whose node_modules/openai is the SDK to use (openai 6 or 7)
//   BENCH_MOCK_URL  the mock provider's base URL
//   BENCH_CPU_PROF  optional: profile the steady state (`profile` message) into this file
'use strict';
const { createRequire } = require('node:module');
const { writeFileSync } = require('node:fs');

const appDir = process.env.BENCH_APP_DIR;
const mockUrl = process.env.BENCH_MOCK_URL;
if (!appDir || !mockUrl || !process.send) {
  process.stderr.write('bench app: run by bench/overhead.bench.ts (BENCH_APP_DIR, BENCH_MOCK_URL, IPC)\n');
  process.exit(2);
}

// As an app does: `require('openai')`, resolved from the app's own node_modules.
const { OpenAI } = createRequire(`${appDir}/`)('openai');
const client = new OpenAI({ baseURL: `${mockUrl}/v1`, apiKey: 'x', maxRetries: 0 });

const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };
const STREAM_BODY = { ...BODY, stream: true };
/** 48 content chunks, plus the role chunk and the finish chunk: a 50-chunk stream. */
const STREAM_CONTENT_CHUNKS = 48;
const STREAM_OPTIONS = { headers: { 'x-mock-output-tokens': String(STREAM_CONTENT_CHUNKS) } };

async function oneCall() {
  const r = await client.chat.completions.create(BODY);
  if (r.choices.length !== 1) throw new Error('bench app: unexpected completion');
}

/** One streamed completion, read to the end; returns the number of chunks the app received. */
async function oneStream() {
  const stream = await client.chat.completions.create(STREAM_BODY, STREAM_OPTIONS);
  let chunks = 0;
  for await (const _chunk of stream) chunks++;
  return chunks;
}

function cpuNow() {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function block(calls, stream) {
  const cpu = cpuNow();
  const t0 = performance.now();
  if (stream) for (let i = 0; i < calls; i++) await oneStream();
  else for (let i = 0; i < calls; i++) await oneCall();
  const wallUs = (performance.now() - t0) * 1000;
  return { cpu, cpuEnd: cpuNow(), wallUs };
}

/** Profiles `calls` calls (after the coordinator's warm-up) with the inspector's sampling profiler. */
async function profile(calls, stream, intervalUs) {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  const r = await block(calls, stream);
  const { profile: prof } = await post('Profiler.stop');
  session.disconnect();
  writeFileSync(process.env.BENCH_CPU_PROF, JSON.stringify(prof));
  return r;
}

process.on('message', (msg) => {
  const run = async () => {
    switch (msg.cmd) {
      case 'check':
        // One call of each kind, so the coordinator sees the SDK works here before measuring.
        await oneCall();
        return { chunks: await oneStream(), node: process.version };
      case 'block':
        return block(msg.calls, msg.stream);
      case 'mark':
        return { cpu: cpuNow() };
      case 'profile':
        return profile(msg.calls, msg.stream, msg.intervalUs);
      case 'exit':
        // Exit the way an app does when its work is done: the event loop runs dry and the
        // instrumentation flushes on its own (beforeExit).
        process.disconnect();
        return undefined;
      default:
        throw new Error(`bench app: unknown command ${msg.cmd}`);
    }
  };
  run().then(
    (result) => {
      if (process.connected) process.send({ id: msg.id, ok: true, result });
    },
    (err) => process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) }),
  );
});
process.send({ ready: true });
