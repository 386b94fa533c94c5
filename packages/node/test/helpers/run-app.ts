// Runs an app in a child process, under the preload or bare, and collects what it printed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO = path.resolve(NODE_PKG, '../..');
export const FIXTURES = path.join(NODE_PKG, 'test/e2e/fixtures');

export type Preload = 'import' | 'require' | 'none';

export interface RunOptions {
  preload: Preload;
  env?: Record<string, string | undefined>;
  /** Extra node flags before the preload (e.g. a user's own `--import ./otel.mjs`). */
  nodeArgs?: string[];
  args?: string[];
  cwd?: string;
  /** Kill the child after this long (a hang guard, not an assertion). Default 60 s. */
  killAfterMs?: number;
  /** Called with the child once it printed `line` on stdout (to send it signals). */
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void;
  /** The same for a line on stderr. */
  onErrLine?: (line: string, child: ReturnType<typeof spawn>) => void;
  /** The Node binary. Default: this one. */
  node?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Lines of stdout that parse as JSON objects. */
  json: Record<string, unknown>[];
  elapsedMs: number;
  killed: boolean;
}

/** A clean environment: no OTEL_* or TOKENMETER_* from the outer shell leaks into a test. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('OTEL_') || k.startsWith('TOKENMETER_') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runApp(app: string, opts: RunOptions): Promise<RunResult> {
  const args = [...(opts.nodeArgs ?? [])];
  if (opts.preload === 'import') args.push('--import', '@tokenmeter/node/register');
  if (opts.preload === 'require') args.push('--require', '@tokenmeter/node/register');
  args.push(app, ...(opts.args ?? []));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, args, {
      cwd: opts.cwd ?? FIXTURES,
      env: baseEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      pending += d;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        opts.onLine?.(line, child);
        nl = pending.indexOf('\n');
      }
    });
    let errPending = '';
    child.stderr.on('data', (d: string) => {
      stderr += d;
      errPending += d;
      let nl = errPending.indexOf('\n');
      while (nl >= 0) {
        opts.onErrLine?.(errPending.slice(0, nl), child);
        errPending = errPending.slice(nl + 1);
        nl = errPending.indexOf('\n');
      }
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.killAfterMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const json: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          json.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a JSON line
        }
      }
      resolve({ code, signal, stdout, stderr, json, elapsedMs: performance.now() - started, killed });
    });
  });
}

/** stderr lines that tokenmeter printed. */
export function tokenmeterLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('tokenmeter:'));
}

/** A TCP port that was free a moment ago (for OTEL_EXPORTER_PROMETHEUS_PORT and dead endpoints). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
