// Generates a synthetic tokenmeter store: N calls (default 10M) with a realistic mix of providers,
// models, operations, features, users and tenants (Zipf-skewed), spread over the 45 days before
// --end (default now) with a weekly and daily rhythm (hourlyWeights), written through the store's
// own insert path (raw rows and rollups).
//
//   npx tsx bench/gen-store.ts --rows 10000000 --out bench/.data/10m.db [--end 2026-11-23T20:00:00Z] [--seed 1]
//
// An existing --out file is left alone unless --force is given.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK as BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI as GEMINI,
} from '../packages/semconv/src/index.js';
import { type CallInput, openStore } from '../packages/store/src/index.js';
import { seededRandom as rng } from './lib/estimate.js';

/** Index in [0, n) with probability ∝ 1/(i+1)^s, by inverse CDF over a precomputed table. */
function zipf(n: number, s: number): (r: number) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  return (r) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface ModelSpec {
  provider: string;
  request: string;
  response: string;
  operation: string;
  weight: number;
  /** nano-dollars per token: input, output, cache read (null = unpriced). */
  price: [number, number, number] | null;
  server: string;
}

const MODELS: ModelSpec[] = [
  {
    provider: 'openai',
    request: 'gpt-4o-mini',
    response: 'gpt-4o-mini-2024-07-18',
    operation: 'chat',
    weight: 30,
    price: [150, 600, 75],
    server: 'api.openai.com',
  },
  {
    provider: 'openai',
    request: 'gpt-4o',
    response: 'gpt-4o-2024-08-06',
    operation: 'chat',
    weight: 12,
    price: [2500, 10000, 1250],
    server: 'api.openai.com',
  },
  {
    provider: 'openai',
    request: 'gpt-4.1',
    response: 'gpt-4.1-2025-04-14',
    operation: 'chat',
    weight: 6,
    price: [2000, 8000, 500],
    server: 'api.openai.com',
  },
  {
    provider: 'openai',
    request: 'o3-mini',
    response: 'o3-mini-2025-01-31',
    operation: 'chat',
    weight: 3,
    price: [1100, 4400, 550],
    server: 'api.openai.com',
  },
  {
    provider: 'openai',
    request: 'text-embedding-3-small',
    response: 'text-embedding-3-small',
    operation: 'embeddings',
    weight: 14,
    price: [20, 0, 0],
    server: 'api.openai.com',
  },
  {
    provider: 'anthropic',
    request: 'claude-sonnet-4-5',
    response: 'claude-sonnet-4-5-20250929',
    operation: 'chat',
    weight: 12,
    price: [3000, 15000, 300],
    server: 'api.anthropic.com',
  },
  {
    provider: 'anthropic',
    request: 'claude-haiku-4-5',
    response: 'claude-haiku-4-5-20251001',
    operation: 'chat',
    weight: 8,
    price: [1000, 5000, 100],
    server: 'api.anthropic.com',
  },
  {
    provider: 'anthropic',
    request: 'claude-opus-4-1',
    response: 'claude-opus-4-1-20250805',
    operation: 'chat',
    weight: 1,
    price: [15000, 75000, 1500],
    server: 'api.anthropic.com',
  },
  {
    provider: GEMINI,
    request: 'gemini-2.5-flash',
    response: 'gemini-2.5-flash',
    operation: 'generate_content',
    weight: 7,
    price: [300, 2500, 75],
    server: 'generativelanguage.googleapis.com',
  },
  {
    provider: GEMINI,
    request: 'gemini-2.5-pro',
    response: 'gemini-2.5-pro',
    operation: 'generate_content',
    weight: 2,
    price: [1250, 10000, 310],
    server: 'generativelanguage.googleapis.com',
  },
  {
    provider: BEDROCK,
    request: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    response: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    operation: 'chat',
    weight: 3,
    price: [800, 4000, 80],
    server: 'bedrock-runtime.us-east-1.amazonaws.com',
  },
  {
    provider: 'mistral_ai',
    request: 'mistral-large-latest',
    response: 'mistral-large-2411',
    operation: 'chat',
    weight: 1.5,
    price: [2000, 6000, 0],
    server: 'api.mistral.ai',
  },
  {
    provider: 'openai',
    request: 'llama-3.3-70b-local',
    response: 'llama-3.3-70b-local',
    operation: 'chat',
    weight: 0.5,
    price: null,
    server: 'localhost',
  },
];

