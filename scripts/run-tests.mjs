// Runs every package's tests (and bench/'s own) with node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [--faults | --no-faults] [--list] [path-substring ...]
//   e.g. `node scripts/run-tests.mjs pricing`; `--faults` runs the fault suite only, `--no-faults`
//   everything else (CI runs the fault suite as a step of its own); `--list` prints the files only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const suite = args.includes('--faults') ? 'faults' : args.includes('--no-faults') ? 'no-faults' : 'all';

/**
 * The fault suite (issue 13): what the app and the store do when the world misbehaves, each test
 * bounded in time. Tests under a `test/faults/` directory, and the fault tests kept beside the code
 * they guard (hostile usage values and pricing files, metric cardinality, malformed responses).
 */
const FAULT_SUITE = [
  '/test/faults/',
  'instrumentation/test/faults.test.',
  'hostile-pricing',
  'metric-cardinality',
  'usage-check.test.',
];
const isFault = (f) => FAULT_SUITE.some((x) => f.includes(x));

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (/\.test\.(ts|mts|cts)$/.test(name)) out.push(relative(root, full));
  }
  return out;
}

const files = find(join(root, 'packages'))
  .concat(find(join(root, 'examples')))
  .concat(find(join(root, 'bench')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => suite === 'all' || (suite === 'faults') === isFault(f))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (args.includes('--list')) {
  console.log(files.join('\n'));
  process.exit(0);
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
