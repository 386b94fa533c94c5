// A CommonJS app's ES module hook is registered just before the first module that can import runs
// (esm-hook-on-demand.ts). Missing an import loses the patch of
// what it loads; seeing one that is not there only costs the start-up the wait was meant to save.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  anyMayImport,
  loadsCommonJSOnly,
  mayImportEsModule,
  otherEsmPreload,
} from '../src/esm-hook-on-demand.js';

test('a module with an import() expression can import, however it is spelled', () => {
  for (const source of [
    "const m = await import('openai');",
    'import("openai").then(run)',
    'return import(name)',
    'x = import (\n  `./esm.mjs`)',
    "const a = 'https://x.test/'; import('./lib.mjs')", // a URL before it on the line is no comment
    "load(() => import('node:fs'), () => import('@anthropic-ai/sdk'))",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: app source text with a template literal
    'import(`./${name}.mjs`)', // a template with a substitution: not a plain builtin name
    'import(base + "x")',
  ])
    assert.equal(mayImportEsModule(source), true, source);
});

test('a module whose only import() is prose, a comment line or a builtin cannot import', () => {
  for (const source of [
    "'use strict'; const x = require('openai');",
    '// load it with import() later',
    "  // const m = await import('openai');",
    "/**\n * {@link import('../internal/headers').buildHeaders}\n */",
    "/* import('openai') */",
    'throw new Error("set `globalThis.File` to `import(\'node:buffer\').File`")',
    "const fs = await import('fs');",
    'const { request } = await import("node:http");',
    'exports.__importDefault = __importDefault; exports.reimport = 1;',
  ])
    assert.equal(mayImportEsModule(source), false, source);
});

test('an import() of a relative CommonJS file that cannot import loads no ES module; any other relative import can', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'esm-on-demand-rel-'));
  const from = path.join(dir, 'getMachineId.js');
  writeFileSync(path.join(dir, 'linux.js'), "'use strict'; exports.id = () => require('node:fs');");
  writeFileSync(path.join(dir, 'plain.cjs'), 'module.exports = 1;');
  writeFileSync(path.join(dir, 'chain.js'), "exports.load = () => import('./linux.js');");
  writeFileSync(path.join(dir, 'esm-syntax.js'), 'export const id = 1;'); // Node runs it as an ES module
  writeFileSync(path.join(dir, 'imports-sdk.js'), "exports.load = () => import('openai');");
  writeFileSync(path.join(dir, 'lib.mjs'), 'export const x = 1;');
  const sub = path.join(dir, 'esm');
  mkdirSync(sub);
  writeFileSync(path.join(sub, 'package.json'), '{"type":"module"}');
  writeFileSync(path.join(sub, 'typed.js'), 'const x = 1;'); // in a "type": "module" package
  for (const specifier of ['./linux.js', './plain.cjs', './chain.js', `../${path.basename(dir)}/linux.js`])
    assert.equal(loadsCommonJSOnly(from, specifier), true, specifier);
  for (const specifier of [
    './esm-syntax.js',
    './imports-sdk.js',
    './lib.mjs',
    './esm/typed.js',
    './missing.js',
    './linux', // no extension search for an import
    './linux.js?x',
    'openai',
    'node:fs',
  ])
    assert.equal(loadsCommonJSOnly(from, specifier), false, specifier);
  // What the watch asks of OpenTelemetry's machine-id loader, and of an app that imports a module.
  const source = "switch (p) { case 'linux': m = await import('./linux.js'); }";
  assert.equal(
    mayImportEsModule(source, (s) => loadsCommonJSOnly(from, s)),
    false,
  );
  assert.equal(mayImportEsModule(source), true);
  assert.equal(
    mayImportEsModule("m = await import('./lib.mjs')", (s) => loadsCommonJSOnly(from, s)),
    true,
  );
});

test('CommonJS modules loaded before the preload are read: one that can import is named, an unreadable one counts as importing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'esm-on-demand-'));
  const quiet = path.join(dir, 'quiet.cjs');
  const importer = path.join(dir, 'importer.js');
  writeFileSync(quiet, "require('node:fs');\n");
  writeFileSync(importer, "setTimeout(() => import('openai'));\n");
  assert.equal(anyMayImport([quiet, path.join(dir, 'data.json')]), undefined);
  assert.equal(anyMayImport([quiet, importer]), importer);
  assert.equal(anyMayImport([path.join(dir, 'gone.cjs')]), path.join(dir, 'gone.cjs'));
});

test('another --import or a loader flag is named; this preload, however it is named, is not', () => {
  const nodePkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const from = path.join(nodePkg, 'register.mjs');
  const proc = (execArgv: string[], nodeOptions?: string) => ({
    argv: ['node', 'app.cjs'],
    execArgv,
    env: { NODE_OPTIONS: nodeOptions },
  });
  assert.equal(otherEsmPreload(from, proc(['--import', '@tokenmeter/node/register'])), undefined);
  assert.equal(otherEsmPreload(from, proc([`--import=${from}`])), undefined);
  assert.equal(
    otherEsmPreload(from, proc(['--require', './x.cjs'], '--import @tokenmeter/node/register')),
    undefined,
  );
  assert.equal(
    otherEsmPreload(from, proc(['--import', '@tokenmeter/node/register', '--import', 'tsx'])),
    '--import tsx',
  );
  assert.equal(otherEsmPreload(from, proc([], '--import=./otel.mjs')), '--import ./otel.mjs');
  assert.equal(
    otherEsmPreload(from, proc(['--experimental-loader', './l.mjs'])),
    '--experimental-loader ./l.mjs',
  );
  assert.equal(otherEsmPreload(from, proc(['--loader=ts-node/esm'])), '--loader ts-node/esm');
});
