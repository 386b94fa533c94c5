// Shared helpers of the CLI tests: temp stores filled with realistic priced calls, the CLI run in
// process with captured output, and the real bin run as a child process.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateCost } from '@tokenmeter/pricing';
import { GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI } from '@tokenmeter/semconv';
import { type CallInput, type CostStore, openStore } from '@tokenmeter/store';
import type { CliIO } from '../src/io.js';
import { runCli } from '../src/main.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(PACKAGE_ROOT, 'bin', 'tokenmeter.mjs');
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** One USD in nano-USD. */
export const USD = 1_000_000_000;
/**
 * A pricing file (TOKENMETER_PRICING_FILE) with two made-up models at round prices (USD per million
 * tokens), so the money tests compute every figure by hand. Batch is ×0.5 for openai models.
 */
export const ROUND_PRICES_YAML = `models:
  - id: src-model
    provider: openai
    prices: { input_mtok: 2.00, cache_read_mtok: 0.50, output_mtok: 8.00 }
  - id: cheap-model
    provider: openai
    prices: { input_mtok: 0.40, cache_read_mtok: 0.10, output_mtok: 1.60 }
`;
/** "Now" of the tests: Monday 2026-11-23 12:00 UTC. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tm-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface CallSpec {
  at: number;
  provider: string;
  model: string;
  responseModel?: string;
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  feature?: string;
  user?: string;
  tenant?: string;
  error?: { type: string; status: number };
  stream?: boolean;
  estimated?: boolean;
  traceId?: string;
}

/** A CallInput priced by the real pricing engine (unpriced when the model is unknown). */
export function pricedCall(s: CallSpec): CallInput {
  const usage = s.error
    ? undefined
    : {
        inputTokens: s.input,
        outputTokens: s.output,
        cacheReadTokens: s.cacheRead ?? 0,
        cacheWriteTokens: s.cacheWrite ?? 0,
        reasoningTokens: s.reasoning ?? 0,
      };
  const cost = usage
    ? calculateCost({ provider: s.provider, model: s.responseModel ?? s.model, usage, timestamp: s.at })
    : null;
  return {
    startTimeMs: s.at,
    durationMs: 420,
    ...(s.stream ? { timeToFirstChunkMs: 180 } : {}),
    provider: s.provider,
    operation: s.model.includes('embedding') ? 'embeddings' : 'chat',
    requestModel: s.model,
    ...(s.error
      ? {}
      : { responseModel: s.responseModel ?? s.model, responseId: `resp-${s.at}`, finishReasons: ['stop'] }),
    stream: s.stream ?? false,
    serverAddress: 'api.example.test',
    ...(usage ? { usage } : {}),
    usageEstimated: s.estimated ?? false,
    cost: cost
      ? {
          totalNanos: cost.totalNanos,
          inputNanos: cost.inputNanos,
          outputNanos: cost.outputNanos,
          cacheReadNanos: cost.cacheReadNanos,
          cacheWriteNanos: cost.cacheWriteNanos,
          provider: cost.provider,
          modelId: cost.modelId,
          match: cost.match,
          source: cost.source,
          version: cost.version,
          serviceTier: cost.serviceTier,
        }
      : null,
    pricingMatch: cost ? cost.match : usage ? 'unknown_model' : 'no_usage',
    ...(s.error ? { errorType: s.error.type, httpStatus: s.error.status } : { httpStatus: 200 }),
    attribution: {
      ...(s.feature === undefined ? {} : { feature: s.feature }),
      ...(s.user === undefined ? {} : { user: s.user }),
      ...(s.tenant === undefined ? {} : { tenant: s.tenant }),
    },
    traceId: s.traceId ?? `${s.at.toString(16).padStart(32, '0')}`,
    spanId: `${(s.at % 0xffffffff).toString(16).padStart(16, '0')}`,
    serviceName: 'api',
  };
}

