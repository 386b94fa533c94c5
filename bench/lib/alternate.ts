// Two ways of doing one thing, measured in-process in alternating blocks (which goes first swaps every
// round), and the report the two-sided A/B diagnostics print: each side's median [p25 … p75] and the
// second side minus the first per alternation (what RESULTS.md quotes).
import { stats } from './results.js';

/**
 * `warmups` unrecorded rounds, then `alternations` recorded ones. `round()` is called once per round
 * and gives that round's block: its figure for one side (so both sides of a round can share an input).
 */
export function alternate<K extends string>(
  sides: readonly [K, K],
  alternations: number,
  warmups: number,
  round: () => (side: K) => number,
): Record<K, number[]> {
  for (let w = 0; w < warmups; w++) {
    const block = round();
    for (const side of sides) block(side);
  }
  const per = { [sides[0]]: [], [sides[1]]: [] } as unknown as Record<K, number[]>;
  for (let r = 0; r < alternations; r++) {
    const block = round();
    const order = r % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    for (const side of order) per[side].push(block(side));
  }
  return per;
}

/** Prints each side's figures and `second − first per alternation: …; detail`. */
export function printAlternation<K extends string>(
  per: Record<K, number[]>,
  [first, second]: readonly [K, K],
  unit: string,
  digits: number,
  detail: string,
): void {
  const f = (x: number) => x.toFixed(digits);
  const width = Math.max(first.length, second.length);
  for (const side of [first, second]) {
    const s = stats(per[side]);
    console.log(`${side.padEnd(width)} CPU ${unit} ${f(s.median)} [${f(s.p25)} … ${f(s.p75)}]`);
  }
  const d = stats(per[second].map((x, i) => x - per[first][i]!));
  console.log(
    `${second} − ${first} per alternation: ${f(d.median)} ${unit} [${f(d.p25)} … ${f(d.p75)}]; ${detail}`,
  );
}

/**
 * `alternate` for the usual two-sided case: the same work `one` through a `before` and an `after`
 * implementation, a block being `runs` calls, its figure the process's CPU µs per call; 3 warm-up rounds.
 */
export function alternateBeforeAfter<M>(
  before: M,
  after: M,
  alternations: number,
  runs: number,
  one: (m: M) => void,
): Record<'before' | 'after', number[]> {
  const block = (m: M) => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) one(m);
    const d = process.cpuUsage(c0);
    return (d.user + d.system) / runs;
  };
  return alternate(
    ['before', 'after'] as const,
    alternations,
    3,
    () => (side) => block(side === 'before' ? before : after),
  );
}
