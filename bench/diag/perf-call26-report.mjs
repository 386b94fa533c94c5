// Summary of bench/diag/perf-call26-threads.mjs runs (JSON lines, one per process): per Node and
// thread (or profile place), each side's median µs per call [p25 … p75] and, for preloaded runs,
// on − off per round (median [p25 … p75] and mean). `total` is every thread (not the idle or
// profile lines, which are parts of it).
// Run: node bench/diag/perf-call26-report.mjs <file.jsonl> ...
import { readFileSync } from 'node:fs';

const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { m: q(0.5), lo: q(0.25), hi: q(0.75), n: s.length };
};
const f = (o) => `${o.m.toFixed(1)} [${o.lo.toFixed(1)} … ${o.hi.toFixed(1)}]`;
for (const file of process.argv.slice(2)) {
  const runs = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const byNode = {};
  for (const r of runs) {
    byNode[r.node] ??= [];
    byNode[r.node].push(r);
  }
  for (const [node, rs] of Object.entries(byNode)) {
    const keys = new Set();
    for (const r of rs) for (const b of r.blocks) for (const k of Object.keys(b.by)) keys.add(k);
    keys.add('total');
    const tot = (b, k) =>
      k === 'total'
        ? Object.entries(b.by).reduce(
            (a, [kk, x]) => (kk.startsWith('p:') || kk.startsWith('idle:') ? a : a + x),
            0,
          )
        : (b.by[k] ?? 0);
    const lines = [];
    for (const k of keys) {
      const sides = {};
      const diffs = [];
      for (const r of rs) {
        const on = r.blocks.filter((b) => b.side === 'on');
        const off = r.blocks.filter((b) => b.side === 'off');
        for (const b of r.blocks) {
          sides[b.side] ??= [];
          sides[b.side].push(tot(b, k));
        }
        for (let i = 0; i < on.length; i++) diffs.push(tot(on[i], k) - tot(off[i], k));
      }
      const parts = Object.entries(sides).map(([s, v]) => `${s} ${f(med(v))}`);
      if (diffs.length)
        parts.push(
          `on−off ${f(med(diffs))} mean ${(diffs.reduce((a, x) => a + x, 0) / diffs.length).toFixed(1)}`,
        );
      if (
        Object.values(sides)
          .flat()
          .some((x) => x > 0.5)
      )
        lines.push(`  ${k.padEnd(16)} ${parts.join('; ')}`);
    }
    console.log(`${file.split('/').pop()} ${node} (${rs.length} processes)\n${lines.join('\n')}`);
  }
}
