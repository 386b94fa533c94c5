// DIAGNOSTIC: what propagating W3C trace context and baggage costs per HTTP request, the distro's
// propagation-only hook (packages/node/src/propagation) against the OpenTelemetry instrumentations
// made for it (@opentelemetry/instrumentation-http 0.223, @opentelemetry/instrumentation-undici
// 0.33), configured to propagate without exporting spans, and, for reference, with their default
// spans.
//
// 1. Each request path in-process, without a socket (a loopback round trip costs 100 times more
//    CPU and its noise would hide a few µs): undici's request lifecycle as its diagnostics channels
//    publish it (what fetch does), http.request up to its response's end (a ClientRequest on an
//    agent that never connects, its response emitted by hand), and a node:http server's 'request'
//    event with a ServerResponse closed by hand. Each case in a child process of its own, pinned
//    to one CPU; blocks of ITERATIONS requests alternate between variants, the order rotating,
//    ROUNDS times; reported: the median (IQR) of (variant − bare) CPU per request over the rounds.
// 2. The app: a node:http server whose handler makes an openai SDK call (in-process transport),
//    with tokenmeter's hook, every request without or every request with the headers, one process
//    each, alternating, against a load generator on the other CPU. On Node 20 and 22 the first
//    context entered switches AsyncLocalStorage's promise hooks on for good.
//
// Run: npx tsx bench/propagation.bench.ts (after `npm run build`), or `npm run bench -- propagation`.
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  type Context,
  context,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LazyAsyncLocalStorageContextManager, withAttribution } from '@tokenmeter/node';
import { propagationHeaders } from '../packages/node/src/propagation/headers.js';
import { installPropagation } from '../packages/node/src/propagation/index.js';
import { machine, stats, writeSection } from './lib/results.js';
import { PIN, signed } from './lib/user-level.js';

const require = createRequire(import.meta.url);
const SELF = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const APP_RUNS = Number(process.env.BENCH_APP_RUNS ?? 7);
const APP_REQUESTS = Number(process.env.BENCH_APP_REQUESTS ?? 4000);

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const BAGGAGE = 'tokenmeter.feature=search,tokenmeter.user.id=u-42,tokenmeter.tenant.id=acme';

function pin(cpu: number, pid = process.pid): void {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
}

/** The OpenTelemetry globals as the distro sets them: W3C propagators, its lazy context manager. */
function distroGlobals(): void {
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  context.setGlobalContextManager(new LazyAsyncLocalStorageContextManager().enable());
}

