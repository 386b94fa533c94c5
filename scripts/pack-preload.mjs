// Third build step: packs the CommonJS files the preload (`@tokenmeter/node/register`) loads at
// start-up into one file, packages/node/dist/cjs/preload-pack.txt, so that Node reads and resolves
// one file instead of ~140 (bench/RESULTS.md, start-up, sixth pass). The pack is a cache,
// not a bundle: each file keeps its own module object, under its real path in require.cache, so
// what loads later from its own file (the fetch path, the SDK, the store) meets the same modules;
// a package whose installed version is not the packed one loads from its files as before.
// The files packed are those reached from register.js by top-level `require("…")` statements
// (column 0 of a CommonJS file: tsc's output and the dependencies' own). A require inside a function
// is a lazy load and stays one: what it loads goes into a second file, preload-pack-later.txt, read
// at the first of them (the fetch path, pricing, the OpenTelemetry SDK, the store; see LAZY_PACKAGES).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const nodeDir = join(root, 'packages/node');
const entry = join(nodeDir, 'dist/cjs/register.js');
const out = join(nodeDir, 'dist/cjs/preload-pack.txt');
const outLater = join(nodeDir, 'dist/cjs/preload-pack-later.txt');

/** The package a file belongs to: its directory with a package.json that has a name. */
const pkgOf = new Map();
function packageOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (pkgOf.has(dir)) return pkgOf.get(dir);
    const pj = join(dir, 'package.json');
    if (!existsSync(pj)) continue;
    const json = JSON.parse(readFileSync(pj, 'utf8'));
    if (!json.name) continue;
    const pkg = { dir, name: json.name, version: json.version ?? '' };
    pkgOf.set(dir, pkg);
    return pkg;
  }
  throw new Error(`${file}: no package`);
}

/** Whether Node runs this file as CommonJS (.cjs, or .js under a package.json without "type": "module"). */
function isCommonJS(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return JSON.parse(readFileSync(pj, 'utf8')).type !== 'module';
  }
  return true;
}

