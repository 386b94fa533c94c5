// The statistics the overhead headline reports: known inputs, known answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  estimate,
  mean,
  paired,
  quantile,
  replicatedMean,
  sd,
  seededRandom,
  varianceComponents,
} from './estimate.js';
import { stats } from './results.js';

describe('median and interquartile range (stats)', () => {
  it('gives the middle value and the quartiles of an odd sample, in any order', () => {
    const s = stats([9, 1, 5, 3, 7, 2, 8, 4, 6]);
    assert.equal(s.median, 5);
    assert.equal(s.p25, 3);
    assert.equal(s.p75, 7);
    assert.equal(s.min, 1);
    assert.equal(s.max, 9);
  });

  it('interpolates between order statistics of an even sample', () => {
    const s = stats([1, 2, 3, 4]);
    assert.equal(s.median, 2.5);
    assert.equal(s.p25, 1.75);
    assert.equal(s.p75, 3.25);
    assert.equal(quantile([4, 3, 2, 1], 0.5), 2.5);
  });
});

describe('replicated means', () => {
  it('weighs replicas alike whatever their number of rounds', () => {
    assert.equal(mean([1, 2, 3, 6]), 3);
    assert.equal(replicatedMean([[10], [20, 20, 20]]), 15);
  });

  it('pairs two variants round by round and refuses mismatched shapes', () => {
    assert.deepEqual(
      paired(
        [
          [5, 7],
          [9, 1],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
      [
        [4, 5],
        [6, -3],
      ],
    );
    assert.throws(() => paired([[1, 2]], [[1]]), /replica 0 has 2 rounds against 1/);
    assert.throws(() => paired([[1]], [[1], [2]]), /1 replicas against 2/);
  });

  it('computes the sample standard deviation with n − 1', () => {
    assert.equal(sd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
    assert.equal(sd([3]), 0);
  });
});

describe('bootstrap confidence interval (estimate)', () => {
  it('collapses to the value when every round of every replica is the same', () => {
    const e = estimate([
      [42, 42, 42],
      [42, 42],
    ]);
    assert.deepEqual([e.value, e.lo, e.hi], [42, 42, 42]);
    assert.deepEqual(e.replicas, [42, 42]);
  });

  it('stays within the range of the data and contains the mean', () => {
    const x = [
      [1, 5, 3, 8],
      [2, 9, 4, 6],
      [7, 3, 5, 5],
    ];
    const e = estimate(x);
    assert.ok(e.lo >= 1 && e.hi <= 9, `${e.lo} … ${e.hi}`);
    assert.ok(e.lo <= e.value && e.value <= e.hi, `${e.lo} ≤ ${e.value} ≤ ${e.hi}`);
  });

  it('is the same interval on every run (seeded) and another with another seed', () => {
    const x = [
      [1, 5, 3, 8],
      [2, 9, 4, 6],
    ];
    assert.deepEqual(estimate(x), estimate(x));
    assert.notDeepEqual(estimate(x, { seed: 2 }), estimate(x, { seed: 1 }));
  });

  it('widens when the replicas disagree, though each replica is just as steady inside', () => {
    const rounds = [-1, 1, -1, 1, -1, 1];
    const agreeing = [0, 0, 0, 0].map((o) => rounds.map((v) => v + o));
    const biased = [-30, -10, 10, 30].map((o) => rounds.map((v) => v + o));
    const a = estimate(agreeing);
    const b = estimate(biased);
    assert.equal(a.value, 0);
    assert.equal(b.value, 0);
    assert.ok(b.hi - b.lo > 10 * (a.hi - a.lo), `${b.lo} … ${b.hi} against ${a.lo} … ${a.hi}`);
  });

  it('covers the true mean of normal data about as often as its level says', () => {
    // 200 data sets of 4 replicas × 10 rounds drawn around 0 (Box–Muller, seeded): a 90 % interval
    // should miss about 20 times; two-level resampling errs on the wide side.
    const random = seededRandom(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let misses = 0;
    for (let k = 0; k < 200; k++) {
      const x = Array.from({ length: 4 }, () => Array.from({ length: 10 }, normal));
      const e = estimate(x, { resamples: 500, level: 0.9, seed: k + 1 });
      if (e.lo > 0 || e.hi < 0) misses++;
    }
    assert.ok(misses >= 2 && misses <= 35, `${misses} misses of 200`);
  });

  it('refuses a replica without rounds', () => {
    assert.throws(() => estimate([[1], []]), /at least one round/);
  });
});

describe('variance components', () => {
  it('finds a per-process bias that round noise does not explain', () => {
    // Replica means 0, 10, 20 (sd 10); four rounds ±1 around each (pooled sd √(12/9)).
    const x = [0, 10, 20].map((o) => [o - 1, o + 1, o - 1, o + 1]);
    const v = varianceComponents(x);
    assert.equal(v.betweenReplicas, 10);
    const within = Math.sqrt((3 * 4) / 9);
    assert.ok(Math.abs(v.withinReplica - within) < 1e-12);
    assert.ok(Math.abs(v.fromRoundsAlone - within / 2) < 1e-12);
    assert.ok(Math.abs(v.processBias - Math.sqrt(100 - within ** 2 / 4)) < 1e-12);
  });

  it('reports no bias when the replicas agree better than their rounds', () => {
    const x = [
      [0, 10, 0, 10],
      [10, 0, 10, 0],
    ];
    const v = varianceComponents(x);
    assert.equal(v.betweenReplicas, 0);
    assert.equal(v.processBias, 0);
    assert.ok(v.withinReplica > 5);
  });
});
