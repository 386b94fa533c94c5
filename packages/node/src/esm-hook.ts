// The ESM half of the preload: registers import-in-the-middle's loader hook, limited to the modules
// the instrumentation patches, so `import OpenAI from 'openai'` in an ES module app is patched the
// way `require('openai')` is (require-in-the-middle needs no loader). Only the listed modules are
// wrapped; every other import loads untouched.
//
// Where Node can run import-in-the-middle's synchronous hooks (`module.registerHooks`, in the app's
// own thread: 22.22.3+, 24.11.1+, 26), they are used. Elsewhere (Node 20, older 22 and 24) the hook
// runs in Node's module-hooks thread (`module.register`): starting that thread is most of what the
// preload adds to start-up there, and Node 26 deprecates `module.register`.
//
// Either way import-in-the-middle's hook itself (its module lexers, one of them WebAssembly) loads
// only when an import resolves to a listed module: until then a small hook of ours passes every
// resolution on. Before that first match import-in-the-middle's hooks would pass them on unchanged
// too (it wraps only listed modules, and keeps no state before it wraps one), so it sees what it
// would have seen from the start.
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

interface ResolveContext {
  parentURL?: string;
  conditions?: readonly string[];
}
type ResolveHook = (
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => unknown,
) => unknown;
type LoadHook = (
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => unknown,
) => unknown;
type RegisterHooks = (hooks: { resolve: ResolveHook; load?: LoadHook }) => unknown;

/** import-in-the-middle's synchronous hooks (create-hook.mjs: what its register-hooks.mjs registers). */
interface IitmSyncHooks {
  resolveSync: ResolveHook;
  loadSync: LoadHook;
  applyOptions(options: { include: (string | RegExp)[] }): void;
}

/**
 * Whether import-in-the-middle would wrap this resolution with this include list (its own default
 * matcher, for lists of bare names and regular expressions): a name equal to the specifier or the
 * URL, or a pattern matching the URL.
 */
export function includes(include: readonly (string | RegExp)[], url: string, specifier: string): boolean {
  return include.some((each) =>
    each instanceof RegExp ? each.test(url) : each === specifier || each === url,
  );
}

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

/** Whether this Node runs import-in-the-middle's hooks in-thread (its own `supportsSyncHooks`: nodejs/node#59929). */
export function canRunSyncHooks(req: NodeJS.Require): boolean {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return false;
  // An ES module without imports, loaded with `require` (which every Node with registerHooks can do).
  const { supportsSyncHooks } = req('./supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean };
  return supportsSyncHooks();
}

/**
 * In-thread hooks that load import-in-the-middle's (`load()`) at the first import resolving to a
 * listed module, and hand it that resolution and every one after it.
 */
export function lateSyncHooks(
  include: readonly (string | RegExp)[],
  load: () => Pick<IitmSyncHooks, 'resolveSync' | 'loadSync'>,
): { resolve: ResolveHook; load: LoadHook } {
  let iitm: Pick<IitmSyncHooks, 'resolveSync' | 'loadSync'> | undefined;
  return {
    resolve(specifier, context, nextResolve) {
      if (iitm) return iitm.resolveSync(specifier, context, nextResolve);
      const result = nextResolve(specifier, context) as { url: string };
      // require() resolutions go through these hooks too; import-in-the-middle leaves them alone.
      if (context.conditions?.includes('require') || !includes(include, result.url, specifier)) return result;
      iitm = load();
      return iitm.resolveSync(specifier, context, nextResolve);
    },
    load(url, context, nextLoad) {
      return iitm ? iitm.loadSync(url, context, nextLoad) : nextLoad(url, context);
    },
  };
}

/** import-in-the-middle's synchronous hooks with this include list (its create-hook.mjs, an ES module). */
function loadIitmSyncHooks(req: NodeJS.Require, include: (string | RegExp)[]): IitmSyncHooks {
  const { createHook } = req('./create-hook.mjs') as { createHook(meta: { url: string }): IitmSyncHooks };
  // The URL its hook.mjs would give: the hooks find import-in-the-middle's own files from it.
  const hooks = createHook({ url: pathToFileURL(req.resolve('./hook.mjs')).href });
  hooks.applyOptions({ include });
  return hooks;
}

/** How the hook was registered: in the app's thread, in Node's hooks thread, or not at all. */
export type EsmHookKind = 'in-thread' | 'hooks-thread' | 'none';

/** The loader hook this Node can take, and what registers it. */
export interface EsmHookPlan {
  kind: EsmHookKind;
  /** Registers the hook (nothing for 'none'). May throw. */
  register(): void;
}

/**
 * How the loader hook goes on this Node: in-thread (`module.registerHooks`) where Node supports it,
 * else with `module.register` (Node 20.6+) in Node's hooks thread. 'none', with the reason in `warn`,
 * when this Node can do neither (ESM imports then stay unpatched; CommonJS still works).
 */
export function planEsmHook(
  instrumentation: HookedInstrumentation,
  from: string,
  warn: (line: string) => void,
): EsmHookPlan {
  const include = esmIncludeList(instrumentation);
  if (include.length === 0) return { kind: 'none', register() {} };
  const req = iitmRequire(from);
  if (canRunSyncHooks(req)) {
    return {
      kind: 'in-thread',
      register() {
        const registerHooks = (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks;
        registerHooks(lateSyncHooks(include, () => loadIitmSyncHooks(req, include)));
        registerHooks({ resolve: builtinWithoutParent });
      },
    };
  }
  const register = (nodeModule as unknown as { register?: Register }).register;
  if (typeof register !== 'function') {
    warn(
      `tokenmeter: this Node.js (${process.version}) has no module.register (20.6+); LLM SDKs imported as ES modules are not instrumented`,
    );
    return { kind: 'none', register() {} };
  }
  const fromUrl = from.startsWith('file:') ? from : pathToFileURL(from).href;
  return {
    kind: 'hooks-thread',
    register() {
      // Our hook file (next to the register entries), which loads import-in-the-middle's hook.mjs in
      // the hooks thread at the first listed import.
      register(new URL('./late-iitm-hook.mjs', fromUrl).href, fromUrl, {
        data: { include, iitmHook: pathToFileURL(req.resolve('./hook.mjs')).href },
      });
    },
  };
}

/** Registers the loader hook at once (see `planEsmHook`) and says how. */
export function registerEsmHook(
  instrumentation: HookedInstrumentation,
  from: string,
  warn: (line: string) => void,
): EsmHookKind {
  const plan = planEsmHook(instrumentation, from, warn);
  plan.register();
  return plan.kind;
}
