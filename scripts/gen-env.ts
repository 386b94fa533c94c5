// Writes the settings tables of the READMEs from the environment table (packages/config/src/table.ts).
//   npm run gen:env           write them
//   npm run gen:env -- --check  fail (exit 1) when a committed table is stale (run by conventions:check)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND, GENERATED_BLOCKS, replaceBlock } from './env-docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const { file, block, render } of GENERATED_BLOCKS) {
  const path = join(root, file);
  const current = readFileSync(path, 'utf8');
  const next = replaceBlock(current, file, block, render());
  if (next === current) continue;
  if (check) stale.push(file);
  else {
    writeFileSync(path, next);
    console.log(`wrote ${file} (${block})`);
  }
}
if (stale.length) {
  console.error(`generated settings tables are stale: ${stale.join(', ')}\nrun \`${COMMAND}\` and commit.`);
  process.exit(1);
}
if (check) console.log(`settings tables up to date (${GENERATED_BLOCKS.length} blocks)`);
