// The settings tables of the READMEs are the ones generated from the table (`npm run gen:env`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GENERATED_BLOCKS, replaceBlock } from '../../../scripts/env-docs.js';
import { KNOWN_ENV_VARS } from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

for (const { file, block, render } of GENERATED_BLOCKS) {
  it(`${file}: the ${block} table matches the environment table (run \`npm run gen:env\`)`, () => {
    const text = readFileSync(join(root, file), 'utf8');
    assert.equal(text, replaceBlock(text, file, block, render()));
  });
}

it('the node README lists every setting of an instrumented app, with its default', () => {
  const text = readFileSync(join(root, 'packages/node/README.md'), 'utf8');
  for (const name of KNOWN_ENV_VARS) {
    const listed = text.includes(`| \`${name}\``);
    const appSide =
      !name.startsWith('TOKENMETER_DEMO_') &&
      !['TOKENMETER_SERVE_TOKEN', 'TOKENMETER_GATEWAY_TOKEN', 'TOKENMETER_DEBUG'].includes(name);
    assert.equal(listed, appSide, name);
  }
});
