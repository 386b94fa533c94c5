import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatScaled, mulDivHalfUp, mulRational, parseScaled, rationalFromDecimal } from '../src/money.js';

describe('money', () => {
  it('parses decimals to integers scaled by 1e6, exactly', () => {
    assert.deepEqual(parseScaled(0.075), { value: 75_000, rounded: false });
    assert.deepEqual(parseScaled('0.0375'), { value: 37_500, rounded: false });
    assert.deepEqual(parseScaled(600), { value: 600_000_000, rounded: false });
    assert.deepEqual(parseScaled(1.5e-7), { value: 0, rounded: true });
    assert.deepEqual(parseScaled('2.5e-3'), { value: 2_500, rounded: false });
    assert.deepEqual(parseScaled(1e21, 0), null); // beyond 2^53
    assert.deepEqual(parseScaled(0.18000000000000002), { value: 180_000, rounded: true });
    assert.deepEqual(parseScaled(0.08333333333333334), { value: 83_333, rounded: true });
    assert.deepEqual(parseScaled('0.0000005'), { value: 1, rounded: true }); // half-up
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '', 'abc', '1.2.3', null, {}, '-0.5']) {
      assert.equal(parseScaled(bad), null, String(bad));
    }
  });

  it('formats scaled integers back to decimals', () => {
    assert.equal(formatScaled(75_000), '0.075');
    assert.equal(formatScaled(600_000_000), '600');
    assert.equal(formatScaled(1), '0.000001');
  });

  it('rational multipliers stay exact', () => {
    assert.deepEqual(rationalFromDecimal(0.8), { num: 4, den: 5 });
    assert.deepEqual(rationalFromDecimal('1.8'), { num: 9, den: 5 });
    assert.deepEqual(mulRational({ num: 1, den: 2 }, { num: 4, den: 5 }), { num: 2, den: 5 });
    assert.equal(rationalFromDecimal(0.1234567891), null);
  });

  it('mulDivHalfUp rounds half up, in Numbers and past 2^53', () => {
    assert.equal(mulDivHalfUp(1500, 1, 1000), 2);
    assert.equal(mulDivHalfUp(1499, 1, 1000), 1);
    assert.equal(mulDivHalfUp(2 ** 53 - 1, 3, 2), Number((BigInt(2 ** 53 - 1) * 3n + 1n) / 2n));
  });
});
