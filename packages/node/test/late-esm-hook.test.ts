// The in-thread module hooks that stand in for import-in-the-middle's until an import resolves to a
// module the instrumentation patches (esm-hook.ts): every other resolution passes through without
// loading it, and from the first listed import on, import-in-the-middle sees every resolution and load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { includes, lateSyncHooks } from '../src/esm-hook.js';

const INCLUDE = ['openai', /\/node_modules\/openai\//];

/** A stand-in for import-in-the-middle's hooks, recording what it is handed. */
function recordingIitm() {
  const seen: string[] = [];
  return {
    seen,
    hooks: {
      resolveSync: (specifier: string, context: object, next: (s: string, c: object) => unknown) => {
        seen.push(`resolve ${specifier}`);
        const r = next(specifier, context) as { url: string };
        return { ...r, url: `${r.url}?iitm=true` };
      },
      loadSync: (url: string, context: unknown, next: (u: string, c: unknown) => unknown) => {
        seen.push(`load ${url}`);
        return next(url, context);
      },
    },
  };
}

const urls: Record<string, string> = {
  openai: 'file:///app/node_modules/openai/index.mjs',
  './streaming.mjs': 'file:///app/node_modules/openai/streaming.mjs',
  'node:fs': 'node:fs',
  './util.mjs': 'file:///app/util.mjs',
};
const nextResolve = (specifier: string) => ({ url: urls[specifier] ?? `file:///app/${specifier}` });
const nextLoad = (url: string) => ({ url, format: 'module' });

test("import-in-the-middle's hooks are not loaded for imports of unlisted modules, nor for require() of a listed one", () => {
  const iitm = recordingIitm();
  let loads = 0;
  const hooks = lateSyncHooks(INCLUDE, () => {
    loads++;
    return iitm.hooks;
  });
  assert.deepEqual(hooks.resolve('./util.mjs', { parentURL: 'file:///app/main.mjs' }, nextResolve), {
    url: 'file:///app/util.mjs',
  });
  hooks.resolve('node:fs', { parentURL: 'file:///app/main.mjs' }, nextResolve);
  hooks.resolve(
    'openai',
    { parentURL: 'file:///app/main.cjs', conditions: ['require', 'node'] },
    nextResolve,
  );
  assert.deepEqual(hooks.load('file:///app/util.mjs', {}, nextLoad), {
    url: 'file:///app/util.mjs',
    format: 'module',
  });
  assert.equal(loads, 0);
  assert.deepEqual(iitm.seen, []);
});

test("the first import of a listed module loads import-in-the-middle's hooks once, and they get that resolution and every later one", () => {
  const iitm = recordingIitm();
  let loads = 0;
  const hooks = lateSyncHooks(INCLUDE, () => {
    loads++;
    return iitm.hooks;
  });
  const ctx = { parentURL: 'file:///app/main.mjs', conditions: ['import', 'node'] };
  assert.deepEqual(hooks.resolve('openai', ctx, nextResolve), {
    url: 'file:///app/node_modules/openai/index.mjs?iitm=true',
  });
  hooks.load('file:///app/node_modules/openai/index.mjs?iitm=true', {}, nextLoad);
  hooks.resolve('./util.mjs', ctx, nextResolve);
  assert.equal(loads, 1);
  assert.deepEqual(iitm.seen, [
    'resolve openai',
    'load file:///app/node_modules/openai/index.mjs?iitm=true',
    'resolve ./util.mjs',
  ]);
});

test('a listed package file imported first by its path (a deep import) loads the hooks too', () => {
  const iitm = recordingIitm();
  let loads = 0;
  const hooks = lateSyncHooks(INCLUDE, () => {
    loads++;
    return iitm.hooks;
  });
  hooks.resolve('./streaming.mjs', { parentURL: 'file:///app/main.mjs' }, nextResolve);
  assert.equal(loads, 1);
});

test("the include test is import-in-the-middle's: a name equals the specifier or the URL, a pattern matches the URL", () => {
  assert.equal(includes(INCLUDE, 'file:///app/node_modules/openai/index.mjs', 'openai'), true);
  assert.equal(includes(INCLUDE, 'file:///app/node_modules/openai/x.mjs', './x.mjs'), true);
  assert.equal(includes(INCLUDE, 'file:///app/node_modules/openai-extra/index.mjs', 'openai-extra'), false);
  assert.equal(includes(INCLUDE, 'file:///app/openai.mjs', './openai.mjs'), false);
});