const TOP_LEVEL_REQUIRE = /^(?:[^\s/].*?)?\brequire\((["'])([^"'\n]+)\1\)/gm;
// Any require of a literal outside a comment line, a lazy one inside a function included, also through
// `requireForCaller()` (@tokenmeter/config) and the `requireHere` that keeps it.
const ANY_REQUIRE =
  /^(?!\s*(?:\/\/|\*|\/\*))(?:.*?[^.\w$])?(?:require|requireHere|requireForCaller\(\))\((["'])([^"'\n]+)\1\)/gm;
// A lazy load is packed when it leads into tokenmeter's own packages or OpenTelemetry's (the fetch
// path, pricing, the SDK, the store: what an app's first LLM call loads), or to better-sqlite3 (the
// store's driver where Node has no node:sqlite). Other packages loaded lazily (YAML, RE2, the
// tokenizer, a Redis client) load in few processes: from their files.
const LAZY_PACKAGES = /^(?:@(?:tokenmeter|opentelemetry)\/|better-sqlite3$)/;
const files = new Map(); // real path → { pkg, rel, source, deps: Map(request → real path), lazy }

/** The CommonJS file `request` resolves to from `file`, if any. */
function target(file, request) {
  if (isBuiltin(request)) return undefined;
  let resolved;
  try {
    resolved = createRequire(file).resolve(request);
  } catch {
    return undefined;
  }
  return isCommonJS(resolved) ? resolved : undefined;
}

/**
 * Adds the files reached from `roots` by top-level requires, and when `lazy`, by lazy ones into the
 * packages above; the files added are marked `lazy`. A file's deps are the requests that lead to a
 * packed file.
 */
function walk(roots, lazy) {
  const queue = [...roots];
  const walked = new Set();
  while (queue.length) {
    const file = queue.shift();
    if (walked.has(file)) continue;
    walked.add(file);
    let f = files.get(file);
    if (!f) {
      const pkg = packageOf(file);
      const source = readFileSync(file, 'utf8');
      f = { pkg, rel: relative(pkg.dir, file).split(sep).join('/'), source, deps: new Map(), lazy };
      files.set(file, f);
    }
    const requests = new Map([...f.source.matchAll(TOP_LEVEL_REQUIRE)].map((m) => [m[2], true]));
    if (lazy)
      for (const m of f.source.matchAll(ANY_REQUIRE)) if (!requests.has(m[2])) requests.set(m[2], false);
    for (const [request, topLevel] of requests) {
      if (f.deps.has(request)) continue;
      const to = target(file, request);
      if (to === undefined || (!topLevel && !LAZY_PACKAGES.test(packageOf(to).name))) continue;
      f.deps.set(request, to);
      queue.push(to);
    }
  }
}
// First what start-up runs (top-level requires from register.js), then what those files can load
// later (the fetch path when an SDK loads, the SDK and the store at the first call): a second file,
// read only when one of its files is first required.
walk([entry], false);
walk([...files.keys()], true);

const ordered = [...[...files].filter(([, f]) => !f.lazy), ...[...files].filter(([, f]) => f.lazy)];
const pkgs = [...new Set(ordered.map(([, f]) => f.pkg))];
const numberOf = new Map(ordered.map(([file], i) => [file, i]));
const eager = ordered.filter(([, f]) => !f.lazy).length;
/** A file's deps: request → [file index, 1 if another package (resolved by Node at run time, then checked)]. */
const depsOf = (f) => {
  const deps = {};
  for (const [request, target] of f.deps)
    deps[request] = [numberOf.get(target), files.get(target).pkg === f.pkg ? 0 : 1];
  return deps;
};
// require-in-the-middle (OpenTelemetry's hook on require, for every package's every file) asks Node
// for the package's main once per file it sees: `require.resolve(name, { paths: [basedir] })`. Node
// does not cache a resolution through a package's "exports" (Module._findPath returns it unstored),
// so each file of openai (234, and its exports map has hundreds of entries) re-parses that map: ~0.2–
// 0.4 ms each, 45–95 ms CPU for `require('openai')` on Node 20–26. The packed copy asks once per
// package directory: the same answer for as long as the files on disk stay (Node's own resolution
// caches assume as much); a failed resolution is not kept and is asked again.
const RITM_RESOLVE = 'res = require.resolve(moduleName, { paths: [basedir] })';
// It also loads \`debug\` at start-up (with tty, and a lookup of supports-color through every
// node_modules up to the root) to log what it hooks, which \`debug\` prints only for the namespaces in
// DEBUG, read when it loads: the packed copy loads it only when DEBUG is set.
const RITM_DEBUG = "const debug = require('debug')('require-in-the-middle')";
const RITM_DEBUG_WHEN_ASKED =
  "const debug = process.env.DEBUG ? require('debug')('require-in-the-middle') : () => {}";
const RITM_ONCE = `
// Added by tokenmeter's scripts/pack-preload.mjs: the main of a package directory, resolved once.
var resolvedMains = new Map()
function resolveMainOnce (moduleName, basedir) {
  const key = moduleName + '\\0' + basedir
  let res = resolvedMains.get(key)
  if (res === undefined) {
    res = require.resolve(moduleName, { paths: [basedir] })
    resolvedMains.set(key, res)
  }
  return res
}
`;
const sourceText = (f) => {
  if (f.pkg.name !== 'require-in-the-middle' || f.rel !== 'index.js') return f.source;
  if (f.source.split(RITM_RESOLVE).length !== 2)
    throw new Error(
      `require-in-the-middle ${f.pkg.version}: "${RITM_RESOLVE}" not found once; update pack-preload.mjs`,
    );
  if (f.source.split(RITM_DEBUG).length !== 2)
    throw new Error(
      `require-in-the-middle ${f.pkg.version}: "${RITM_DEBUG}" not found once; update pack-preload.mjs`,
    );
  return (
    f.source
      .replace(RITM_RESOLVE, 'res = resolveMainOnce(moduleName, basedir)')
      .replace(RITM_DEBUG, RITM_DEBUG_WHEN_ASKED) + RITM_ONCE
  );
};
// The source as text: the loader compiles it under its own path (stack traces name the file).
const sourceOf = (f) => sourceText(f).replace(/^#!.*/, '');
// The later files' deps, then their sources one after another, in a text file: read as bytes, and
// only a file that runs is decoded; nothing for V8 to parse before (as string literals in a script,
// ~2 MB would cost their parse at the first lazy load, and their index at every start-up).
const offsetsOf = (list) => {
  const offsets = [0];
  for (const f of list) offsets.push(offsets.at(-1) + Buffer.byteLength(sourceOf(f)));
  return offsets;
};
const eagerFiles = ordered.slice(0, eager).map(([, f]) => f);
const laterFiles = ordered.slice(eager).map(([, f]) => f);
// The start-up files the same way, in preload-pack.txt: a first line with the index (packages, each
// file's package, path and deps, where its source starts), then the sources, decoded one by one as
// they run (as string literals in a script, V8 would first parse the ~490 kB: ~8 ms CPU).
const index = {
  packages: pkgs.map((p) => [p.name, p.version]),
  files: eagerFiles.map((f) => [pkgs.indexOf(f.pkg), f.rel, depsOf(f)]),
  offsets: offsetsOf(eagerFiles),
  // The files these can load later, numbered on from files.length ("<package index> <path>"); their
  // deps (the first line of preload-pack-later.txt) and sources (the rest, from each offset to the next).
  later: laterFiles.map((f) => `${pkgs.indexOf(f.pkg)} ${f.rel}`).join('\n'),
  laterOffsets: offsetsOf(laterFiles),
};
writeFileSync(out, `${JSON.stringify(index)}\n${eagerFiles.map(sourceOf).join('')}`);
writeFileSync(outLater, `${JSON.stringify(laterFiles.map(depsOf))}\n${laterFiles.map(sourceOf).join('')}`);
console.log(
  `pack-preload: ${eager} files → ${relative(root, out)}, ${ordered.length - eager} more → ${relative(root, outLater)} (${pkgs.length} packages)`,
);
