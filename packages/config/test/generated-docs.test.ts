// The settings tables of the READMEs are the ones generated from the table (`npm run gen:env`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GENERATED_BLOCKS, replaceBlock } from '../../../scripts/env-docs.js';
import { ENV_VARS, type EnvVarSpec, KNOWN_ENV_VARS } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

for (const { file, block, render } of GENERATED_BLOCKS) {
  it(`${file}: the ${block} table matches the environment table (run \`npm run gen:env\`)`, () => {
    const text = readFileSync(join(root, file), 'utf8');
    assert.equal(text, replaceBlock(text, file, block, render()));
  });
}

it('the node README lists every variable an instrumented app reads, and no CLI-only or internal one', () => {
  const text = readFileSync(join(root, 'packages/node/README.md'), 'utf8');
  for (const name of KNOWN_ENV_VARS) {
    const spec = ENV_VARS[name] as EnvVarSpec<unknown, unknown>;
    const readInTheApp = !spec.internal && spec.readBy.some((c) => c !== 'cli');
    assert.equal(text.includes(`| \`${name}\``), readInTheApp, name);
  }
});
