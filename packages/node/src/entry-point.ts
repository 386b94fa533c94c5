// Whether the app's entry point is CommonJS, judged before it runs the way Node will judge it: the
// file's extension, its package's `"type"`, the flags that make ambiguous input a module, and, for a
// `.js` file or an `-e` script, whether it compiles as CommonJS (Node runs the ones that fail on
// module syntax as ES modules: syntax detection, on by default since Node 20.19 and 22.12). Asked only
// when the ES module hook might be left out (TOKENMETER_ESM_HOOK=off, or `on` on a Node whose hook
// needs its own thread); whatever cannot be judged for sure counts as an ES module, which keeps
// the hook.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileFunction } from 'node:vm';

/** The parts of `process` the judgement reads. */
export interface EntryProcess {
  argv: readonly string[];
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

const EVAL_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep']);

/** The node flags in effect: the command line's and NODE_OPTIONS'. */
export function nodeFlags(proc: EntryProcess): string[] {
  return [...proc.execArgv, ...(proc.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** `--name=value` or `--name value` among the flags. */
function flagValue(flags: readonly string[], name: string): string | undefined {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    if (f.startsWith(`${name}=`)) return f.slice(name.length + 1);
    if (f === name) return flags[i + 1];
  }
  return undefined;
}

/**
 * Whether this source compiles as a CommonJS module body. Node runs one that fails on module syntax
 * (import/export, import.meta, top-level await) as an ES module; any other syntax error fails the
 * app either way. Both count as not CommonJS, which keeps the hook.
 */
function compilesAsCommonJS(source: string, filename: string): boolean {
  // A hashbang is allowed at the start of a file, not inside the function body the wrapper makes.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  try {
    compileFunction(body, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
    return true;
  } catch {
    return false;
  }
}

/** The `"type"` of the package.json nearest to `file` (Node's package scope), if any. */
function packageType(file: string): string | undefined {
  let dir = path.dirname(file);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    let text: string | undefined;
    try {
      text = readFileSync(pkg, 'utf8');
    } catch {
      // no package.json here: look one level up
    }
    if (text !== undefined) {
      const type = (JSON.parse(text) as { type?: unknown }).type;
      return typeof type === 'string' ? type : undefined;
    }
    const up = path.dirname(dir);
    if (up === dir || path.basename(dir) === 'node_modules') return undefined;
    dir = up;
  }
}

/**
 * The source of `file` when Node surely loads it as CommonJS (a `.cjs` file; a `.js` file outside a
 * `"type": "module"` package that compiles as a CommonJS body), undefined when it may not. Throws
 * when the file or its package.json cannot be read.
 */
export function commonJSSource(file: string, proc: EntryProcess = process): string | undefined {
  const ext = path.extname(file);
  if (ext !== '.cjs' && ext !== '.js') return undefined;
  if (ext === '.js') {
    const type = packageType(file);
    if (type === 'module') return undefined;
    if (type !== 'commonjs' && flagValue(nodeFlags(proc), '--experimental-default-type') === 'module')
      return undefined;
  }
  const source = readFileSync(file, 'utf8');
  return ext === '.cjs' || compilesAsCommonJS(source, file) ? source : undefined;
}

/** The `-e`/`-p` script: null when there is none, undefined when its flag has no value. */
export function evalScript(proc: EntryProcess = process): string | undefined | null {
  const evalAt = proc.execArgv.findIndex((f) => EVAL_FLAGS.has(f) || /^--(eval|print)=/.test(f));
  if (evalAt < 0) return null;
  const f = proc.execArgv[evalAt]!;
  return f.includes('=') ? f.slice(f.indexOf('=') + 1) : proc.execArgv[evalAt + 1];
}

/**
 * True when the app's entry point (a file, or an `-e`/`-p` script) is surely CommonJS; false when it
 * is an ES module or cannot be judged (stdin, the REPL, a TypeScript or extensionless file, an
 * unreadable file or package.json).
 */
export function entryPointIsCommonJS(proc: EntryProcess = process): boolean {
  try {
    const flags = nodeFlags(proc);
    const defaultType = flagValue(flags, '--experimental-default-type');
    const script = evalScript(proc);
    if (script !== null) {
      if (flagValue(flags, '--input-type') === 'module' || defaultType === 'module') return false;
      return script !== undefined && compilesAsCommonJS(script, '[eval]');
    }
    const main = proc.argv[1];
    if (main === undefined) return false;
    const ext = path.extname(main);
    if (ext === '.cjs') return true;
    if (ext !== '.js') return false;
    const type = packageType(main);
    if (type === 'module') return false;
    if (type !== 'commonjs' && defaultType === 'module') return false;
    return compilesAsCommonJS(readFileSync(main, 'utf8'), main);
  } catch {
    // An unreadable entry file or package.json: not judged, so the hook stays (Node reports the
    // file's own problem when it loads it).
    return false;
  }
}