function cpuMicros(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** A variant that can be switched on and off between blocks. */
interface Variant {
  name: string;
  on(): void;
  off(): void;
}

const onError = (e: unknown) => {
  throw e;
};

function tokenmeterVariant(incoming: boolean): Variant {
  let handle: ReturnType<typeof installPropagation> | undefined;
  return {
    name: 'tokenmeter propagation hook',
    on: () => {
      handle = installPropagation({ incoming, hosts: [], onError });
    },
    off: () => handle?.uninstall(),
  };
}

/** Nothing to send: the same test tokenmeter's hook makes, for the contrib `ignore` hooks. */
const nothingToSend = () => propagationHeaders().length === 0;

/**
 * The contrib instrumentations propagating without exporting spans: a no-op tracer (its spans carry
 * the parent's context, so traceparent passes through unchanged), no meter provider, and requests
 * with nothing to send ignored where the instrumentation allows it without side effects (outgoing).
 */
function contribVariants(
  mode: 'propagation-only' | 'spans',
  parts: { undici?: boolean; http?: boolean; incoming?: boolean },
): Variant {
  const tracerProvider =
    mode === 'spans'
      ? new BasicTracerProvider({
          spanProcessors: [
            new BatchSpanProcessor({ export: (_s, done) => done({ code: 0 }), shutdown: async () => {} }),
          ],
        })
      : new ProxyTracerProvider();
  const ignore = mode === 'propagation-only' ? nothingToSend : undefined;
  const { undici, http: httpInst } = contribInstances();
  return {
    name:
      mode === 'spans'
        ? 'contrib instrumentations, default config (spans, no-op exporter)'
        : 'contrib instrumentations, propagation-only (no-op tracer, nothing-to-send ignored)',
    on: () => {
      if (parts.undici) {
        undici.setConfig(ignore ? { ignoreRequestHook: ignore } : {});
        undici.setTracerProvider(tracerProvider);
        undici.enable();
      }
      if (parts.http || parts.incoming) {
        httpInst.setConfig({
          ...(ignore ? { ignoreOutgoingRequestHook: ignore } : {}),
          disableOutgoingRequestInstrumentation: !parts.http,
          disableIncomingRequestInstrumentation: !parts.incoming,
        });
        httpInst.setTracerProvider(tracerProvider);
        httpInst.enable();
      }
    },
    off: () => {
      undici.disable();
      httpInst.disable();
    },
  };
}

/** One instance of each contrib instrumentation per process (their module hooks are per instance); variants reconfigure them. */
let instances: { undici: UndiciInstrumentation; http: HttpInstrumentation } | undefined;
function contribInstances(): { undici: UndiciInstrumentation; http: HttpInstrumentation } {
  if (instances) return instances;
  const undici = new UndiciInstrumentation();
  undici.disable();
  const httpInst = new HttpInstrumentation();
  require('node:http'); // require-in-the-middle patches the module object on require
  httpInst.disable();
  instances = { undici, http: httpInst };
  return instances;
}

const bare: Variant = { name: 'bare', on() {}, off() {} };

/** Alternating blocks: per variant and label, CPU µs per request of each round. */
async function alternate(
  variants: Variant[],
  labels: string[],
  block: (label: string) => Promise<void>,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const label of labels) {
    // warm-up
    for (const v of variants) {
      v.on();
      await block(label);
      v.off();
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
    for (const v of order) {
      for (const label of labels) {
        v.on();
        const c0 = cpuMicros();
        await block(label);
        const cpu = (cpuMicros() - c0) / ITERATIONS;
        v.off();
        const key = `${v.name}\t${label}`;
        out.set(key, [...(out.get(key) ?? []), cpu]);
      }
    }
  }
  return out;
}

/** (variant − bare) per round, median and IQR. */
function deltas(results: Map<string, number[]>, variant: string, label: string) {
  const base = results.get(`bare\t${label}`)!;
  const v = results.get(`${variant}\t${label}`)!;
  return { bare: stats(base).median, ...stats(v.map((x, i) => x - base[i]!)) };
}

function fmtRow(results: Map<string, number[]>, variants: Variant[], label: string): string[] {
  return variants
    .filter((v) => v !== bare)
    .map((v) => {
      const d = deltas(results, v.name, label);
      return `| ${label} | ${v.name} | ${d.bare.toFixed(1)} | **${signed(d.median)}** (IQR ${d.p25.toFixed(1)} – ${d.p75.toFixed(1)}) |`;
    });
}

// ---------------------------------------------------------------------------------------------
// The request paths, in-process.

const ORIGIN = 'http://127.0.0.1:8080';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/** A request path: runs one request, returns whether the trace under way reached the other side. */
type RequestPath = () => boolean;

/** fetch's request as undici's diagnostics channels publish it: create, headers sent, response headers, done. */
function undiciPath(): RequestPath {
  const create = diagnostics.channel('undici:request:create');
  const sendHeaders = diagnostics.channel('undici:client:sendHeaders');
  const responseHeaders = diagnostics.channel('undici:request:headers');
  const trailers = diagnostics.channel('undici:request:trailers');
  const socket = { remoteAddress: '127.0.0.1', remotePort: 8080, alpnProtocol: false };
  return () => {
    const headers: string[] = ['accept', '*/*', 'user-agent', 'node'];
    const request = {
      origin: ORIGIN,
      path: '/v1/items?page=2',
      method: 'GET',
      headers,
      addHeader(name: string, value: string) {
        headers.push(name, value);
        return this;
      },
    };
    create.publish({ request });
    sendHeaders.publish({ request, socket, headers: '' });
    responseHeaders.publish({ request, response: { statusCode: 200, headers: [], statusText: 'OK' } });
    trailers.publish({ request, trailers: [] });
    return headers.includes('traceparent');
  };
}

/** http.request on an agent that never connects; its response emitted by hand, then ended. */
function httpRequestPath(): RequestPath {
  const agent = new http.Agent();
  (agent as unknown as { addRequest: () => void }).addRequest = () => {};
  const socket = new net.Socket();
  return () => {
    const req = http.request({ host: '127.0.0.1', port: 8080, path: '/v1/items?page=2', agent });
    const res = new http.IncomingMessage(socket);
    res.statusCode = 200;
    req.emit('response', res);
    res.emit('end');
    req.emit('close');
    return req.hasHeader('traceparent');
  };
}

/** A node:http server's 'request' event (not listening), the response closed by hand. */
function serverPath(withHeaders: boolean): RequestPath {
  let seen = false;
  const server = (require('node:http') as typeof http).createServer(() => {
    seen = trace.getSpanContext(context.active())?.traceId === TRACE_ID;
  });
  const socket = new net.Socket();
  const raw = ['Host', '127.0.0.1:8080', 'User-Agent', 'node', 'Accept', '*/*'];
  if (withHeaders) raw.push('traceparent', TRACEPARENT, 'baggage', BAGGAGE);
  return () => {
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/v1/items?page=2';
    req.httpVersion = '1.1';
    req.rawHeaders = raw;
    // As the parser leaves them: lower-case names (the getter builds them only from a parser's count).
    const headers: http.IncomingHttpHeaders = { host: '127.0.0.1:8080', 'user-agent': 'node', accept: '*/*' };
    if (withHeaders) {
      headers.traceparent = TRACEPARENT;
      headers.baggage = BAGGAGE;
    }
    req.headers = headers;
    const res = new http.ServerResponse(req);
    seen = false;
    server.emit('request', req, res);
    res.emit('finish');
    res.emit('close');
    return seen;
  };
}

/** The context the "with context" cases run in: a sampled span, attribution in baggage. */
function busyContext(): Context {
  const span = trace.wrapSpanContext({
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
  });
  return context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
    withAttribution({ feature: 'search', user: 'u-42', tenant: 'acme' }, () => context.active(), {
      baggage: true,
    }),
  );
}

