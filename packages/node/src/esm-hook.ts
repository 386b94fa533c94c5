// The ESM half of the preload: registers import-in-the-middle's loader hook, limited to the modules
// the instrumentation patches, so `import OpenAI from 'openai'` in an ES module app is patched the
// way `require('openai')` is (require-in-the-middle needs no loader). Only the listed modules are
// wrapped; every other import loads untouched.
//
// Where Node can run import-in-the-middle's synchronous hooks (`module.registerHooks`, in the app's
// own thread: 22.22.3+, 24.11.1+, 26), they are used. Elsewhere (Node 20, older 22 and 24) the hook
// runs in Node's module-hooks thread (`module.register`): starting that thread and loading the hook
// there is most of what the preload adds to start-up, and Node 26 deprecates `module.register`.
import nodeModule, { createRequire, isBuiltin } from 'node:module';
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
 * `require` from the import-in-the-middle copy that @tokenmeter/instrumentation's
 * @opentelemetry/instrumentation uses. It must be that copy: the hook and `Hook()` talk through
 * module state of one import-in-the-middle installation.
 */
function iitmRequire(from: string): NodeJS.Require {
  const instrumentation = createRequire(from).resolve('@tokenmeter/instrumentation');
  const otelInstrumentation = createRequire(instrumentation).resolve('@opentelemetry/instrumentation');
  return createRequire(createRequire(otelInstrumentation).resolve('import-in-the-middle/package.json'));
}

type Register = (specifier: string, parentURL: string, options: { data: unknown }) => void;
type RegisterSyncHooks = (options: { include: (string | RegExp)[] }) => void;

interface ResolveContext {
  parentURL?: string;
}
type ResolveHook = (
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => unknown,
) => unknown;
type RegisterHooks = (hooks: { resolve: ResolveHook }) => unknown;

/**
 * A builtin required without a parent module resolves to itself, past import-in-the-middle.
 * import-in-the-middle 3.6 takes any resolution without a parent for the entry point and gives it
 * the format `commonjs`; for the builtins that `node -e` and `node -p` expose as globals (`module`,
 * `fs`, ...), Node then reads a file named after the builtin and the process dies with ENOENT.
 * Registered after import-in-the-middle's hooks, so it runs before them.
 */
export const builtinWithoutParent: ResolveHook = (specifier, context, nextResolve) => {
  if (!context.parentURL && isBuiltin(specifier)) {
    return { url: specifier.startsWith('node:') ? specifier : `node:${specifier}`, shortCircuit: true };
  }
  return nextResolve(specifier, context);
};

/**
 * import-in-the-middle's in-thread hooks, where this Node runs them correctly (its own
 * `supportsSyncHooks`: `module.registerHooks` with nodejs/node#59929), else undefined. Both files are
 * ES modules loaded with `require`, which every Node that has `module.registerHooks` can do.
 */
export function syncHooks(req: NodeJS.Require): RegisterSyncHooks | undefined {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return undefined;
  const { supportsSyncHooks } = req('./supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean };
  if (!supportsSyncHooks()) return undefined;
  return (req('./register-hooks.mjs') as { register: RegisterSyncHooks }).register;
}

/** How the hook was registered: in the app's thread, in Node's hooks thread, or not at all. */
export type EsmHookKind = 'in-thread' | 'hooks-thread' | 'none';

/**
 * Registers the loader hook: in-thread (`module.registerHooks`) where Node supports it, else with
 * `module.register` (Node 20.6+). Returns 'none', with the reason in `warn`, when this Node can do
 * neither (ESM imports then stay unpatched; CommonJS still works).
 */
export function registerEsmHook(
  instrumentation: HookedInstrumentation,
  from: string,
  warn: (line: string) => void,
): EsmHookKind {
  const include = esmIncludeList(instrumentation);
  if (include.length === 0) return 'none';
  const req = iitmRequire(from);
  const registerSync = syncHooks(req);
  if (registerSync) {
    registerSync({ include });
    (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks({
      resolve: builtinWithoutParent,
    });
    return 'in-thread';
  }
  const register = (nodeModule as unknown as { register?: Register }).register;
  if (typeof register !== 'function') {
    warn(
      `tokenmeter: this Node.js (${process.version}) has no module.register (20.6+); LLM SDKs imported as ES modules are not instrumented`,
    );
    return 'none';
  }
  const fromUrl = from.startsWith('file:') ? from : pathToFileURL(from).href;
  register(pathToFileURL(req.resolve('./hook.mjs')).href, fromUrl, { data: { include } });
  return 'hooks-thread';
}
