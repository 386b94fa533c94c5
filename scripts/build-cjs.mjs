// Second build pass: CommonJS output beside the ESM one, so `require('@tokenmeter/...')` and
// `node --require @tokenmeter/node/register` load without require(esm). Runs in dependency order.
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
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  mkdirSync(join(dir, 'dist/cjs'), { recursive: true });
  writeFileSync(join(dir, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
}