type Case = 'outgoing-root' | 'outgoing-context' | 'incoming-none' | 'incoming-headers';

async function pathChild(which: Case): Promise<void> {
  pin(0);
  distroGlobals();
  const incoming = which.startsWith('incoming');
  const variants = [
    bare,
    tokenmeterVariant(incoming),
    contribVariants('propagation-only', incoming ? { incoming: true } : { undici: true, http: true }),
  ];
  if (which === 'outgoing-context') variants.push(contribVariants('spans', { undici: true, http: true }));
  const paths: Record<string, RequestPath> = incoming
    ? { 'node:http server': serverPath(which === 'incoming-headers') }
    : { fetch: undiciPath(), 'http.request': httpRequestPath() };
  const ctx = which === 'outgoing-context' ? busyContext() : ROOT_CONTEXT;
  // Each variant propagates where it should (and bare never): else the figures mean nothing.
  const propagates = which === 'outgoing-context' || which === 'incoming-headers';
  for (const v of variants) {
    for (const [label, run] of Object.entries(paths)) {
      v.on();
      const sent = context.with(ctx, run);
      v.off();
      if (sent !== (propagates && v !== bare))
        throw new Error(`${which}, ${label}, ${v.name}: propagated ${sent}`);
    }
  }
  const results = await context.with(ctx, () =>
    alternate(variants, Object.keys(paths), async (label) => {
      const run = paths[label]!;
      for (let i = 0; i < ITERATIONS; i++) run();
    }),
  );
  process.send!({ rows: Object.keys(paths).flatMap((label) => fmtRow(results, variants, label)) });
}

/** Sends `n` sequential keep-alive requests when told (the peer of the app measurement). */
function loadChild(): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (port: number, headers: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent, headers }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  process.on('message', async (m: { port: number; n: number; headers: boolean }) => {
    const headers: Record<string, string> = m.headers ? { traceparent: TRACEPARENT, baggage: BAGGAGE } : {};
    for (let i = 0; i < m.n; i++) await one(m.port, headers);
    process.send!('done');
  });
}

function startLoad(): ChildProcess {
  const child = fork(SELF, ['load'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_CHILD: 'load' },
  });
  pin(1, child.pid);
  return child;
}

/** One app process: a server whose handler makes an openai SDK call; every request with or without the headers. */
async function appChild(headers: boolean): Promise<void> {
  pin(0);
  distroGlobals();
  installPropagation({ incoming: true, hosts: [], onError });
  const { OpenAI } = require('openai') as typeof import('openai');
  const body = JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
  });
  const client = new OpenAI({
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'x',
    maxRetries: 0,
    fetch: (async () =>
      new Response(body, { headers: { 'content-type': 'application/json' } })) as typeof fetch,
  });
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
  const server = http.createServer(async (_req, res) => {
    const r = await client.chat.completions.create(request);
    res.end(r.choices[0]?.message.content ?? '');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const child = startLoad();
  const send = (n: number) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ port, n, headers });
    });
  await send(1000);
  const c0 = cpuMicros();
  await send(APP_REQUESTS);
  const cpu = (cpuMicros() - c0) / APP_REQUESTS;
  child.kill();
  server.close();
  process.send!({ cpu });
}

