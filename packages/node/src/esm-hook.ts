// The ESM half of the preload: registers import-in-the-middle's loader hook, limited to the modules
// the instrumentation patches, so `import OpenAI from 'openai'` in an ES module app is patched the
// way `require('openai')` is (require-in-the-middle needs no loader). Only the listed modules are
// wrapped; every other import loads untouched.
import nodeModule, { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** A module the instrumentation hooks, as `InstrumentationBase#getModuleDefinitions()` lists it. */
interface ModuleDefinitionLike {
  name: string;
  files?: readonly { name: string }[];
}

/** Something with `getModuleDefinitions()` (an InstrumentationBase). */
export interface HookedInstrumentation {
  getModuleDefinitions(): ModuleDefinitionLike[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The include list for the loader: each patched package by its bare name, and, for packages whose
 * internal files are patched, the files under that package's directory.
 */
export function esmIncludeList(instrumentation: HookedInstrumentation): (string | RegExp)[] {
  const include: (string | RegExp)[] = [];
  for (const def of instrumentation.getModuleDefinitions()) {
    if (!include.includes(def.name)) include.push(def.name);
    if (def.files && def.files.length > 0) {
      include.push(new RegExp(`/node_modules/${escapeRegExp(def.name)}/`));
    }
  }
  return include;
}

/**
 * The loader hook of the import-in-the-middle copy that @tokenmeter/instrumentation's
 * @opentelemetry/instrumentation uses. It must be that copy: the hook and `Hook()` talk through
 * module state of one import-in-the-middle installation.
 */
export function resolveLoaderHook(from: string): string {
  const require1 = createRequire(from);
  const instrumentation = require1.resolve('@tokenmeter/instrumentation');
  const otelInstrumentation = createRequire(instrumentation).resolve('@opentelemetry/instrumentation');
  return createRequire(otelInstrumentation).resolve('import-in-the-middle/hook.mjs');
}

type Register = (specifier: string, parentURL: string, options: { data: unknown }) => void;

/**
 * Registers the loader hook (Node 20.6+: `module.register`). Returns false, with the reason in
 * `warn`, when this Node cannot (ESM imports then stay unpatched; CommonJS still works).
 */
export function registerEsmHook(
  instrumentation: HookedInstrumentation,
  from: string,
  warn: (line: string) => void,
): boolean {
  const register = (nodeModule as unknown as { register?: Register }).register;
  if (typeof register !== 'function') {
    warn(
      `tokenmeter: this Node.js (${process.version}) has no module.register (20.6+); LLM SDKs imported as ES modules are not instrumented`,
    );
    return false;
  }
  const include = esmIncludeList(instrumentation);
  if (include.length === 0) return true;
  const hook = resolveLoaderHook(from);
  const fromUrl = from.startsWith('file:') ? from : pathToFileURL(from).href;
  register(pathToFileURL(hook).href, fromUrl, { data: { include } });
  return true;
}