/** A stored call with the given tokens and cost (nano-dollars), as if priced by an override. */
export function costedCall(o: {
  at: number;
  provider: string;
  model: string;
  input: number;
  cacheRead?: number;
  cacheWrite?: number;
  output: number;
  nanos: number;
}): CallInput {
  return {
    startTimeMs: o.at,
    durationMs: 100,
    provider: o.provider,
    operation: 'chat',
    requestModel: o.model.replace(/-20\d{2}-?\d{2}-?\d{2}$/, ''),
    responseModel: o.model,
    stream: false,
    usage: {
      inputTokens: o.input,
      outputTokens: o.output,
      cacheReadTokens: o.cacheRead ?? 0,
      cacheWriteTokens: o.cacheWrite ?? 0,
    },
    usageEstimated: false,
    cost: {
      totalNanos: o.nanos,
      inputNanos: o.nanos,
      outputNanos: 0,
      cacheReadNanos: 0,
      cacheWriteNanos: 0,
      provider: o.provider,
      modelId: o.model,
      match: 'override',
      source: 'override',
      version: 'overrides',
      serviceTier: 'standard',
    },
    pricingMatch: 'override',
    httpStatus: 200,
    attribution: {},
  };
}

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS: [string, string, string][] = [
  ['openai', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18'],
  ['openai', 'gpt-4o', 'gpt-4o-2024-08-06'],
  ['anthropic', 'claude-sonnet-4-6', 'claude-sonnet-4-6'],
  [GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI, 'gemini-2.5-flash', 'gemini-2.5-flash'],
  ['openai', 'text-embedding-3-small', 'text-embedding-3-small'],
];

/**
 * `n` realistic calls between `from` and `to`: several providers and models, features, users,
 * tenants, some cache reads, a few errors, a few unpriced calls.
 */
export function sampleCalls(n: number, from: number, to: number, seed = 7): CallInput[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: CallInput[] = [];
  for (let i = 0; i < n; i++) {
    const at = from + Math.floor(r() * (to - from));
    const [provider, model, responseModel] = pick(MODELS);
    const kind = r();
    const input = 200 + Math.floor(r() * 4000);
    out.push(
      pricedCall({
        at,
        provider,
        model: kind < 0.03 ? 'ft:acme-secret-model' : model,
        responseModel: kind < 0.03 ? 'ft:acme-secret-model' : responseModel,
        input,
        output: model.includes('embedding') ? 0 : 20 + Math.floor(r() * 800),
        cacheRead: r() < 0.3 ? Math.floor(input / 2) : 0,
        feature: pick(['support-chat', 'search', 'summarize', 'classify']),
        user: pick(['u-1', 'u-2', 'u-3', 'u-4', 'u-5', 'u-6']),
        tenant: pick(['acme', 'globex', 'initech']),
        ...(kind > 0.96 ? { error: { type: '429', status: 429 } } : {}),
        stream: r() < 0.3,
      }),
    );
  }
  return out;
}

/** A store at `dir/name` holding `calls`. Returns its path. */
export function makeStore(dir: string, calls: CallInput[], name = 'store.db'): string {
  const file = path.join(dir, name);
  const store = openStore(file);
  try {
    store.insertMany(calls);
  } finally {
    store.close();
  }
  return file;
}

export function withStore<T>(file: string, fn: (store: CostStore) => T): T {
  const store = openStore(file, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  tty?: boolean;
  columns?: number;
  now?: number;
  cwd?: string;
  stdin?: CliIO['stdin'];
  /** Where the CLI's own files are (default: this package). */
  packageRoot?: string;
}

/** Runs `tokenmeter argv` in this process, output captured, colours off unless asked. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const tty = options.tty ?? false;
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: tty, columns: options.columns ?? 200 },
    stderr: { write: (s: string) => (stderr += s), isTTY: tty, columns: options.columns ?? 200 },
    ...(options.stdin ? { stdin: options.stdin } : {}),
    env: {
      NO_COLOR: '1',
      HOME: os.tmpdir(),
      TOKENMETER_HOME: path.join(os.tmpdir(), 'tm-cli-no-home'),
      ...options.env,
    },
    cwd: options.cwd ?? process.cwd(),
    packageRoot: options.packageRoot ?? PACKAGE_ROOT,
    now: () => options.now ?? NOW,
  });
  return { code, stdout, stderr };
}

/**
 * Starts `test/fixtures/<fixture>` under the preload (`--import @tokenmeter/node/register`), with
 * `env` over a clean environment: no OTEL_* or TOKENMETER_* from the outer shell leaks in.
 */
export function spawnUnderPreload(
  fixture: string,
  env: Record<string, string>,
): ChildProcessWithoutNullStreams {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('TOKENMETER_') && k !== 'NODE_OPTIONS')
      clean[k] = v;
  return spawn(
    process.execPath,
    ['--import', '@tokenmeter/node/register', path.join(PACKAGE_ROOT, 'test/fixtures', fixture)],
    { cwd: PACKAGE_ROOT, env: { ...clean, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Runs the real `bin/tokenmeter.mjs` (built dist) as a child process. */
export function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? PACKAGE_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