const FEATURES = [
  'chat-assistant',
  'search-rerank',
  'summarize-ticket',
  'embeddings-index',
  'code-review',
  'email-draft',
  'classify-intent',
  'extract-invoice',
  'translate',
  'agent-planner',
  'sql-copilot',
  'onboarding-tour',
];
const SERVICES = ['api', 'worker', 'agents'];

/**
 * How busy each hour of the span is, relative: weekdays busier than weekends, office hours (UTC)
 * busier than nights, a slow growth over the span and a seeded day-to-day wobble. A forecast has
 * something to find in it, as in real traffic.
 */
export function hourlyWeights(startMs: number, hours: number, seed: number): Float64Array {
  const r = rng(seed ^ 0x5eed);
  const DOW = [0.35, 1, 1.05, 1.05, 1, 0.9, 0.45]; // Sunday first (getUTCDay)
  const HOD = [
    0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.55, 0.8, 1.1, 1.35, 1.5, 1.55, 1.45, 1.5, 1.6, 1.6, 1.5, 1.35, 1.1,
    0.9, 0.7, 0.55, 0.4, 0.3,
  ];
  const w = new Float64Array(hours);
  let wobble = 1;
  for (let h = 0; h < hours; h++) {
    const t = new Date(startMs + h * 3_600_000);
    if (t.getUTCHours() === 0 || h === 0) wobble = 0.9 + r() * 0.2;
    w[h] = DOW[t.getUTCDay()]! * HOD[t.getUTCHours()]! * (1 + (0.2 * h) / hours) * wobble;
  }
  return w;
}

/** Maps u in [0, 1) to a time in the span, denser where the weights are higher (inverse CDF). */
function timeWarp(startMs: number, weights: Float64Array): (u: number) => number {
  const cdf = new Float64Array(weights.length + 1);
  for (let i = 0; i < weights.length; i++) cdf[i + 1] = cdf[i]! + weights[i]!;
  const total = cdf[weights.length]!;
  return (u) => {
    const x = u * total;
    let lo = 0;
    let hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid + 1]! <= x) lo = mid + 1;
      else hi = mid;
    }
    const within = (x - cdf[lo]!) / weights[lo]!;
    return startMs + (lo + Math.min(Math.max(within, 0), 0.999999)) * 3_600_000;
  };
}

export interface GenOptions {
  rows: number;
  endMs: number;
  days: number;
  seed: number;
  users: number;
  tenants: number;
}

