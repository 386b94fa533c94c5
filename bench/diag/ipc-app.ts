// What the export diagnostics share (perf-export-gc, perf-export-threads, perf-export-first-flush):
// an app process driven over IPC, and variants named in an environment variable.
import { type ChildProcess, spawn } from 'node:child_process';
import { onMeasuredCpu, ROOT } from '../lib/user-level.js';

/** An app process (`node <args>`, on the measured CPU) that answers `{ …msg, id }` with `{ id, ok, result | error }`. */
export class IpcApp {
  private readonly child: ChildProcess;
  private id = 1;
  private readonly waiting = new Map<number, (m: { ok: boolean; result: unknown; error?: string }) => void>();
  readonly ready: Promise<void>;
  constructor(args: string[], env: Record<string, string>) {
    const [cmd, cmdArgs] = onMeasuredCpu(process.execPath, args);
    this.child = spawn(cmd, cmdArgs, { env, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve) =>
      this.child.on('message', (m: { ready?: boolean; id?: number; ok: boolean; result: unknown }) => {
        if (m.ready) resolve();
        else this.waiting.get(m.id!)?.(m);
      }),
    );
  }
  async ask<T>(msg: object): Promise<T> {
    await this.ready;
    const id = this.id++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (m) => (m.ok ? resolve(m.result as T) : reject(new Error(m.error))));
      this.child.send({ ...msg, id });
    });
  }
  /** Asks the app to exit; resolves when it has. */
  exit(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.on('exit', () => resolve()));
    this.child.send({ cmd: 'exit', id: 0 });
    return exited;
  }
}

/**
 * Variants from `spec` ('name=K=V K=V;name2=…'): each a name, its environment, and its preload
 * (a `PRELOAD=` entry, else tokenmeter's).
 */
export function variantsFrom(spec: string): { name: string; env: Record<string, string>; preload: string }[] {
  return spec.split(';').map((v) => {
    const eq = v.indexOf('=');
    const env = Object.fromEntries(
      v
        .slice(eq + 1)
        .split(/\s+/)
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const preload = env.PRELOAD ?? '@tokenmeter/node/register';
    delete env.PRELOAD;
    return { name: v.slice(0, eq), env, preload };
  });
}
