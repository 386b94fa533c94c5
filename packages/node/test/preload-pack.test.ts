// The preload's start-up files come from one pack (scripts/pack-preload.mjs, src/preload-pack-loader.ts).
// The pack is a cache: every module must be the one its own file would give, under its real path in
// require.cache (what loads later from disk finds it there), with stack traces naming its file; a
// package installed at another version than the packed one loads from its files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPreload } from '../src/preload-pack-loader.js';

const cache = (Module as unknown as { _cache: Record<string, { exports: unknown } | undefined> })._cache;

/**
 * A package with a register.cjs and a pack of its register.js, which requires `dep` (packed at 1.0.0),
 * and of two files loaded later (lazy.js, by-node.js), whose sources are in the second pack.
 */
function fakePackage(installedDepVersion: string, laterText = (text: string) => text): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'tm-pack-')));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  // A name of its own: a package with the packed name and version is the packed one, wherever it is
  // (the loaders of this file's earlier fake packages would serve it).
  const name = `fake-distro-${path.basename(root)}`;
  write('package.json', `{ "name": "${name}", "version": "1.0.0" }`);
  write('register.cjs', '');
  write(
    'dist/cjs/register.js',
    'exports.preload = (from, before) => { exports.before = before; }; exports.fromDisk = true;',
  );
  write('node_modules/dep/package.json', `{ "name": "dep", "version": "${installedDepVersion}" }`);
  write('node_modules/dep/index.js', 'exports.fromDisk = true;');
  write('dist/cjs/lazy.js', 'exports.fromDisk = true;');
  write('dist/cjs/by-node.js', 'exports.fromDisk = true;');
  const later: [string, Record<string, [number, 0 | 1]>, string][] = [
    ['0 dist/cjs/lazy.js', { dep: [2, 1] }, "exports.packed = true; exports.dep = require('dep');"],
    [
      '0 dist/cjs/by-node.js',
      { './lazy.js': [3, 0] },
      "exports.packed = true; exports.lazy = require('./lazy.js'); exports.filename = __filename;",
    ],
  ];
  const offsets = [0];
  for (const [, , source] of later) offsets.push((offsets.at(-1) ?? 0) + Buffer.byteLength(source));
  write(
    'dist/cjs/preload-pack-later.txt',
    laterText(
      `${JSON.stringify(later.map(([, deps]) => deps))}\n${later.map(([, , source]) => source).join('')}`,
    ),
  );
  const registerSource = [
    "const dep = require('dep');",
    "const helper = require('./helper.js');",
    'exports.preload = (from, before) => { exports.before = before; };',
    'exports.dep = dep;',
    'exports.helper = helper;',
    "exports.stack = new Error('where').stack;",
    'exports.filename = __filename;',
  ].join('\n');
  const files: [number, string, Record<string, [number, 0 | 1]>, string][] = [
    [0, 'dist/cjs/register.js', { dep: [2, 1], './helper.js': [1, 0] }, registerSource],
    [
      0,
      'dist/cjs/helper.js',
      { './lazy.js': [3, 0] },
      "exports.packed = true; exports.dep = require('dep'); exports.later = (request) => require(request);",
    ],
    [1, 'index.js', {}, 'exports.packed = true;'],
  ];
  const fileOffsets = [0];
  for (const [, , , source] of files) fileOffsets.push((fileOffsets.at(-1) ?? 0) + Buffer.byteLength(source));
  const index = {
    packages: [
      [name, '1.0.0'],
      ['dep', '1.0.0'],
    ],
    files: files.map(([pkg, rel, deps]) => [pkg, rel, deps]),
    offsets: fileOffsets,
    later: later.map(([line]) => line).join('\n'),
    laterOffsets: offsets,
  };
  write(
    'dist/cjs/preload-pack.txt',
    `${JSON.stringify(index)}\n${files.map(([, , , source]) => source).join('')}`,
  );
  return root;
}

/** Runs the fake package's preload; register.js's exports. */
/** The stdout of `node --require register.cjs -e script` (its own home, no trace export, Prometheus on a free port). */
function underRealPreload(script: string, env: Record<string, string> = {}): string {
  const register = fileURLToPath(new URL('../register.cjs', import.meta.url));
  return execFileSync(process.execPath, ['--require', register, '-e', script], {
    cwd: path.dirname(register),
    env: {
      ...process.env,
      TOKENMETER_HOME: mkdtempSync(path.join(tmpdir(), 'tm-pack-home-')),
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_TRACES_EXPORTER: 'none',
      ...env,
    },
    encoding: 'utf8',
  });
}

function runPreload(root: string): Record<string, unknown> {
  loadPreload(path.join(root, 'register.cjs')).preload(path.join(root, 'register.cjs'));
  return cache[path.join(root, 'dist/cjs/register.js')]?.exports as Record<string, unknown>;
}

test('packed modules run from the pack under their real paths, share one instance with a later require, and name their own file in stack traces', () => {
  const root = fakePackage('1.0.0');
  const exports = runPreload(root);
  const registerFile = path.join(root, 'dist/cjs/register.js');
  assert.equal(exports.filename, registerFile);
  assert.deepEqual(exports.dep, { packed: true });
  assert.deepEqual(
    { ...(exports.helper as object), later: undefined },
    { packed: true, dep: { packed: true }, later: undefined },
  );
  // A file loaded later from disk (here: the app) gets the module the pack made.
  assert.equal(Module.createRequire(registerFile)('dep'), exports.dep);
  assert.equal(cache[path.join(root, 'node_modules/dep/index.js')]?.exports, exports.dep);
  assert.match(String(exports.stack), new RegExp(`${registerFile.replaceAll('\\', '\\\\')}:6:`));
});

