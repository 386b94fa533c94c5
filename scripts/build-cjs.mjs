// Second build pass: CommonJS output beside the ESM one, so `require('@tokenmeter/...')` and
// `node --require @tokenmeter/node/register` load without require(esm). Runs in dependency order.
// The packages are `"type": "module"`, so a NodeNext pass would emit ESM: this pass compiles with
// `module: CommonJS` and `moduleResolution: Bundler` (given here, over each tsconfig.cjs.json, so a
// copied config cannot bring back Node10, which TypeScript 6 deprecates and 7 removes).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

for (const ws of workspaces) {
  const dir = join(root, ws);
  const config = join(dir, 'tsconfig.cjs.json');
  if (!existsSync(config)) continue;
  execFileSync(
    process.execPath,
    [tsc, '-p', config, '--module', 'commonjs', '--moduleResolution', 'bundler'],
    {
      stdio: 'inherit',
    },
  );
  mkdirSync(join(dir, 'dist/cjs'), { recursive: true });
  writeFileSync(join(dir, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
  if (ws === 'packages/semconv') copyReexportedConstants(join(dir, 'dist/cjs/index.js'));
}
// Last, with every package built: the preload's start-up files in one (scripts/pack-preload.mjs).
execFileSync(process.execPath, [join(root, 'scripts/pack-preload.mjs')], { stdio: 'inherit' });

// `export * from` compiles to a getter per name on the CommonJS exports object, and the
// instrumentation's CommonJS build reads the constants through them on every call (a few µs per
// LLM call in the preload's profile). The generated modules export constants only, so the CommonJS
// index copies their values instead: the same names and values, plain data properties.
function copyReexportedConstants(file) {
  const js = readFileSync(file, 'utf8');
  const binding =
    /(var __exportStar = [^\n]*\n\s*for \(var p in m\) if \([^\n]*\)) __createBinding\(exports, m, p\);/;
  if (!binding.test(js))
    throw new Error(`${file}: the __exportStar helper of tsc changed; update build-cjs.mjs`);
  writeFileSync(file, js.replace(binding, '$1 exports[p] = m[p];'));
}
