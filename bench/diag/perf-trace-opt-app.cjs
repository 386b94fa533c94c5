// The app of bench/diag/perf-trace-opt.mjs: TO_CALLS sequential non-streamed openai calls to the mock
// over loopback (bare or under the preload), printing a marker line after every 1,000 calls so that
// V8's --trace-opt lines can be put in windows of calls, then its CPU per call. Plain JavaScript.
'use strict';
const { createRequire } = require('node:module');

const { OpenAI } = createRequire(`${process.env.BENCH_APP_DIR}/`)('openai');
const client = new OpenAI({ baseURL: `${process.env.BENCH_MOCK_URL}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };
const CALLS = Number(process.env.TO_CALLS ?? 3000);

(async () => {
  const start = process.cpuUsage();
  for (let i = 1; i <= CALLS; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
    if (i % 1000 === 0) console.log(`@@window ${i}`);
  }
  const cpu = process.cpuUsage(start);
  console.log(`@@cpu ${(cpu.user + cpu.system) / CALLS}`);
})();