test('a package installed at another version than the packed one loads from its own files', () => {
  const root = fakePackage('2.0.0');
  const exports = runPreload(root);
  assert.deepEqual(exports.dep, { fromDisk: true });
  assert.deepEqual(
    { ...(exports.helper as object), later: undefined },
    { packed: true, dep: { fromDisk: true }, later: undefined },
  );
});

test('a request the pack does not serve goes through Module.prototype.require as it is when made: a later patch (require-in-the-middle) sees it', () => {
  const root = fakePackage('1.0.0');
  const { helper } = runPreload(root) as { helper: { later(request: string): unknown } };
  const proto = Module.prototype as { require: (this: Module, id: string) => unknown };
  const original = proto.require;
  const os = Module.createRequire(root)('node:os');
  const seen: string[] = [];
  proto.require = function (this: Module, id: string) {
    seen.push(id);
    return original.call(this, id);
  };
  try {
    assert.equal(helper.later('node:os'), os);
  } finally {
    proto.require = original;
  }
  assert.deepEqual(seen, ['node:os']);
});

test('the files the start-up files load later come from the second pack: a file that Node loads itself (createRequire), whose own requires the pack serves, and a lazy require from a packed file', () => {
  const root = fakePackage('1.0.0');
  const { helper } = runPreload(root) as { helper: { later(request: string): unknown } };
  const byNode = Module.createRequire(path.join(root, 'register.cjs'))('./dist/cjs/by-node.js');
  const lazy = { packed: true, dep: { packed: true } };
  assert.deepEqual(byNode, { packed: true, lazy, filename: path.join(root, 'dist/cjs/by-node.js') });
  assert.equal(helper.later('./lazy.js'), byNode.lazy);
  assert.equal(cache[path.join(root, 'dist/cjs/by-node.js')]?.exports, byNode);
});

test('a second pack that is not the one the pack was built with is not used: the later files load from disk', () => {
  const root = fakePackage('1.0.0', (text) => `${text} `);
  const { helper } = runPreload(root) as { helper: { later(request: string): unknown } };
  assert.deepEqual(helper.later('./lazy.js'), { fromDisk: true });
  assert.deepEqual(Module.createRequire(path.join(root, 'register.cjs'))('./dist/cjs/by-node.js'), {
    fromDisk: true,
  });
});

test('without a pack, or with sources that are not the ones its index was built with, register.js loads from its file', () => {
  const root = fakePackage('1.0.0');
  writeFileSync(path.join(root, 'dist/cjs/preload-pack.txt'), 'not a pack\n');
  assert.equal(runPreload(root).fromDisk, true);
  const other = fakePackage('1.0.0');
  const pack = path.join(other, 'dist/cjs/preload-pack.txt');
  writeFileSync(pack, `${readFileSync(pack, 'utf8')} `);
  assert.equal(runPreload(other).fromDisk, true);
});

test('the preload is told which modules were loaded before tokenmeter’s own (what the ES module hook’s wait checks): not the files of its own graph', () => {
  const earlier = path.join(mkdtempSync(path.join(tmpdir(), 'tm-pack-earlier-')), 'earlier.cjs');
  writeFileSync(earlier, '');
  Module.createRequire(earlier)(earlier);
  for (const version of ['1.0.0', '2.0.0']) {
    const root = fakePackage(version);
    const before = runPreload(root).before as string[];
    assert.ok(before.includes(realpathSync(earlier)));
    assert.ok(!before.some((file) => file.startsWith(root)), version);
  }
});

test('under the real preload, @opentelemetry/api and the distro come from the pack: the app requires the same modules, with the distro as the global tracer provider', () => {
  const out = underRealPreload(
    `const api = require('@opentelemetry/api');
       const file = require.resolve('@opentelemetry/api');
       const own = require.resolve('@tokenmeter/node/package.json').replace(/package\\.json$/, 'dist/cjs/register.js');
       console.log(JSON.stringify({
         same: require.cache[file].exports === api,
         registered: api.trace.getTracerProvider().getDelegate().constructor.name,
         distroCached: own in require.cache,
       }));`,
  );
  assert.deepEqual(JSON.parse(out), { same: true, registered: 'LateTracerProvider', distroCached: true });
});

test("under the real preload, require-in-the-middle resolves a patched package's main once, not once per file of it (openai: ~230 files, each a parse of its exports map)", () => {
  const out = underRealPreload(
    `const Module = require('node:module');
       const resolve = Module._resolveFilename;
       let asked = 0;
       Module._resolveFilename = function (request, parent, isMain, options) {
         if (request === 'openai' && Array.isArray(options?.paths)) asked++;
         return resolve.apply(this, arguments);
       };
       const before = Object.keys(require.cache).length;
       require('openai');
       console.log(JSON.stringify({ asked, files: Object.keys(require.cache).length - before }));`,
  );
  const { asked, files } = JSON.parse(out.trim().split('\n').at(-1)!) as { asked: number; files: number };
  assert.ok(files > 100, `openai loaded ${files} files`);
  assert.equal(asked, 1);
});

test('under the real preload, require-in-the-middle loads `debug` only when DEBUG is set (what it logs is printed only then)', () => {
  const script =
    'console.log(Object.keys(require.cache).some((f) => /[\\\\/]node_modules[\\\\/]debug[\\\\/]/.test(f)))';
  assert.equal(underRealPreload(script, { DEBUG: '' }).trim(), 'false');
  assert.equal(underRealPreload(script, { DEBUG: 'require-in-the-middle' }).trim(), 'true');
});
