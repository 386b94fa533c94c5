// The app of bench/diag/perf-call-toggle.ts: the openai SDK against the mock over loopback, in a
// process started the user's way (`--import @tokenmeter/node/register`), with tokenmeter's
// instrumentation switched on and off between blocks of calls (its runtime's `enabled` flag: off,
// the fetch wrapper passes every call straight on). Paired blocks in one process: no per-process
// bias. Prints one JSON line: CPU µs per call of each block, in order, with its side. Under a
// coordinator (an IPC channel), it warms up, then runs one round (an on and an off block) per message.
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
  // The calls ended in the last batch window are completed now, inside the block that made them.
  globalThis[Symbol.for('tokenmeter.instrumentation.call-endings')]?.drain();
  return (cpu() - c0) / n;
}

async function warmUp() {
  for (let done = 0; done < WARMUP; done += 500) {
    runtime.enabled = (done / 500) % 2 === 0;
    await block(Math.min(500, WARMUP - done));
  }
}

/** One block with the instrumentation on and one off, in the order given. */
async function round(onFirst) {
  const out = {};
  for (const side of onFirst ? [true, false] : [false, true]) {
    runtime.enabled = side;
    out[side ? 'on' : 'off'] = await block(CALLS);
  }
  runtime.enabled = true;
  return out;
}

if (process.send) {
  process.on('message', (msg) => {
    const run = msg.cmd === 'warmup' ? warmUp() : msg.cmd === 'round' ? round(msg.onFirst) : undefined;
    if (msg.cmd === 'exit') return process.disconnect();
    run.then(
      (result) => process.send({ ok: true, result }),
      (e) => process.send({ ok: false, error: String(e?.stack ?? e) }),
    );
  });
  process.send({ ready: true });
} else {
  (async () => {
    await warmUp();
    const on = [];
    const off = [];
    // Alternate which side goes first.
    for (let r = 0; r < ROUNDS; r++) {
      const x = await round(r % 2 === 0);
      on.push(x.on);
      off.push(x.off);
    }
    process.stdout.write(`${JSON.stringify({ node: process.version, on, off })}\n`);
  })().catch((e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
