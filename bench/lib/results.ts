// Writes one benchmark's section into bench/RESULTS.md, leaving the other sections as they are.
// Each section sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileOfSorted } from './estimate.js';

export const RESULTS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'RESULTS.md');

const HEADER = `# Benchmark results

Written by \`npm run bench\` (each section by its own benchmark; re-run one with
\`npx tsx bench/<name>.bench.ts\`). Figures are ratios or rates measured in one run on the machine
named in each section; this machine is noisy, so per-call overheads alternate instrumented and bare
blocks inside one process and report medians with their spread.
`;

/** A one-line description of the machine and runtime, for the section header. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} × ${cpu.trim()}`;
}

/**
 * Write (or replace) the section `name` of bench/RESULTS.md. Runs on another Node major than the
 * floor (20) get their own section (`name-node24`), so both stay side by side, unless `perNode` is
 * false (a benchmark that runs every Node itself).
 */
export function writeSection(baseName: string, markdown: string, options: { perNode?: boolean } = {}): void {
  const major = process.versions.node.split('.')[0];
  const name = major === '20' || options.perNode === false ? baseName : `${baseName}-node${major}`;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(RESULTS_PATH) ? readFileSync(RESULTS_PATH, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS_PATH, text);
}

/** Median and interquartile range of a sample. */
export function stats(values: number[]): {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
} {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => quantileOfSorted(s, p);
  return { median: q(0.5), p25: q(0.25), p75: q(0.75), min: s[0]!, max: s[s.length - 1]! };
}
