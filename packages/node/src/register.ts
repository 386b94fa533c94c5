// The preload behind `node --import @tokenmeter/node/register` and `--require`. Starts tokenmeter
// and the ESM loader hook; a failure to start prints one line and the app runs uninstrumented.
import { isMainThread } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { entryPointIsCommonJS } from './entry-point.js';
import { registerEsmHook } from './esm-hook.js';
import { oneLine, startTokenmeterInternal } from './start.js';

function warn(line: string): void {
  try {
    process.stderr.write(`${oneLine(line)}\n`);
  } catch {
    // nothing more to do
  }
}

/**
 * Runs the preload. `from` is the entry file's own path or URL (register.mjs / register.cjs), from
 * which the instrumentation and its loader hook are resolved.
 */
export function preload(from: string): void {
  // Node also runs --require preloads inside its module-hooks thread (and in the app's workers):
  // tokenmeter runs once, in the main thread, where the app's calls are.
  if (!isMainThread) return;
  try {
    const { handle, instrumentation } = startTokenmeterInternal({ warn });
    if (handle.mode === 'disabled' || !instrumentation) return;
    if (handle.config.esmHook === 'off') {
      if (entryPointIsCommonJS()) {
        diag.debug('tokenmeter: ES module hook: off (TOKENMETER_ESM_HOOK=off, a CommonJS entry point)');
        return;
      }
      warn(
        'tokenmeter: TOKENMETER_ESM_HOOK=off is ignored: the entry point is not surely CommonJS (an ES module, TypeScript, stdin or the REPL), and its imports need the hook',
      );
    }
    try {
      const kind = registerEsmHook(instrumentation, from, warn);
      diag.debug(`tokenmeter: ES module hook: ${kind}`);
    } catch (e) {
      warn(
        `tokenmeter: the ES module hook did not register (${(e as Error)?.message ?? e}); SDKs imported with \`import\` are not instrumented, require() still is`,
      );
    }
  } catch (e) {
    warn(`tokenmeter: failed to start, the app runs without it: ${(e as Error)?.message ?? e}`);
  }
}
