// Loads the preload's start-up module graph from dist/cjs/preload-pack.js (written by
// scripts/pack-preload.mjs at build): one file to read instead of ~140 to resolve and read
// (bench/RESULTS.md, start-up, sixth pass). Each packed file still runs as its own
// CommonJS module, once, when first required, under its real path in require.cache, with its own
// `module`, `exports`, `__filename` and `__dirname`: a file loaded later from disk (the fetch path,
// the SDK, the store, the app's own `require('@opentelemetry/api')`) finds the packed modules there.
// A request to another package is resolved by Node, as before; the packed copy runs only where
// Node found the same file of a package with the packed name and version, anything else loads from
// disk. Requests the pack does not know (builtins, lazy loads) go to Node's `require`.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** [package index, path in the package ('/'-separated), request → [file index, 1 if another package], source] */
type PackedFile = [number, string, Record<string, [number, 0 | 1]>, string];
interface Pack {
  packages: [name: string, version: string][];
  files: PackedFile[];
}
type PackedModule = Module & { _compile(source: string, filename: string): unknown };
interface ModuleInternals {
  _cache: Record<string, Module | undefined>;
  _nodeModulePaths(dir: string): string[];
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
}
const M = Module as unknown as ModuleInternals & (new (id: string, parent?: Module) => Module);

interface Register {
  preload(from: string, before?: readonly string[]): void;
}

/**
 * register.js's `preload`: from the pack beside it when there is one and it can be used, otherwise
 * from its file. `registerFile` is the package's register.cjs or register.mjs (path or URL).
 */
export function loadPreload(registerFile: string): { preload(from: string): void } {
  // The CommonJS modules loaded before any of tokenmeter's (earlier --require preloads): those the
  // ES module hook's wait must check (register.ts), not the ~140 files of tokenmeter's own graph.
  const before = Object.keys(M._cache);
  const root = path.dirname(registerFile.startsWith('file:') ? fileURLToPath(registerFile) : registerFile);
  const require = Module.createRequire(path.join(root, 'register.cjs'));
  const pack = usablePack(require);
  const register: Register =
    !pack || pack.files[0]?.[1] !== ENTRY || M._cache[path.join(root, toPath(ENTRY))]
      ? require(`./${ENTRY}`)
      : loadFrom(pack, root);
  return { preload: (from) => register.preload(from, before) };
}

const ENTRY = 'dist/cjs/register.js';
const toPath = path.sep === '/' ? (rel: string) => rel : (rel: string) => rel.split('/').join(path.sep);

function usablePack(require: NodeJS.Require): Pack | undefined {
  // Node keeps symlinked paths as they are with these flags; the pack's paths are real paths.
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (flags.includes('preserve-symlinks')) return undefined;
  try {
    return require('./dist/cjs/preload-pack.js') as Pack;
  } catch {
    return undefined; // not built (a tsc-only build): the files load one by one
  }
}

function loadFrom(pack: Pack, ownRoot: string): Register {
  const { files, packages } = pack;
  const checked = new Map<string, boolean>();
  const resolved = new Map<string, string>();
  /** Whether the package at `root` is the packed one (its name and version). */
  const samePackage = (root: string, index: number): boolean => {
    const key = `${root}\0${index}`;
    let same = checked.get(key);
    if (same === undefined) {
      try {
        const json = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
        const [name, version] = packages[index] ?? [];
        same = json.name === name && json.version === version;
      } catch {
        same = false;
      }
      checked.set(key, same);
    }
    return same;
  };
  const load = (index: number, filename: string, root: string, parent: Module | undefined) => {
    const cached = M._cache[filename];
    if (cached) return cached.exports;
    const packed = files[index] as PackedFile;
    const module = new M(filename, parent) as PackedModule;
    module.filename = filename;
    module.paths = M._nodeModulePaths(path.dirname(filename));
    // The `require` Node gives the module calls module.require: requests the pack knows load from it.
    module.require = requireFrom(module, packed[2], root);
    M._cache[filename] = module;
    let ran = false;
    try {
      // Node's own compile and run of a CommonJS file (its compile cache when the app turned it on;
      // stack traces, and requireForCaller, which reads its caller's file off the stack, name the file).
      module._compile(packed[3], filename);
      ran = true;
    } finally {
      if (!ran) delete M._cache[filename];
    }
    module.loaded = true;
    return module.exports;
  };
  const requireFrom = (module: Module, deps: PackedFile[2], root: string) => (request: string) => {
    const dep = typeof request === 'string' && Object.hasOwn(deps, request) ? deps[request] : undefined;
    if (dep) {
      const [target, otherPackage] = dep;
      const [pkg, packedRel] = files[target] as PackedFile;
      const rel = toPath(packedRel);
      if (!otherPackage) return load(target, `${root}${path.sep}${rel}`, root, module);
      // Resolved once per package and request: Node's own cache is per directory, and a
      // package's files all see the same node_modules (no package nests them in its subfolders).
      const key = `${root}\0${request}`;
      let filename = resolved.get(key);
      if (filename === undefined) {
        filename = M._resolveFilename(request, module, false);
        resolved.set(key, filename);
      }
      const targetRoot = filename.slice(0, -(rel.length + 1));
      if (filename === `${targetRoot}${path.sep}${rel}` && samePackage(targetRoot, pkg))
        return load(target, filename, targetRoot, module);
    }
    // Node's require as it is now: a later patch of it (require-in-the-middle's) sees these requests.
    return Module.prototype.require.call(module, request);
  };
  return load(0, `${ownRoot}${path.sep}${toPath(ENTRY)}`, ownRoot, undefined) as Register;
}
