import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawnCli, tempDir } from './helpers.js';

describe('tokenmeter demo --reconcile', () => {
  it("sets the live calls beside the mock's own bill: no drift on what tokenmeter saw, the other key's batch as never seen", {
    timeout: 180_000,
  }, async (t) => {
    const file = path.join(tempDir(t), 'demo.db');
    const r = await spawnCli(['demo', '--calls', '60', '--no-history', '--reconcile', '--store', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const part = r.stdout.slice(r.stdout.indexOf('Reconciliation'));
    assert.ok(part.length > 0, r.stdout);
    // Every Anthropic message the mock billed, tokenmeter priced to the same nano-dollars.
    assert.match(part, /anthropic reports \$[\d.]+ \(drift \$0\.00, 0\.0%\)\./);
    // OpenAI: the seen models agree; the batch job of another key is spend tokenmeter never saw.
    assert.match(part, /\ngpt-4o +\$[\d.]+ +\$[\d.]+ +\$0\.00 +0\.0%/);
    assert.match(
      part,
      /openai reports \$[\d.]+ \(drift -\$0\.42\d*, -\d+\.\d%\); about \$0\.4\d* of it on calls tokenmeter never saw\./,
    );
  });
});
