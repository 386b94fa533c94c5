// The app of bench/diag/perf-call-toggle.ts: the openai SDK against the mock over loopback, in a
// process started the user's way (`--import @tokenmeter/node/register`), with tokenmeter's
// instrumentation switched on and off between blocks of calls (its runtime's `enabled` flag: off,
// the fetch wrapper passes every call straight on). Paired blocks in one process: no per-process
// bias. Prints one JSON line: CPU µs per call of each block, in order, with its side.
// Plain JavaScript, no loader: a loader would change what is measured.
'use strict';
const { createRequire } = require('node:module');

const appDir = process.env.BENCH_APP_DIR;
const mockUrl = process.env.BENCH_MOCK_URL;
const ROUNDS = Number(process.env.TOGGLE_ROUNDS ?? 40);
const CALLS = Number(process.env.TOGGLE_CALLS ?? 256);
const WARMUP = Number(process.env.TOGGLE_WARMUP ?? 3000);

const started = globalThis[Symbol.for('tokenmeter.node.started')];
if (!started) {
  process.stderr.write('perf-call-toggle app: run under --import @tokenmeter/node/register\n');
  process.exit(2);
}
const runtime = started.instrumentation.runtime;
const { OpenAI } = createRequire(`${appDir}/`)('openai');
const client = new OpenAI({ baseURL: `${mockUrl}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

async function block(n) {
  const c0 = cpu();
  for (let i = 0; i < n; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
  }
  return (cpu() - c0) / n;
}

(async () => {
  for (let done = 0; done < WARMUP; done += 500) {
    runtime.enabled = (done / 500) % 2 === 0;
    await block(Math.min(500, WARMUP - done));
  }
  const on = [];
  const off = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side goes first; each block is charged up to the next block's start, so work
    // a side defers (a batch of ended calls every 20 ms) lands in its own block or the next.
    for (const side of r % 2 === 0 ? [true, false] : [false, true]) {
      runtime.enabled = side;
      (side ? on : off).push(await block(CALLS));
    }
  }
  runtime.enabled = true;
  process.stdout.write(`${JSON.stringify({ node: process.version, on, off })}\n`);
})().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
