// Registers the ES module hook only when a CommonJS app is about to need it. Where the hook runs in
// Node's module-hooks thread (`module.register`: Node 20, older 22 and 24), starting that thread is
// most of what the preload adds to start-up (~40 ms CPU, ~50 ms wall on Node 20), whatever the hook
// holds. Where it runs in the app's thread (`module.registerHooks`: Node 22.22.3+, 24.11.1+, 26),
// every `require` resolution and load passes through Node's hook chain once any hook is registered
// (file paths turned into URLs and back, each step's result checked): ~20–40 ms CPU for the ~230
// files of `require('openai')` on Node 24 and 26, though import-in-the-middle leaves `require` alone.
//
// An app whose entry point is CommonJS reaches an SDK's ES module build only through `import()`, or
// through `require` of an ES module: on Node 20 that does not run `module.register` hooks at all; on
// Node 24+ it runs the in-thread hooks for the ES module's static imports, which resolve once it is
// compiled. So the hook is registered just before the first CommonJS module whose source can start
// an import runs: one with an `import(` expression (not in a comment line, not of a builtin, not the
// `import()` of prose, not of a relative CommonJS file that cannot import), or an ES module loaded by
// `require` (registered before it links). Every
// module compiled after the preload passes by this check: the app's,
// its dependencies', an `-e` script's; the modules compiled before the preload (other `--require`
// preloads) are read and checked at start. What no module source shows (an import in `eval` or
// `new Function` text, or in a `vm` script) is not seen: `TOKENMETER_ESM_HOOK=start` registers the
// hook at start-up for such an app.
import { readFileSync, realpathSync } from 'node:fs';
import Module, { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commonJSSource, type EntryProcess, nodeFlags } from './entry-point.js';

