// TOKENMETER_ESM_HOOK=off leaves the ES module hook out only for an entry point that is surely
// CommonJS (entry-point.ts): judged on real files the way Node will run them, every uncertain case
// counting as an ES module, so that an ES module app never loses its instrumentation to the setting.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { entryPointIsCommonJS } from '../src/entry-point.js';

const root = mkdtempSync(path.join(tmpdir(), 'tm-entry-'));
after(() => rmSync(root, { recursive: true, force: true }));

let serial = 0;
/** A file in a fresh package directory (with this package.json, if any). */
function file(name: string, source: string, pkg?: object): string {
  const dir = path.join(root, `p${++serial}`);
  mkdirSync(dir);
  if (pkg) writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  const f = path.join(dir, name);
  writeFileSync(f, source);
  return f;
}

const judge = (argv1: string | undefined, execArgv: string[] = [], env: Record<string, string> = {}) =>
  entryPointIsCommonJS({
    argv: argv1 === undefined ? ['/usr/bin/node'] : ['/usr/bin/node', argv1],
    execArgv,
    env,
  });

const CJS = "const fs = require('node:fs');\nmodule.exports = fs;\n";

test('a .cjs file, and a .js file that compiles as CommonJS in a package without "type": "module", are CommonJS', () => {
  assert.equal(judge(file('app.cjs', CJS, { type: 'module' })), true);
  assert.equal(judge(file('app.js', CJS)), true);
  assert.equal(judge(file('app.js', CJS, { name: 'x' })), true);
  assert.equal(judge(file('app.js', CJS, { type: 'commonjs' })), true);
  assert.equal(judge(file('app.js', `#!/usr/bin/env node\n${CJS}`)), true, 'a hashbang line');
});

test('an ES module entry point keeps the hook: .mjs, "type": "module", module syntax that Node detects, --experimental-default-type=module', () => {
  assert.equal(judge(file('app.mjs', CJS)), false);
  assert.equal(judge(file('app.js', CJS, { type: 'module' })), false);
  assert.equal(judge(file('app.js', "import fs from 'node:fs';\n")), false, 'an import statement');
  assert.equal(judge(file('app.js', 'export const a = 1;\n')), false, 'an export');
  assert.equal(judge(file('app.js', 'console.log(import.meta.url);\n')), false, 'import.meta');
  assert.equal(judge(file('app.js', 'await Promise.resolve(1);\n')), false, 'top-level await');
  assert.equal(judge(file('app.js', CJS), [], { NODE_OPTIONS: '--experimental-default-type=module' }), false);
  assert.equal(judge(file('app.js', CJS), ['--experimental-default-type', 'module']), false);
});

test('an -e or -p script is CommonJS unless --input-type=module or module syntax says otherwise', () => {
  assert.equal(judge(undefined, ['-e', '0']), true);
  assert.equal(judge(undefined, ['-p', '6 * 7']), true);
  assert.equal(judge(undefined, ['--eval=require("openai")']), true);
  assert.equal(judge(undefined, ['--input-type=module', '-e', '0']), false);
  assert.equal(judge(undefined, ['-e', "import OpenAI from 'openai'"]), false);
  assert.equal(judge(undefined, ['-e', 'await import("openai")']), false);
});

test('what cannot be judged keeps the hook: stdin or the REPL, TypeScript, a missing file, an unreadable package.json', () => {
  assert.equal(judge(undefined), false);
  assert.equal(judge(file('app.ts', CJS)), false);
  assert.equal(judge(path.join(root, 'missing.js')), false);
  const broken = file('app.js', CJS);
  writeFileSync(path.join(path.dirname(broken), 'package.json'), '{ not json');
  assert.equal(judge(broken), false);
  assert.equal(
    judge(file('app.js', 'this is not javascript (')),
    false,
    'a syntax error: the app fails either way',
  );
});
