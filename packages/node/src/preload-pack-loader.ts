// Loads the preload's start-up module graph from dist/cjs/preload-pack.txt (written by
// scripts/pack-preload.mjs at build): one file to read instead of ~140 to resolve and read
// (bench/RESULTS.md, start-up, sixth pass). Its first line is the index (JSON), the rest the
// sources, read as bytes and decoded one file at a time when it runs: as string literals in a
// script, V8 would first parse the ~490 kB (start-up, ninth pass). Each packed file still runs as its own
// CommonJS module, once, when first required, under its real path in require.cache, with its own
// `module`, `exports`, `__filename` and `__dirname`: a file loaded later from disk (the fetch path,
// the SDK, the store, the app's own `require('@opentelemetry/api')`) finds the packed modules there.
// A request to another package is resolved by Node, as before; the packed copy runs only where
// Node found the same file of a package with the packed name and version, anything else loads from
// disk. Requests the pack does not know (builtins, other packages' lazy loads) go to Node's `require`.
// The files the start-up files load later (the fetch path and pricing when an SDK loads, the
// OpenTelemetry SDK and the store at the first call) come from a second file, preload-pack-later.txt,
// read at the first of them: by a packed file's `require`, or, when Node loads one itself (through
// `createRequire`, as requireForCaller's lazy loads do), by a `.js` loader hook for the files the
// pack knows (serveLoadsByNode).
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** request → [file index, 1 if another package] */
type Deps = Record<string, [number, 0 | 1]>;
/** [package index, path in the package ('/'-separated), deps] */
type PackedFile = [pkg: number, rel: string, deps: Deps];
/** The first line of preload-pack.txt. */
interface PackIndex {
  packages: [name: string, version: string][];
  files: PackedFile[];
  /** Where each file's source starts in the sources after the first line (in bytes), and where the last one ends. */
  offsets: number[];
  /**
   * The files the start-up files can load later, numbered on from files.length: one line each,
   * `<package index> <path>`. Their deps and sources are in preload-pack-later.txt.
   */
  later?: string;
  /** Where each later file's source starts in that text's sources (in bytes), and where the last one ends. */
  laterOffsets?: number[];
}
interface Pack extends PackIndex {
  /** preload-pack.txt, and where its sources start. */
  bytes: Buffer;
  start: number;
}
type PackedModule = Module & { _compile(source: string, filename: string): unknown };
type Extension = (module: Module, filename: string, ...rest: unknown[]) => unknown;
interface ModuleInternals {
  _cache: Record<string, Module | undefined>;
  _extensions: Record<string, Extension>;
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
  const pack = usablePack(root);
  const register: Register =
    !pack || pack.files[0]?.[1] !== ENTRY || M._cache[path.join(root, toPath(ENTRY))]
      ? Module.createRequire(path.join(root, 'register.cjs'))(`./${ENTRY}`)
      : loadFrom(pack, root);
  return { preload: (from) => register.preload(from, before) };
}

const ENTRY = 'dist/cjs/register.js';
const toPath = path.sep === '/' ? (rel: string) => rel : (rel: string) => rel.split('/').join(path.sep);

/**
 * A text the pack is written in (preload-pack.txt, preload-pack-later.txt): its first line, JSON,
 * parsed; its bytes; where the sources after that line start, and their length in bytes. Throws when
 * it cannot be read or its first line is not JSON.
 */
function readPackText<T>(file: string): { head: T; bytes: Buffer; start: number; sourcesLength: number } {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  const head = JSON.parse(bytes.toString('utf8', 0, newline)) as T;
  return { head, bytes, start: newline + 1, sourcesLength: bytes.length - newline - 1 };
}

/** The source of file `i` of a pack text, decoded from its bytes; undefined past its offsets. */
function sourceAt(text: { bytes: Buffer; start: number }, offsets: number[], i: number): string | undefined {
  const [from, to] = [offsets[i], offsets[i + 1]];
  if (from === undefined || to === undefined) return undefined;
  return text.bytes.toString('utf8', text.start + from, text.start + to);
}

function usablePack(root: string): Pack | undefined {
  // Node keeps symlinked paths as they are with these flags; the pack's paths are real paths.
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (flags.includes('preserve-symlinks')) return undefined;
  try {
    const text = readPackText<PackIndex>(path.join(root, 'dist', 'cjs', 'preload-pack.txt'));
    const index = text.head;
    // Only the sources this index was built with.
    if (index.offsets.length !== index.files.length + 1 || index.offsets.at(-1) !== text.sourcesLength)
      return undefined;
    return { ...index, bytes: text.bytes, start: text.start };
  } catch {
    return undefined; // not built (a tsc-only build): the files load one by one
  }
}

