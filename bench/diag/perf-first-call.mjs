// perf-first-call diagnostic (not part of `npm run bench`): the CPU of `require('openai')`, of it plus
// the first chat call, and of the whole process at exit, in fresh processes started with each
// variant's flags, alternating (order reversed every other run); the mock answer comes from a server
// in this process. Medians of the paired differences against the first variant, [p25 … p75].
//   node bench/diag/perf-first-call.mjs RUNS NODE_BIN 'label=flags [NAME=value ...]' ...
// e.g. node bench/diag/perf-first-call.mjs 21 node 'before=--import /tmp/before/register.mjs'
//        'after=--import @tokenmeter/node/register'
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [runsArg, node, ...specs] = process.argv.slice(2);
const variants = specs.map((s) => {
  const [label, rest = ''] = s.split(/=(.*)/s);
  const parts = rest.split(/\s+/).filter(Boolean);
  // NAME=value tokens set that variant's environment (as in perf-startup.mjs).
  const env = Object.fromEntries(parts.filter((p) => /^[A-Z_]+=/.test(p)).map((p) => p.split(/=(.*)/s)));
  return { label, args: parts.filter((p) => !/^[A-Z_]+=/.test(p)), env };
});
const body = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});
const srv = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${srv.address().port}/v1`;
const env = {
  ...process.env,
  OTEL_SERVICE_NAME: 'ab',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  TOKENMETER_HOME: mkdtempSync(join(tmpdir(), 'ab-')),
  OTEL_EXPORTER_PROMETHEUS_PORT: '0',
};
delete env.NODE_OPTIONS;
const script = `const c0=process.cpuUsage(),t0=process.hrtime.bigint();const OpenAI=require('openai');const c1=process.cpuUsage(c0);
new OpenAI({apiKey:'k',baseURL:${JSON.stringify(url)}}).chat.completions.create({model:'gpt-4o-mini',messages:[{role:'user',content:'x'}]}).then(()=>{const c=process.cpuUsage(c0),t=process.hrtime.bigint()-t0;
const out={req:(c1.user+c1.system)/1000,first:(c.user+c.system)/1000,wall:Number(t)/1e6};process.on('exit',()=>{const e=process.cpuUsage();out.exit=(e.user+e.system)/1000;console.log(JSON.stringify(out))})})`;
const keys = ['req', 'first', 'wall', 'exit'];
const res = variants.map(() => Object.fromEntries(keys.map((k) => [k, []])));
for (let r = 0; r < +runsArg; r++) {
  const order = r % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
  for (const i of order) {
    const child = spawn(node, [...variants[i].args, '-e', script], {
      env: { ...env, ...variants[i].env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.on('close', r));
    if (code !== 0) throw new Error(err);
    const j = JSON.parse(out.trim().split('\n').pop());
    for (const k of keys) res[i][k].push(j[k]);
  }
}
srv.close();
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.ceil(at)] - s[lo]) * (at - lo);
};
const f = (x) => x.toFixed(1);
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(
  `${node} ${runsArg} runs, load ${load}; req = CPU ms of require('openai'); first = CPU ms through the first call; wall = ms through it; exit = the process's CPU ms at exit`,
);
for (const [i, v] of variants.entries()) {
  const cells = keys.map((k) => {
    const d = res[i][k].map((x, n) => x - res[0][k][n]);
    return `${k} ${f(q(res[i][k], 0.5))}${i ? ` (Δ ${f(q(d, 0.5))} [${f(q(d, 0.25))} … ${f(q(d, 0.75))}])` : ''}`;
  });
  console.log(`${v.label} | ${cells.join(' | ')}`);
}
