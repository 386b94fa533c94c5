// What replicated, paired measurements say, with their uncertainty: figures measured in R fresh
// processes (replicas), each over N rounds, as `number[replica][round]`. The point estimate is the
// mean over the replicas of each replica's mean over its rounds; its confidence interval comes from a
// two-level bootstrap (replicas drawn with replacement, then each drawn replica's rounds), so both a
// per-process bias (JIT decisions, heap layout, address-space layout) and round-to-round noise
// widen it. Two-level resampling counts the round noise twice over, so the interval is on the
// conservative (wide) side.

/** Measurements of one quantity: `x[replica][round]`. */
export type Replicated = number[][];

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** The quantile `p` (0…1) of an ascending sample, linear between order statistics. */
export function quantileOfSorted(s: readonly number[], p: number): number {
  const idx = (s.length - 1) * p;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return s[lo]! + (s[hi]! - s[lo]!) * (idx - lo);
}

/** The quantile `p` (0…1) of a sample. */
export function quantile(xs: readonly number[], p: number): number {
  return quantileOfSorted(
    [...xs].sort((a, b) => a - b),
    p,
  );
}

/** Each replica's mean over its rounds. */
export function replicaMeans(x: Replicated): number[] {
  return x.map(mean);
}

/** The mean over replicas of each replica's mean (replicas weigh alike). */
export function replicatedMean(x: Replicated): number {
  return mean(replicaMeans(x));
}

/** `a − b`, round by round (both measured in the same rounds of the same replicas). */
export function paired(a: Replicated, b: Replicated): Replicated {
  if (a.length !== b.length) throw new Error(`paired: ${a.length} replicas against ${b.length}`);
  return a.map((rounds, r) => {
    const other = b[r]!;
    if (rounds.length !== other.length)
      throw new Error(`paired: replica ${r} has ${rounds.length} rounds against ${other.length}`);
    return rounds.map((v, i) => v - other[i]!);
  });
}

/** A small seeded generator (mulberry32): the same resamples, hence the same interval, every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Estimate {
  /** The mean over replicas of each replica's mean. */
  value: number;
  /** The confidence interval's bounds. */
  lo: number;
  hi: number;
  /** Each replica's mean. */
  replicas: number[];
}

/**
 * The replicated mean with a percentile confidence interval (`level`, default 95 %) from a
 * two-level bootstrap: `resamples` times, draw as many replicas as there are, with replacement,
 * and within each drawn replica as many rounds as it has, with replacement.
 */
export function estimate(
  x: Replicated,
  { resamples = 4000, level = 0.95, seed = 1 }: { resamples?: number; level?: number; seed?: number } = {},
): Estimate {
  if (x.length === 0 || x.some((rounds) => rounds.length === 0))
    throw new Error('estimate: every replica needs at least one round');
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const draws: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let total = 0;
    for (let r = 0; r < x.length; r++) {
      const rounds = x[pick(x.length)]!;
      let s = 0;
      for (let i = 0; i < rounds.length; i++) s += rounds[pick(rounds.length)]!;
      total += s / rounds.length;
    }
    draws.push(total / x.length);
  }
  const tail = (1 - level) / 2;
  draws.sort((a, b) => a - b);
  return {
    value: replicatedMean(x),
    lo: quantileOfSorted(draws, tail),
    hi: quantileOfSorted(draws, 1 - tail),
    replicas: replicaMeans(x),
  };
}

export interface VarianceComponents {
  /** Standard deviation of the replicas' means, as observed. */
  betweenReplicas: number;
  /** Standard deviation of the rounds within a replica (pooled over replicas). */
  withinReplica: number;
  /** What `betweenReplicas` would be from round-to-round noise alone: withinReplica / √rounds. */
  fromRoundsAlone: number;
  /** The per-process bias's standard deviation: √(between² − fromRoundsAlone²), 0 when negative. */
  processBias: number;
}

/**
 * Splits the spread of replicated measurements (one-way analysis of variance, replicas as groups):
 * a per-process bias shows as replicas' means further apart than their rounds' noise explains.
 */
export function varianceComponents(x: Replicated): VarianceComponents {
  const means = replicaMeans(x);
  let ss = 0;
  let df = 0;
  for (let r = 0; r < x.length; r++) {
    for (const v of x[r]!) ss += (v - means[r]!) ** 2;
    df += x[r]!.length - 1;
  }
  const withinReplica = df > 0 ? Math.sqrt(ss / df) : 0;
  const rounds = mean(x.map((rs) => rs.length));
  const betweenReplicas = sd(means);
  const fromRoundsAlone = withinReplica / Math.sqrt(rounds);
  return {
    betweenReplicas,
    withinReplica,
    fromRoundsAlone,
    processBias: Math.sqrt(Math.max(0, betweenReplicas ** 2 - fromRoundsAlone ** 2)),
  };
}