/** A factory of synthetic calls in time order: call `next()` N times. */
export function callFactory(
  opts: Pick<GenOptions, 'rows' | 'endMs' | 'days' | 'seed' | 'users' | 'tenants'>,
): {
  next: () => CallInput;
} {
  const r = rng(opts.seed);
  const totalWeight = MODELS.reduce((s, m) => s + m.weight, 0);
  const pickModel = () => {
    let x = r() * totalWeight;
    for (const m of MODELS) {
      x -= m.weight;
      if (x <= 0) return m;
    }
    return MODELS[0]!;
  };
  const feature = zipf(FEATURES.length, 1.1);
  const user = zipf(opts.users, 1.05);
  const tenantOf = (u: number) => (Math.imul(u + 1, 2654435761) >>> 0) % opts.tenants;
  const span = opts.days * 86_400_000;
  const start = opts.endMs - span;
  const warp = timeWarp(start, hourlyWeights(start, opts.days * 24, opts.seed));
  const hex = (n: number) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(r() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  let i = 0;
  return {
    next(): CallInput {
      const m = pickModel();
      const t = Math.floor(warp((i + r()) / opts.rows));
      i++;
      const u = user(r());
      const f = FEATURES[feature(r())]!;
      const embeddings = m.operation === 'embeddings';
      const input = Math.floor(embeddings ? 50 + r() * 2000 : 200 + r() * r() * 12_000);
      const output = embeddings ? 0 : Math.floor(20 + r() * r() * 1500);
      const cacheRead = !embeddings && r() < 0.3 ? Math.floor(input * r() * 0.8) : 0;
      const reasoning = m.request.startsWith('o3') ? Math.floor(output * 0.6) : 0;
      const failed = r() < 0.02;
      const estimated = !failed && r() < 0.01;
      const stream = !embeddings && r() < 0.4;
      const duration = 150 + r() * r() * 9000;
      const rec: CallInput = {
        startTimeMs: t,
        durationMs: Math.round(duration * 1000) / 1000,
        provider: m.provider,
        operation: m.operation,
        requestModel: m.request,
        stream,
        serverAddress: m.server,
        usageEstimated: estimated,
        cost: null,
        pricingMatch: failed ? 'no_usage' : m.price ? 'exact' : 'unknown_model',
        attribution: { feature: f, user: `user-${u}`, tenant: `org-${tenantOf(u)}` },
        traceId: hex(32),
        spanId: hex(16),
        serviceName: SERVICES[u % SERVICES.length]!,
      };
      if (stream) rec.timeToFirstChunkMs = Math.round(duration * 0.2);
      if (failed) {
        rec.errorType = r() < 0.5 ? '429' : '500';
        rec.httpStatus = Number(rec.errorType);
        return rec;
      }
      rec.responseModel = m.response;
      rec.responseId = `resp_${hex(24)}`;
      rec.finishReasons = embeddings ? [] : ['stop'];
      rec.usage = {
        inputTokens: input,
        outputTokens: output,
        cacheReadTokens: cacheRead,
        reasoningTokens: reasoning,
      };
      if (m.price) {
        const inputNanos = (input - cacheRead) * m.price[0];
        const outputNanos = output * m.price[1];
        const cacheReadNanos = cacheRead * m.price[2];
        rec.cost = {
          totalNanos: inputNanos + outputNanos + cacheReadNanos,
          inputNanos,
          outputNanos,
          cacheReadNanos,
          cacheWriteNanos: 0,
          provider: m.provider === GEMINI ? 'google' : m.provider === BEDROCK ? 'aws' : m.provider,
          modelId: m.request,
          match: 'exact',
          source: 'catalog',
          version: 'genai-prices@0.1.8',
          serviceTier: 'standard',
        };
      }
      return rec;
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Writes the store; returns the seconds it took. */
export function generateStore(
  out: string,
  opts: GenOptions,
  log: (line: string) => void = console.log,
): number {
  mkdirSync(dirname(out), { recursive: true });
  const t0 = performance.now();
  const store = openStore(out);
  const factory = callFactory(opts);
  const BATCH = 50_000;
  let done = 0;
  let lastLog = t0;
  while (done < opts.rows) {
    const n = Math.min(BATCH, opts.rows - done);
    const batch: CallInput[] = new Array(n);
    for (let i = 0; i < n; i++) batch[i] = factory.next();
    store.insertMany(batch);
    done += n;
    const now = performance.now();
    if (now - lastLog > 5000 || done === opts.rows) {
      lastLog = now;
      const s = (now - t0) / 1000;
      log(
        `  ${done.toLocaleString('en-US')} / ${opts.rows.toLocaleString('en-US')} rows, ${s.toFixed(0)} s, ${Math.round(done / s).toLocaleString('en-US')} rows/s`,
      );
    }
  }
  store.close();
  const seconds = (performance.now() - t0) / 1000;
  // Kept beside the file so the query benchmark can say how the store was made.
  writeFileSync(
    `${out}.json`,
    `${JSON.stringify({ ...opts, seconds, createdAt: new Date().toISOString() })}\n`,
  );
  return seconds;
}

export const DEFAULT_GEN: GenOptions = {
  rows: 10_000_000,
  endMs: Date.now(),
  days: 45,
  seed: 1,
  users: 5000,
  tenants: 80,
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(arg('out') ?? 'bench/.data/10m.db');
  const opts: GenOptions = {
    ...DEFAULT_GEN,
    rows: Number(arg('rows') ?? DEFAULT_GEN.rows),
    endMs: arg('end') ? Date.parse(arg('end')!) : DEFAULT_GEN.endMs,
    seed: Number(arg('seed') ?? DEFAULT_GEN.seed),
  };
  if (existsSync(out)) {
    if (!process.argv.includes('--force')) {
      console.log(`${out} exists; pass --force to regenerate`);
      process.exit(0);
    }
    for (const s of ['', '-wal', '-shm']) rmSync(out + s, { force: true });
  }
  console.log(`generating ${opts.rows.toLocaleString('en-US')} calls into ${out}`);
  const secs = generateStore(out, opts);
  console.log(`done in ${secs.toFixed(1)} s`);
}
