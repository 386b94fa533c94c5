// An in-process A/B diagnostic (not a headline figure, no assertions) for issue 12's suspect
// "replacing a Response's prototype": Node's own fetch over a loopback socket to the mock provider
// (in a process of its own), each non-streamed chat completion read with json() as the openai SDK
// reads it, in alternating blocks in one process: the Response as fetch returns it (bare), its
// prototype switched to one deriving from it whose reading methods wrap the platform's (what
// observe-body.ts does), and the same wrappers defined on the instance instead. CPU µs per call,
// median [p25 … p75] over blocks, and per alternation each variant minus bare.
// RESPONSE_AB_INPROCESS=1: Responses built in-process from the mock's bytes (undici's Response and
// body reading without the socket's noise; use ~2000 calls per block).
// Run: npx tsx bench/response-prototype-ab.ts [alternations] [calls per block]
import { stats } from './lib/results.js';
import { startMock } from './lib/user-level.js';

const ALTERNATIONS = Number(process.argv[2] ?? 60);
const CALLS = Number(process.argv[3] ?? 100);

type Reader = (this: Response) => Promise<unknown>;
const OBSERVED = new WeakMap<Response, { json: Reader; text: Reader; done: boolean }>();
function json(this: Response): Promise<unknown> {
  const o = OBSERVED.get(this)!;
  return o.json.call(this).then((v) => {
    o.done = true;
    return v;
  });
}
function text(this: Response): Promise<unknown> {
  return OBSERVED.get(this)!.text.call(this);
}
const method = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true });
const base = Response.prototype;
const bodyGetter = Object.getOwnPropertyDescriptor(base, 'body')!.get!;
const derived = Object.create(base, {
  body: { get: bodyGetter, configurable: true },
  json: method(json),
  text: method(text),
  arrayBuffer: method(base.arrayBuffer),
  blob: method(base.blob),
  clone: method(base.clone),
}) as object;

const variants: Record<string, (r: Response) => Response> = {
  bare: (r) => r,
  'prototype switched': (r) => {
    OBSERVED.set(r, { json: r.json, text: r.text, done: false });
    Object.setPrototypeOf(r, derived);
    return r;
  },
  'instance properties': (r) => {
    OBSERVED.set(r, { json: r.json, text: r.text, done: false });
    Object.defineProperties(r, { json: method(json), text: method(text) });
    return r;
  },
};

const INPROCESS = process.env.RESPONSE_AB_INPROCESS === '1';
const mock = await startMock();
const url = `${mock.url}/v1/chat/completions`;
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
const post = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const sample = await post();
const bytes = new Uint8Array(await sample.arrayBuffer());
const headers = [...sample.headers];
const respond = INPROCESS ? async () => new Response(bytes.slice(), { status: 200, headers }) : post;
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
async function block(observe: (r: Response) => Response): Promise<number> {
  const c0 = cpu();
  for (let i = 0; i < CALLS; i++) {
    const r = observe(await respond());
    r.headers.get('content-type');
    await r.json();
  }
  return (cpu() - c0) / CALLS;
}
try {
  const names = Object.keys(variants);
  for (let w = 0; w < 3; w++) for (const n of names) await block(variants[n]!);
  const per = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let a = 0; a < ALTERNATIONS; a++)
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + a) % names.length]!;
      per.get(n)!.push(await block(variants[n]!));
    }
  const f = (x: number) => x.toFixed(1);
  const bare = per.get('bare')!;
  console.log(
    `Node ${process.version}, undici ${process.versions.undici}, ${INPROCESS ? 'in-process Responses' : 'loopback socket'}`,
  );
  for (const n of names) {
    const s = stats(per.get(n)!);
    const d = stats(per.get(n)!.map((x, i) => x - bare[i]!));
    console.log(
      `${n.padEnd(20)} CPU µs/call ${f(s.median)} [${f(s.p25)} … ${f(s.p75)}]${n === 'bare' ? '' : `; minus bare per alternation ${f(d.median)} [${f(d.p25)} … ${f(d.p75)}]`}`,
    );
  }
} finally {
  mock.close();
}
