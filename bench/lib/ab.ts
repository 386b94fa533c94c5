// Shared by the in-process A/B diagnostics (fetch-ab, stream-ab): the instrumentation's source at a
// git ref, and the mock provider's bytes for a streamed chat completion.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './user-level.js';

/** The instrumentation package's directory (its `src` is the "after" side). */
export const INSTRUMENTATION = join(ROOT, 'packages', 'instrumentation');

/** The store package's directory. */
export const STORE = join(ROOT, 'packages', 'store');

/**
 * Run `fn` with a package's `src` at `ref` (the instrumentation's unless `pkg` names another
 * package directory) extracted beside this tree's (so it resolves the same packages); removed afterwards.
 */
export async function withSourceAt<T>(
  ref: string,
  name: string,
  fn: (dir: string) => Promise<T>,
  pkg: string = INSTRUMENTATION,
): Promise<T> {
  const dir = join(pkg, `.${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${ref} src | tar -x -C ${dir}`], { cwd: pkg });
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The mock provider's bytes for a 50-chunk streamed chat completion, without and with include_usage.
 * `obfuscation`: chunks end with api.openai.com's `"obfuscation"` padding (the mock's default since
 * a85aa5e); off by default here, so the A/B diagnostics keep the shape their recorded figures had.
 */
export async function mockStreamBodies(
  options: { obfuscation?: boolean } = {},
): Promise<{ plain: Uint8Array; withUsage: Uint8Array }> {
  const { startMockProvider } = await import('../../packages/mock-provider/src/index.js');
  const mock = await startMockProvider({ port: 0 });
  try {
    const get = async (includeUsage: boolean) => {
      const r = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-output-tokens': '48' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: true,
          stream_options: { include_usage: includeUsage, include_obfuscation: options.obfuscation === true },
          messages: [{ role: 'user', content: 'Say hello' }],
        }),
      });
      return new Uint8Array(await r.arrayBuffer());
    };
    return { plain: await get(false), withUsage: await get(true) };
  } finally {
    await mock.close();
  }
}

/** A body cut one server-sent event per chunk (each chunk owning its buffer). */
export function oneEventPerChunk(all: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const buf = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  let from = 0;
  for (let at = buf.indexOf('\n\n'); at !== -1; at = buf.indexOf('\n\n', from)) {
    out.push(all.slice(from, at + 2));
    from = at + 2;
  }
  if (from < all.length) out.push(all.slice(from));
  return out;
}
