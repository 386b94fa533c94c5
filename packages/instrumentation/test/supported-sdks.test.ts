// One owner of the supported SDK versions: the patches take their ranges from SUPPORTED_SDKS, which
// `tokenmeter doctor` checks installed SDKs against.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_SDKS, TokenmeterInstrumentation, versionRange } from '../src/index.js';

test('every patch applies to exactly the range SUPPORTED_SDKS gives its SDK (the list doctor reads)', () => {
  const instrumentation = new TokenmeterInstrumentation({ enabled: false });
  const definitions = instrumentation.getModuleDefinitions();
  assert.ok(definitions.length >= 4);
  for (const d of definitions) {
    const sdk = SUPPORTED_SDKS.find((s) => s.name === d.name);
    assert.ok(sdk, `${d.name} is in SUPPORTED_SDKS`);
    assert.deepEqual(d.supportedVersions, [versionRange(sdk)]);
  }
});

test('a range excludes the next major and its pre-releases, as `<8` did', () => {
  const openai = SUPPORTED_SDKS.find((s) => s.name === 'openai')!;
  assert.equal(versionRange(openai), '>=4.0.0 <8.0.0-0');
});
