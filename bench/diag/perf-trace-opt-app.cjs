// The app of bench/diag/perf-trace-opt.mjs: TO_CALLS sequential non-streamed openai calls to the mock
// over loopback (bare or under the preload), printing a marker line after every 1,000 calls so that
// V8's --trace-opt lines can be put in windows of calls, then TO_STREAMS 50-chunk streams (as the
// headline's app reads them) with a marker after every TO_STREAM_WINDOW streams, then its CPU per
// call over the calls. Plain JavaScript.
'use strict';
const { createRequire } = require('node:module');

const { OpenAI } = createRequire(`${process.env.BENCH_APP_DIR}/`)('openai');
const client = new OpenAI({ baseURL: `${process.env.BENCH_MOCK_URL}/v1`, apiKey: 'x', maxRetries: 0 });
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] };
const CALLS = Number(process.env.TO_CALLS ?? 3000);
const STREAMS = Number(process.env.TO_STREAMS ?? 0);
const STREAM_WINDOW = Number(process.env.TO_STREAM_WINDOW ?? 96);
const STREAM_BODY = { ...BODY, stream: true };
/** 48 content chunks, plus the role chunk and the finish chunk: a 50-chunk stream. */
const STREAM_OPTIONS = { headers: { 'x-mock-output-tokens': '48' } };

(async () => {
  const start = process.cpuUsage();
  for (let i = 1; i <= CALLS; i++) {
    const r = await client.chat.completions.create(BODY);
    if (r.choices.length !== 1) throw new Error('unexpected completion');
    if (i % 1000 === 0) console.log(`@@window ${i}`);
  }
  const cpu = process.cpuUsage(start);
  for (let i = 1; i <= STREAMS; i++) {
    const stream = await client.chat.completions.create(STREAM_BODY, STREAM_OPTIONS);
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    if (chunks !== 50) throw new Error(`a stream gave ${chunks} chunks`);
    if (i % STREAM_WINDOW === 0) console.log(`@@window streams ${i}`);
  }
  console.log(`@@cpu ${(cpu.user + cpu.system) / CALLS}`);
})();
