// `require` for a module of any tokenmeter package, in its ESM build and its CommonJS build alike
// (neither `import.meta` nor `__filename` exists in both): the caller's file is read off the call
// stack. Lets a package load a dependency that most processes never need (a SQLite driver, the YAML
// parser, RE2, the store) when first needed, synchronously, instead of at import: the preload
// imports these packages at start-up, where every millisecond is paid by every process.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * A `require` resolving from the file of the function that calls this one (call it once per module,
 * lazily, and keep the result). From an ES module it loads a package's CommonJS entry.
 */
export function requireForCaller(): NodeJS.Require {
  const prepare = Error.prepareStackTrace;
  let file: string;
  try {
    Error.prepareStackTrace = (_e, stack) => stack;
    // [0] is this function, [1] its caller.
    file = (new Error().stack as unknown as NodeJS.CallSite[])[1]?.getFileName() ?? '';
  } finally {
    Error.prepareStackTrace = prepare;
  }
  if (!file) throw new Error('tokenmeter: cannot tell which file asked for require (no stack frame)');
  return createRequire(file.startsWith('file:') ? fileURLToPath(file) : file);
}
