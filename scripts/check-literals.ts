// Fails when a convention name (an attribute or metric id with a dot, or a Prometheus metric name)
// appears as a string literal outside the generated constants. Use @tokenmeter/semconv instead.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as semconv from '../packages/semconv/src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = new Set<string>();
for (const value of Object.values(semconv)) {
  if (typeof value === 'string' && value.includes('.')) names.add(value);
  if (value && typeof value === 'object' && 'prometheusName' in value) {
    names.add((value as { prometheusName: string }).prometheusName);
  }
}

const skipDirs = new Set(['node_modules', 'dist', 'generated', 'fixtures', '.git', 'conventions']);
function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) yield full;
  }
}

const literal = /(['"`])([a-z_][a-z0-9_.]*)\1/g;
const problems: string[] = [];
for (const dir of ['packages', 'examples', 'bench', 'scripts']) {
  let files: Generator<string>;
  try {
    statSync(join(root, dir));
    files = walk(join(root, dir));
  } catch {
    continue;
  }
  for (const file of files) {
    // The semconv package's own test pins the published names: there the literal is the point.
    if (file.endsWith('check-literals.ts') || file.includes(join('packages', 'semconv', 'test'))) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(literal)) {
        if (names.has(m[2]!)) problems.push(`${relative(root, file)}:${i + 1}: '${m[2]}'`);
      }
    });
  }
}
if (problems.length) {
  console.error(
    `convention names written as string literals (import the constant from @tokenmeter/semconv):\n  ${problems.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(`no convention literals outside the generated constants (${names.size} names checked)`);