const IMPORT_CALL = /\bimport\s*\(\s*(.)/g;

/** Whether the text before `index` on its line marks a comment line (`//`, `/*` or a JSDoc `*`). */
function onCommentLine(source: string, index: number): boolean {
  const lineStart = source.lastIndexOf('\n', index - 1) + 1;
  const before = source.slice(lineStart, index).trimStart();
  return before.startsWith('//') || before.startsWith('*') || before.startsWith('/*');
}

/** The string literal starting at `at` (a quote), or undefined when it does not end on that line. */
function literalAt(source: string, at: number): string | undefined {
  const quote = source[at]!;
  for (let i = at + 1; i < source.length; i++) {
    const c = source[i];
    if (c === quote) return source.slice(at + 1, i);
    if (c === '\\' || c === '\n' || (quote === '`' && c === '$')) return undefined;
  }
  return undefined;
}

/**
 * Whether this module source has an `import()` expression that can load an ES module: any outside a
 * comment line, except `import()` with nothing inside (prose), the import of a builtin by name, and
 * an import of a literal that `loadsCommonJSOnly` says loads only CommonJS. Errs towards yes: a match in a string or a trailing comment counts.
 */
export function mayImportEsModule(
  source: string,
  loadsCommonJSOnly?: (specifier: string) => boolean,
): boolean {
  if (!source.includes('import')) return false;
  for (const m of source.matchAll(IMPORT_CALL)) {
    const next = m[1]!;
    if (next === ')') continue;
    if (onCommentLine(source, m.index)) continue;
    if (next === "'" || next === '"' || next === '`') {
      const name = literalAt(source, m.index + m[0].length - 1);
      if (name !== undefined && (isBuiltin(name) || loadsCommonJSOnly?.(name) === true)) continue;
    }
    return true;
  }
  return false;
}

/**
 * Whether `import(specifier)` in the CommonJS module `from` surely loads a CommonJS file that cannot
 * start an import itself (judged the same way, two levels deep): a relative path to a `.cjs` file, or
 * to a `.js` file that Node runs as CommonJS (entry-point.ts). OpenTelemetry's resources package,
 * loaded with the SDK at the first call, imports its platform's machine-id reader this way.
 */
export function loadsCommonJSOnly(from: string, specifier: string, depth = 0): boolean {
  // Relative paths only, and none that reads differently as a URL than as a path.
  if (depth > 2 || !/^\.\.?\//.test(specifier) || /[%?#\\]/.test(specifier)) return false;
  try {
    const file = path.resolve(path.dirname(from), specifier);
    const source = commonJSSource(file);
    return source !== undefined && !mayImportEsModule(source, (s) => loadsCommonJSOnly(file, s, depth + 1));
  } catch {
    return false; // unreadable: counts as an import that may load an ES module
  }
}

const ESM_PRELOAD_FLAGS = ['--import', '--loader', '--experimental-loader'];

/** The file a `--import` / loader flag names, resolved from the working directory (as Node does). */
function preloadFile(value: string, cwd: string): string | undefined {
  try {
    if (value.startsWith('file:')) return realpathSync(fileURLToPath(value));
    if (value.startsWith('.') || path.isAbsolute(value)) return realpathSync(path.resolve(cwd, value));
    return realpathSync(createRequire(path.join(cwd, 'noop.js')).resolve(value));
  } catch {
    return undefined;
  }
}

/**
 * The first `--import` or loader flag that is not this preload (whose register entry is `from`): an ES
 * module preload whose imports, static or not, need the hook from the start. A loader flag starts
 * the hooks thread anyway.
 */
export function otherEsmPreload(from: string, proc: EntryProcess = process): string | undefined {
  const flags = nodeFlags(proc);
  const fromPath = from.startsWith('file:') ? fileURLToPath(from) : from;
  const ours = path.dirname(realpathSync(fromPath));
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const name = ESM_PRELOAD_FLAGS.find((n) => f === n || f.startsWith(`${n}=`));
    if (name === undefined) continue;
    const value = f === name ? flags[++i] : f.slice(name.length + 1);
    if (value === undefined) continue;
    const file = name === '--import' ? preloadFile(value, process.cwd()) : undefined;
    if (file === undefined || path.dirname(file) !== ours || !/^register\.[cm]js$/.test(path.basename(file)))
      return `${name} ${value}`;
  }
  return undefined;
}

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/**
 * Whether any of these files (CommonJS modules already loaded: earlier `--require` preloads) can
 * start an import. An unreadable one counts as yes.
 */
export function anyMayImport(files: readonly string[]): string | undefined {
  for (const file of files) {
    if (!/\.[cm]?js$/.test(file)) continue;
    try {
      if (mayImportEsModule(readFileSync(file, 'utf8'))) return file;
    } catch {
      return file;
    }
  }
  return undefined;
}

/** Whether a module about to be compiled may start an import: an ES module, or a source with `import(`. */
function mayImport(content: unknown, filename: unknown, format: unknown): boolean {
  if (format === 'module' || typeof content !== 'string') return true;
  return mayImportEsModule(
    content,
    typeof filename === 'string' ? (specifier) => loadsCommonJSOnly(filename, specifier) : undefined,
  );
}

/**
 * Calls `register(filename)` once, just before the first CommonJS module that may start an import
 * runs (see the top of this file). `register` must not throw; a failure of the check itself goes to
 * `onError` and counts as a module that imports.
 */
export function registerBeforeFirstImport(
  register: (filename: string) => void,
  onError: (error: unknown) => void,
): void {
  const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const original = proto._compile;
  let pending = true;
  const watched: Compile = function (this: unknown, content, filename, ...rest) {
    if (pending) {
      let now = true;
      try {
        now = mayImport(content, filename, rest[0]);
      } catch (error) {
        onError(error);
      }
      if (now) {
        pending = false;
        // Someone may have wrapped _compile over ours since: then ours stays, passing through.
        if (proto._compile === watched) proto._compile = original;
        register(String(filename));
      }
    }
    return original.call(this, content, filename, ...rest);
  };
  proto._compile = watched;
}
