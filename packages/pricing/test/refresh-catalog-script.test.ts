// The catalog refresh script: --check passes on the committed snapshot and fails (exit 1, with the
// changed price) on a stale one. CI runs `npx tsx packages/pricing/scripts/refresh-catalog.ts --check`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(pkg, 'scripts', 'refresh-catalog.ts');
const snapshot = join(pkg, 'src', 'catalog', 'snapshot.generated.json');

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: pkg, encoding: 'utf8' });
}

describe('refresh-catalog --check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-snapshot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on the committed snapshot', () => {
    const r = run('--check');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /catalog snapshot up to date \(genai-prices@/);
  });

  it('fails with exit 1 and names the changed price when the snapshot is stale', () => {
    const stale = join(dir, 'snapshot.generated.json');
    copyFileSync(snapshot, stale);
    const text = readFileSync(stale, 'utf8');
    // gpt-4o-mini input: 150000 (= $0.15/Mtok) → 160000 in the "stale" copy.
    const line = text
      .split('\n')
      .find((l) => l.includes('{"id":"gpt-4o-mini","match"') && l.includes('"input":150000'));
    assert.ok(line, 'gpt-4o-mini line in the snapshot');
    writeFileSync(stale, text.replace(line, line.replace('"input":150000', '"input":160000')));
    const r = run('--check', '--snapshot', stale);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is stale/);
    assert.match(r.stderr, /~ openai\/gpt-4o-mini: input_mtok=0\.16 .* → {2}input_mtok=0\.15 /);
  });
});