function runChild(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, args, {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_CHILD: args[0] },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => (code ? reject(new Error(`${args.join(' ')} exited ${code}`)) : undefined));
  });
}

async function main(): Promise<void> {
  pin(1);
  const rows: Record<Case, string[]> = {
    'outgoing-root': [],
    'outgoing-context': [],
    'incoming-none': [],
    'incoming-headers': [],
  };
  for (const c of Object.keys(rows) as Case[]) rows[c] = (await runChild(['path', c])).rows as string[];
  const app: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let r = 0; r < APP_RUNS; r++) {
    for (const mode of r % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      app[mode].push((await runChild(['app', mode])).cpu as number);
    }
  }
  const w = stats(app.with);
  const wo = stats(app.without);
  const table = (title: string, r: string[]) => [
    title,
    '',
    '| request path | variant | bare CPU µs/request | added CPU µs/request, median (IQR) |',
    '|---|---|---|---|',
    ...r,
    '',
  ];
  const text = [
    `### Diagnostic: propagation across services, per HTTP request (${machine()})`,
    '',
    `In-process, no socket: each request path driven by hand (fetch: undici's diagnostics-channel lifecycle; http.request: a ClientRequest on an agent that never connects, its response emitted and ended; server: a 'request' event and its response closed). Each case in a process of its own${PIN ? ', pinned to one CPU' : ' (not pinned: no taskset)'}; blocks of ${ITERATIONS.toLocaleString('en-US')} requests alternate between variants, ${ROUNDS} rounds, the order rotating. The machine was busy with other work while this ran: read the medians and their spread, not single figures. "contrib" = @opentelemetry/instrumentation-undici 0.33 and @opentelemetry/instrumentation-http 0.223; propagation-only = a no-op tracer (its spans carry the parent's context, so the traceparent passes through), no meter provider, and outgoing requests with nothing to send ignored through their ignore hooks; default config = a span per request (no-op exporter). The attribution is put in OTel baggage (\`withAttribution(..., { baggage: true })\`) so that every variant sends the same headers.`,
    '',
    ...table('Outgoing, outside any context (nothing to send: the common case):', rows['outgoing-root']),
    ...table(
      'Outgoing, inside `withAttribution` under a span (traceparent and baggage sent):',
      rows['outgoing-context'],
    ),
    ...table(
      "Incoming, a request without traceparent or baggage (contrib has no cheap way out: its ignore hook still enters a context and runs the handler with tracing suppressed, which would lose the handler's LLM spans):",
      rows['incoming-none'],
    ),
    ...table('Incoming, a request with traceparent and baggage:', rows['incoming-headers']),
    `The app: a node:http server whose handler makes one openai 7 chat completion (in-process transport), with tokenmeter's hook, a load generator on the other CPU; one process per run, ${APP_RUNS} runs of each alternating, ${APP_REQUESTS.toLocaleString('en-US')} requests per run, all without or all with traceparent + baggage:`,
    '',
    '| requests | server CPU µs/request, median (IQR) |',
    '|---|---|',
    `| no propagation headers (no context entered: AsyncLocalStorage stays off) | ${wo.median.toFixed(1)} (IQR ${wo.p25.toFixed(1)} – ${wo.p75.toFixed(1)}) |`,
    `| traceparent + baggage (a context entered per request, its request and response bound) | ${w.median.toFixed(1)} (IQR ${w.p25.toFixed(1)} – ${w.p75.toFixed(1)}): ${signed(w.median - wo.median)} |`,
    '',
    "Reading the app rows: on Node 20 and 22 the first context entered turns on AsyncLocalStorage's promise hooks for the whole process, and an openai SDK call is made of many promises (bench: context-manager); that, not the hook, is most of the difference there, and any OpenTelemetry context propagation pays it (the contrib HTTP instrumentation enters a context on every request, with headers or not). On Node 24 (AsyncContextFrame) it is within noise. Requests without the headers pay nothing.",
  ].join('\n');
  console.log(text);
  writeSection('propagation', text);
}

const role = process.env.BENCH_CHILD ? process.argv[2] : undefined;
if (role === 'load') loadChild();
else if (role === 'path') await pathChild(process.argv[3] as Case);
else if (role === 'app') await appChild(process.argv[3] === 'with');
else await main();