function loadFrom(pack: Pack, ownRoot: string): Register {
  const { files, packages } = pack;
  const later = (pack.later ?? '').split('\n').flatMap((line): [number, string][] => {
    const space = line.indexOf(' ');
    return space > 0 ? [[Number(line.slice(0, space)), line.slice(space + 1)]] : [];
  });
  /** preload-pack-later.txt: a line with the later files' deps, then their sources; null when unusable. */
  let laterPack: { bytes: Buffer; deps: Deps[]; start: number } | null | undefined;
  const readLaterPack = () => {
    if (laterPack === undefined) {
      laterPack = null; // then the files load one by one
      try {
        const text = readPackText<Deps[]>(path.join(ownRoot, 'dist', 'cjs', 'preload-pack-later.txt'));
        // Only the text this pack was built with.
        if (text.head.length === later.length && text.sourcesLength === pack.laterOffsets?.at(-1))
          laterPack = { bytes: text.bytes, deps: text.head, start: text.start };
      } catch {
        // not there, or not readable
      }
    }
    return laterPack;
  };
  /** A packed file's package index and path. */
  const entryAt = (index: number): readonly [number, string] =>
    (files[index] ?? later[index - files.length]) as readonly [number, string];
  /** A packed file's deps and source; undefined when the later pack cannot be read. */
  const codeAt = (index: number): [Deps, string] | undefined => {
    const file = files[index];
    if (file) return [file[2], sourceAt(pack, pack.offsets, index)!];
    const at = index - files.length;
    const text = readLaterPack();
    const source = text && pack.laterOffsets ? sourceAt(text, pack.laterOffsets, at) : undefined;
    if (source === undefined || !text!.deps[at]) return undefined;
    return [text!.deps[at], source];
  };
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
  const NOT_AT_HAND = Symbol('not at hand');
  /** Runs a packed file's source in `module` (Node's own compile and run of a CommonJS file). */
  const compile = (module: Module, deps: Deps, source: string, root: string) => {
    // The `require` Node gives the module calls module.require: requests the pack knows load from it.
    module.require = requireFrom(module, deps, root);
    // Node's compile cache when the app turned it on; stack traces, and requireForCaller, which
    // reads its caller's file off the stack, name the file.
    (module as PackedModule)._compile(source, module.filename);
  };
  /** The module of `filename` from the pack (file `index`); NOT_AT_HAND when its source is not. */
  const load = (index: number, filename: string, root: string, parent: Module | undefined) => {
    const cached = M._cache[filename];
    if (cached) return cached.exports;
    const code = codeAt(index);
    if (code === undefined) return NOT_AT_HAND;
    const module = new M(filename, parent);
    module.filename = filename;
    module.paths = M._nodeModulePaths(path.dirname(filename));
    M._cache[filename] = module;
    let ran = false;
    try {
      compile(module, code[0], code[1], root);
      ran = true;
    } finally {
      if (!ran) delete M._cache[filename];
    }
    module.loaded = true;
    return module.exports;
  };
  const requireFrom = (module: Module, deps: Deps, root: string) => (request: string) => {
    const dep = typeof request === 'string' && Object.hasOwn(deps, request) ? deps[request] : undefined;
    if (dep) {
      const [target, otherPackage] = dep;
      const [pkg, packedRel] = entryAt(target);
      const rel = toPath(packedRel);
      let exports: unknown = NOT_AT_HAND;
      if (!otherPackage) exports = load(target, `${root}${path.sep}${rel}`, root, module);
      else {
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
          exports = load(target, filename, targetRoot, module);
      }
      if (exports !== NOT_AT_HAND) return exports;
    }
    // Node's require as it is now: a later patch of it (require-in-the-middle's) sees these requests.
    return Module.prototype.require.call(module, request);
  };
  if (later.length > 0) serveLoadsByNode(files.length + later.length, entryAt, codeAt, samePackage, compile);
  return load(0, `${ownRoot}${path.sep}${toPath(ENTRY)}`, ownRoot, undefined) as Register;
}

/**
 * A file of the pack that Node itself loads (a request from a file not in the pack, or through
 * `createRequire`, as requireForCaller's lazy loads are: the store, the SDK, the fetch path) is
 * compiled from the pack instead of read from disk, and its own requests are served by the pack.
 * Node has resolved it and made its module: only the reading of its file is skipped. A file is
 * the packed one when its package root has the packed name and version.
 */
function serveLoadsByNode(
  count: number,
  entryAt: (index: number) => readonly [number, string],
  codeAt: (index: number) => [Deps, string] | undefined,
  samePackage: (root: string, pkg: number) => boolean,
  compile: (module: Module, deps: Deps, source: string, root: string) => void,
): void {
  const byRel = new Map<string, number[]>();
  let depth = 0;
  for (let index = 0; index < count; index++) {
    const rel = toPath(entryAt(index)[1]);
    const same = byRel.get(rel);
    if (same) same.push(index);
    else byRel.set(rel, [index]);
    depth = Math.max(depth, rel.split(path.sep).length);
  }
  const extensions = M._extensions;
  const original = extensions['.js'] as Extension;
  extensions['.js'] = function (this: unknown, module, filename, ...rest) {
    if (typeof filename === 'string' && module?.filename === filename) {
      let end = filename.length;
      for (let level = 0; level < depth; level++) {
        end = filename.lastIndexOf(path.sep, end - 1);
        if (end <= 0) break;
        const candidates = byRel.get(filename.slice(end + 1));
        if (candidates === undefined) continue;
        const root = filename.slice(0, end);
        for (const index of candidates) {
          if (!samePackage(root, entryAt(index)[0])) continue;
          const code = codeAt(index);
          if (code !== undefined) return compile(module, code[0], code[1], root);
        }
      }
    }
    return original.call(this, module, filename, ...rest);
  };
}
