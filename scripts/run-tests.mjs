// Runs every package's tests with node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-substring ...]   e.g. `node scripts/run-tests.mjs pricing`
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (/\.test\.(ts|mts|cts)$/.test(name)) out.push(relative(root, full));
  }
  return out;
}

const files = find(join(root, 'packages'))
  .concat(find(join(root, 'examples')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// A test that hangs fails with its name after this long, instead of stalling the run.
const timeoutMs = process.env.TEST_TIMEOUT_MS ?? '300000';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
