// The preload behind `node --import @tokenmeter/node/register` and `--require`. Starts tokenmeter
// and the ESM loader hook; a failure to start prints one line and the app runs uninstrumented.
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import { entryPointIsCommonJS, evalScript } from './entry-point.js';
import { planEsmHook } from './esm-hook.js';
import {
  anyMayImport,
  mayImportEsModule,
  otherEsmPreload,
  registerBeforeFirstImport,
} from './esm-hook-on-demand.js';
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
 * which the instrumentation and its loader hook are resolved. `loadedBefore`: the CommonJS modules
 * loaded before tokenmeter's own (preload-pack-loader.ts); by default, those loaded before this call.
 */
export function preload(from: string, loadedBefore?: readonly string[]): void {
  // Node also runs --require preloads inside its module-hooks thread (and in the app's workers):
  // tokenmeter runs once, in the main thread, where the app's calls are.
  if (!isMainThread) return;
  // The CommonJS modules loaded before this preload (other --require preloads), read if the hook waits.
  const before = loadedBefore ?? Object.keys((Module as unknown as { _cache: object })._cache);
  try {
    const { handle, instrumentation } = startTokenmeterInternal({ warn });
    if (handle.mode === 'disabled' || !instrumentation) return;
    const mode = handle.config.esmHook;
    if (mode === 'off') {
      if (entryPointIsCommonJS()) {
        diag.debug('tokenmeter: ES module hook: off (TOKENMETER_ESM_HOOK=off, a CommonJS entry point)');
        return;
      }
      warn(
        'tokenmeter: TOKENMETER_ESM_HOOK=off is ignored: the entry point is not surely CommonJS (an ES module, TypeScript, stdin or the REPL), and its imports need the hook',
      );
    }
    const plan = planEsmHook(instrumentation, from, warn);
    const register = (when: string) => {
      try {
        plan.register();
        diag.debug(`tokenmeter: ES module hook: ${plan.kind}${when}`);
      } catch (e) {
        warn(
          `tokenmeter: the ES module hook did not register (${(e as Error)?.message ?? e}); SDKs imported with \`import\` are not instrumented, require() still is`,
        );
      }
    };
    // Both kinds wait: the hooks thread costs its start-up (~40 ms CPU on Node 20), and in-thread
    // hooks make Node convert and pass every require() resolution of the app through the hook chain
    // (~20–40 ms CPU for `require('openai')`'s ~230 files on Node 24 and 26).
    if (mode === 'on' && plan.kind !== 'none' && hookCanWait(from, before)) {
      diag.debug(
        'tokenmeter: ES module hook: waits for the first module that can import, a CommonJS entry point',
      );
      registerBeforeFirstImport(
        (file) => register(`, started before ${file} ran, which can import`),
        (e) => instrumentation.runtime.internalError('esm_hook', e),
      );
      return;
    }
    register('');
  } catch (e) {
    warn(`tokenmeter: failed to start, the app runs without it: ${(e as Error)?.message ?? e}`);
  }
}

/** Whether `file` is one of this package's, where `from` (its register entry) is. */
function isOwnFile(file: string, from: string): boolean {
  const dir = path.dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  return file.startsWith(dir + path.sep);
}

/**
 * Whether the ES module hook can wait for the first module that can import, see esm-hook-on-demand.ts:
 * a CommonJS entry point, no other ES module preload or loader, and no earlier CommonJS preload that
 * can import.
 */
function hookCanWait(from: string, before: readonly string[]): boolean {
  if (!entryPointIsCommonJS()) return false;
  const other = otherEsmPreload(from);
  if (other !== undefined) {
    diag.debug(`tokenmeter: ES module hook: at start-up (${other})`);
    return false;
  }
  const script = evalScript();
  // Node runs an -e/-p script with vm, not through the CommonJS loader that the wait watches.
  if (typeof script === 'string' && mayImportEsModule(script)) {
    diag.debug('tokenmeter: ES module hook: at start-up (the -e/-p script can import)');
    return false;
  }
  const importer = anyMayImport(before.filter((file) => !isOwnFile(file, from)));
  if (importer !== undefined) {
    diag.debug(
      `tokenmeter: ES module hook: at start-up (${importer}, loaded before the preload, can import)`,
    );
    return false;
  }
  return true;
}
